{#
    A UTC timestamp (timestamptz) as a calendar date in the reporting time
    zone (dbt var `reporting_timezone`, METRICS.md "Time").
#}
{% macro to_reporting_date(timestamp_column) -%}
    cast(
        {{ timestamp_column }} at time zone '{{ var("reporting_timezone") }}'
        as date
    )
{%- endmacro %}
