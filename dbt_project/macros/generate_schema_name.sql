{#
    Every model, seed, snapshot and test lands in the target schema (the
    build schema). BI never reads it: publish copies the audited marts into
    the published schema in one step. A `+schema` config is ignored on
    purpose so that nothing can be built straight into a schema BI sees.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ target.schema }}
{%- endmacro %}
