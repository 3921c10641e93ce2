{{ config(store_failures=true) }}

-- Every converted amount had a rate (METRICS.md, Money; integrity
-- invariant "FX coverage 100%"). Each failing row names the model, the
-- amount's currency and date, and the currency whose rate is missing on
-- that date: neither that day nor the `fx_fallback_days` days before have
-- a published rate, or the currency has no rates at all.

{%- set reporting_currency = var('reporting_currency') | upper %}

with

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

unconverted as (

    select
        'fct_ad_spend_daily' as model_name,
        currency_code,
        date_day as rate_date,
        count(*) as unconverted_rows

    from ad_spend
    where spend_local is not null and spend is null
    group by 1, 2, 3

    union all

    select
        'fct_deals' as model_name,
        currency_code,
        amount_rate_date as rate_date,
        count(*) as unconverted_rows

    from deals
    where amount_local is not null and amount is null
    group by 1, 2, 3

),

final as (

    select
        unconverted.model_name,
        unconverted.currency_code,
        unconverted.rate_date,
        case
            when fx_rates_daily.usd_per_unit is null
                then coalesce(unconverted.currency_code, '(no currency)')
            else '{{ reporting_currency }}'
        end as missing_rate_currency_code,
        unconverted.unconverted_rows

    from unconverted
    left join fx_rates_daily
        on
            unconverted.currency_code = fx_rates_daily.currency_code
            and unconverted.rate_date = fx_rates_daily.rate_date

)

select * from final
