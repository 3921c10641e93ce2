{#
    Money conversion, METRICS.md "Money":

        amount_reporting = amount_local * usd_per_unit(cur, d)
                                        / usd_per_unit(reporting, d)

    The model joins `int_fx_rates_daily` on the amount's currency and event
    date (d); that model has already applied the fallback to the latest rate
    of the previous `fx_fallback_days` days and carries, on every row, the
    reporting currency's rate of the same day. An amount already in the
    reporting currency is taken as it is (it needs no rate). A missing rate
    gives a null amount, never an unconverted one, and the singular test
    `assert_fx_coverage` fails naming the currency and date. The result is
    not rounded: round only for display.

    amount_column:   the local amount
    currency_column: its ISO-4217 currency
    fx_relation:     the name the `int_fx_rates_daily` rows are joined under
#}
{% macro to_reporting(
    amount_column, currency_column, fx_relation='fx_rates_daily'
) -%}
    case
        when {{ currency_column }} = '{{ var("reporting_currency") | upper }}'
            then {{ amount_column }}
        else
            {{ amount_column }}
            * {{ fx_relation }}.usd_per_unit
            / {{ fx_relation }}.reporting_usd_per_unit
    end
{%- endmacro %}
