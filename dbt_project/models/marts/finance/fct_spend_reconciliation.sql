{%- set tolerance = var('reconciliation_tolerance') -%}

with

platform_spend as (

    select * from {{ ref('int_ad_spend_unioned') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

invoices as (

    select * from {{ ref('stg_files__invoices') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

platform_monthly as (

    -- spend as the platform reported it, in the account currency
    select
        cast(date_trunc('month', date_day) as date) as month_start_date,
        platform,
        account_id,
        min(currency_code) as currency_code,
        sum(spend_local) as platform_spend_local

    from platform_spend
    group by 1, 2, 3

),

mart_monthly as (

    select
        cast(date_trunc('month', date_day) as date) as month_start_date,
        platform,
        account_id,
        sum(spend_local) as mart_spend_local

    from ad_spend
    group by 1, 2, 3

),

spend_monthly as (

    select
        coalesce(
            platform_monthly.month_start_date, mart_monthly.month_start_date
        ) as month_start_date,
        coalesce(platform_monthly.platform, mart_monthly.platform) as platform,
        coalesce(platform_monthly.account_id, mart_monthly.account_id)
            as account_id,
        platform_monthly.currency_code,
        platform_monthly.platform_spend_local,
        mart_monthly.mart_spend_local

    from platform_monthly
    full outer join mart_monthly
        on
            platform_monthly.month_start_date = mart_monthly.month_start_date
            and platform_monthly.platform = mart_monthly.platform
            and platform_monthly.account_id = mart_monthly.account_id

),

account_currencies as (

    select distinct platform, account_id, currency_code from platform_spend

),

platform_invoices as (

    -- an invoice bills the month of its date, in the account currency; one
    -- in another currency is converted at its date
    select
        cast(date_trunc('month', invoices.invoice_date) as date)
            as month_start_date,
        invoices.platform,
        invoices.account_id,
        coalesce(account_currencies.currency_code, invoices.currency_code)
            as currency_code,
        case
            when
                invoices.currency_code
                = coalesce(
                    account_currencies.currency_code, invoices.currency_code
                )
                then invoices.amount_local
            else
                invoices.amount_local
                * invoice_rates.usd_per_unit
                / account_rates.usd_per_unit
        end as invoiced_local

    from invoices
    left join account_currencies
        on
            invoices.platform = account_currencies.platform
            and invoices.account_id = account_currencies.account_id
    left join fx_rates_daily as invoice_rates
        on
            invoices.currency_code = invoice_rates.currency_code
            and invoices.invoice_date = invoice_rates.rate_date
    left join fx_rates_daily as account_rates
        on
            account_currencies.currency_code = account_rates.currency_code
            and invoices.invoice_date = account_rates.rate_date
    where invoices.invoice_type = 'ad_platform'

),

invoiced_monthly as (

    select
        month_start_date,
        platform,
        account_id,
        min(currency_code) as currency_code,
        count(*) as invoices,
        sum(invoiced_local) as invoiced_spend_local

    from platform_invoices
    group by 1, 2, 3

),

joined as (

    select
        coalesce(
            spend_monthly.month_start_date, invoiced_monthly.month_start_date
        ) as month_start_date,
        coalesce(spend_monthly.platform, invoiced_monthly.platform)
            as platform,
        coalesce(spend_monthly.account_id, invoiced_monthly.account_id)
            as account_id,
        coalesce(spend_monthly.currency_code, invoiced_monthly.currency_code)
            as currency_code,
        spend_monthly.platform_spend_local,
        spend_monthly.mart_spend_local,
        invoiced_monthly.invoiced_spend_local,
        coalesce(invoiced_monthly.invoices, 0) as invoices

    from spend_monthly
    full outer join invoiced_monthly
        on
            spend_monthly.month_start_date = invoiced_monthly.month_start_date
            and spend_monthly.platform = invoiced_monthly.platform
            and spend_monthly.account_id = invoiced_monthly.account_id

),

final as (

    select
        {{ surrogate_key(['month_start_date', 'platform', 'account_id']) }}
            as spend_reconciliation_id,
        month_start_date,
        platform,
        account_id,
        currency_code,
        platform_spend_local,
        mart_spend_local,
        invoiced_spend_local,
        mart_spend_local - platform_spend_local
            as mart_minus_platform_spend_local,
        invoiced_spend_local - mart_spend_local
            as invoiced_minus_mart_spend_local,
        {{ safe_divide(
            'invoiced_spend_local - mart_spend_local', 'mart_spend_local'
        ) }} as invoiced_difference_share,
        invoices,
        coalesce(mart_spend_local, 0) = coalesce(platform_spend_local, 0)
            as is_mart_equal_to_platform,
        case
            when
                invoiced_spend_local is null
                and coalesce(mart_spend_local, 0) = 0
                then 'matched'
            when invoiced_spend_local is null then 'missing_invoice'
            when mart_spend_local is null then 'missing_spend'
            when round(invoiced_spend_local, 2) = round(mart_spend_local, 2)
                then 'matched'
            when
                abs(invoiced_spend_local - mart_spend_local)
                <= {{ tolerance }} * abs(mart_spend_local)
                then 'within_tolerance'
            else 'mismatch'
        end as reconciliation_status

    from joined

)

select * from final
