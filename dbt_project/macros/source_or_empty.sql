{#
    The typed columns of a source table that may not exist yet, or an empty
    relation with exactly those columns when it does not. The file import
    creates one raw table per file it has seen: a company that never
    imported `invoices.csv` has no `invoices` table, and staging must still
    produce a relation with the right columns. A column the table lacks is
    read as a typed null, like `column_or_null`.

    With `all_columns`, an existing table is read whole (`select *`): for
    staging models of API sources that read their vendor fields through
    `column_or_null`, where `columns` lists only those read directly. A
    warehouse fed by the file import alone has no HubSpot or Google Ads
    tables, and must still build.

    source_name: the source (e.g. 'files')
    table_name:  the table within it
    columns:     a list of (column name, data type) pairs, in output order
    all_columns: keep every column of an existing table
#}
{% macro source_or_empty(source_name, table_name, columns, all_columns=false) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- The table's columns, asked of the catalog (no columns: no table).
        Not dbt's relation cache: the first thread to read an uncached
        schema fills it one relation at a time, and a thread asking
        meanwhile would miss tables. -#}
    {%- set present = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.update({column.name | lower: column.name}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if all_columns and present %}
    select * from {{ relation }}
    {%- else %}
    select
    {%- for column_name, data_type in columns %}
        {%- set value = adapter.quote(present[column_name])
            if column_name in present else 'null' %}
        cast({{ value }} as {{ data_type }}) as {{ adapter.quote(column_name) }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    {%- if present %}
    from {{ relation }}
    {%- else %}
    where false
    {%- endif %}
    {%- endif %}
{%- endmacro %}
