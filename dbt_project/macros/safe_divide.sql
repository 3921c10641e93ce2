{#
    numerator / denominator as numeric, null when the denominator is 0 or
    null (METRICS.md, Null vs zero: a ratio over 0 is null, never 0 and
    never an error).
#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as numeric) / nullif({{ denominator }}, 0)
{%- endmacro %}
