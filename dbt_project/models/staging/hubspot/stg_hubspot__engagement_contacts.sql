{#-
    The contacts each engagement was logged on, for every engagement type
    (raw tables call_contacts, email_contacts, meeting_contacts,
    task_contacts). A type never loaded adds no rows.
-#}
{%- set types = ['call', 'email', 'meeting', 'task'] -%}

with

{% for engagement_type in types %}
{{ engagement_type }}_contacts as (

    {{ source_or_empty('hubspot', engagement_type ~ '_contacts', [
        (engagement_type ~ '_id', 'text'),
        ('contact_id', 'text'),
        ('association_type_id', 'bigint'),
    ]) }}

),

{% endfor -%}

final as (

    {% for engagement_type in types -%}
    select
        {{ clean_text(engagement_type ~ '_id') }} as engagement_id,
        '{{ engagement_type }}' as engagement_type,
        {{ clean_text('contact_id') }} as contact_id,
        association_type_id

    from {{ engagement_type }}_contacts
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

)

select * from final
