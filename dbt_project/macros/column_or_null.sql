{#
    Select a raw column if the loader has created it, or a typed null if it
    has not. dlt only creates a column once some record had a value for it,
    so a vendor field that was always empty is missing from the raw table;
    staging must not break when that happens.

    relation:    the relation the column would be on (e.g. a `source()`)
    column_name: the raw column name
    data_type:   the type of the null when the column is missing
#}
{% macro column_or_null(relation, column_name, data_type='text') -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == column_name | lower -%}
                {%- do present.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present -%}
        {{ adapter.quote(present[0]) }}
    {%- else -%}
        {%- if execute -%}
            {%- do log(
                relation ~ " has no column " ~ column_name ~ ": read as null"
            ) -%}
        {%- endif -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
