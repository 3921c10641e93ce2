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

invoices as (

    select * from {{ ref('stg_files__invoices') }}

),

ad_spend_unioned as (

    select * from {{ ref('int_ad_spend_unioned') }}

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

    union all

    -- invoices convert at their date: into the reporting currency, and an
    -- ad-platform invoice into its ad account's currency (the
    -- reconciliation marts read these, downstream of the checks above)
    select
        'stg_files__invoices' as model_name,
        needed.currency_code,
        needed.invoice_date as rate_date,
        count(*) as unconverted_rows

    from (
        select currency_code, invoice_date from invoices

        union all

        select distinct
            account_currencies.currency_code,
            invoices.invoice_date
        from invoices
        inner join (
            select distinct platform, account_id, currency_code
            from ad_spend_unioned
        ) as account_currencies
            on
                invoices.platform = account_currencies.platform
                and invoices.account_id = account_currencies.account_id
        where
            invoices.invoice_type = 'ad_platform'
            and invoices.currency_code <> account_currencies.currency_code
    ) as needed
    left join fx_rates_daily as needed_rates
        on
            needed.currency_code = needed_rates.currency_code
            and needed.invoice_date = needed_rates.rate_date
    where
        needed.currency_code <> '{{ reporting_currency }}'
        and (
            needed_rates.usd_per_unit is null
            or needed_rates.reporting_usd_per_unit is null
        )
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
