{#
    A CRM record id that never collides across source systems: the source
    system's name, a colon and the record's own id ('hubspot:1234',
    'files:L-17'). Null stays null. Every unified CRM id (lead, deal,
    account, owner, activity, touchpoint) is made here; the record's own id
    is kept beside it as `source_<entity>_id`.
#}
{% macro crm_id(source_system, id_expression) -%}
    '{{ source_system }}:' || {{ id_expression }}
{%- endmacro %}
