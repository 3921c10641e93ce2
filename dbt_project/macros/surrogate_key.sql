{#
    A deterministic key for a grain made of several columns: the md5 of the
    columns cast to text, nulls replaced by a marker, joined with '-'.
    Use it on grains whose columns are already tested not-null or whose
    nulls are meaningful; it is a key, not a hash of arbitrary text.
#}
{% macro surrogate_key(column_names) -%}
    {%- set fields = [] -%}
    {%- for column_name in column_names -%}
        {%- do fields.append(
            "coalesce(cast(" ~ column_name ~ " as " ~ dbt.type_string()
            ~ "), '_null_')"
        ) -%}
        {%- if not loop.last -%}
            {%- do fields.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}
    md5({{ dbt.concat(fields) }})
{%- endmacro %}
