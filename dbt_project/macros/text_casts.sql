{#
    Casts for vendor values delivered as text (HubSpot sends every property
    as a string). Empty and blank strings mean "no value", like null, so
    every cast goes through `nullif(trim(...), '')` first.
#}

{% macro clean_text(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}


{% macro text_to_numeric(expression) -%}
    cast({{ clean_text(expression) }} as numeric)
{%- endmacro %}


{% macro text_to_boolean(expression) -%}
    cast(lower({{ clean_text(expression) }}) as boolean)
{%- endmacro %}


{#
    An instant as timestamptz. Accepts ISO-8601 with an offset or `Z`
    ("2025-03-01T10:00:00Z", "2025-03-01T10:00:00.123Z"), ISO-8601 without
    an offset or a bare date (both read as UTC, never in the session's time
    zone), and epoch milliseconds (HubSpot's legacy format).
#}
{% macro text_to_timestamp(expression) -%}
    {%- set value = clean_text(expression) -%}
    {%- set epoch_millis = "'^[0-9]{12,}$'" -%}
    {%- set time_with_offset =
        "'[T ][0-9]{2}:[0-9]{2}.*(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$'" -%}
    case
        when {{ value }} ~ {{ epoch_millis }}
            then to_timestamp(cast({{ value }} as numeric) / 1000)
        when {{ value }} ~ {{ time_with_offset }}
            then cast({{ value }} as timestamptz)
        else cast({{ value }} as timestamp) at time zone 'UTC'
    end
{%- endmacro %}
