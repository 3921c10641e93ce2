{%- set reporting_currency = var('reporting_currency') | upper -%}

-- a table: small, joined by every converted amount, and building it reads
-- every stats row (the days to cover)
{{ config(materialized='table') }}

with

seed_rates as (

    select * from {{ ref('fx_rates') }}

),

imported_rates as (

    select * from {{ ref('stg_files__fx_rates') }}

),

google_ads_campaign_stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

hubspot_deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

meta_ads_campaign_stats as (

    select * from {{ ref('stg_meta_ads__campaign_stats') }}

),

linkedin_ads_campaign_stats as (

    select * from {{ ref('stg_linkedin_ads__campaign_stats') }}

),

microsoft_ads_campaign_stats as (

    select * from {{ ref('stg_microsoft_ads__campaign_stats') }}

),

file_ad_performance as (

    select * from {{ ref('stg_files__ad_performance') }}

),

file_deals as (

    select * from {{ ref('stg_files__deals') }}

),

file_invoices as (

    select * from {{ ref('stg_files__invoices') }}

),

candidate_rates as (

    -- an imported rate takes precedence over the seed for the same
    -- currency and day
    select
        rate_date,
        currency_code,
        usd_per_unit,
        'import' as rate_origin,
        1 as origin_rank

    from imported_rates

    union all

    select
        rate_date,
        upper(trim(currency_code)) as currency_code,
        usd_per_unit,
        'seed' as rate_origin,
        2 as origin_rank

    from seed_rates

),

ranked_rates as (

    select
        *,
        row_number() over (
            partition by currency_code, rate_date order by origin_rank
        ) as origin_precedence

    from candidate_rates

),

published_rates as (

    -- USD is 1 by definition: a USD row in the rates is never read
    select
        rate_date,
        currency_code,
        usd_per_unit,
        rate_origin

    from ranked_rates
    where origin_precedence = 1 and currency_code <> 'USD'

),

needed_dates as (

    -- every date an amount may be converted at: spend days, deal dates,
    -- invoice dates
    select date_day as needed_date from google_ads_campaign_stats
    union all
    select date_day from meta_ads_campaign_stats
    union all
    select date_day from linkedin_ads_campaign_stats
    union all
    select date_day from microsoft_ads_campaign_stats
    union all
    select date_day from file_ad_performance
    union all
    select {{ to_reporting_date('deal_created_at') }} from hubspot_deals
    union all
    select {{ to_reporting_date('close_at') }} from hubspot_deals
    union all
    select {{ to_reporting_date('deal_created_at') }} from file_deals
    union all
    select {{ to_reporting_date('close_at') }} from file_deals
    union all
    select invoice_date from file_invoices

),

date_range as (

    select
        least(
            (select min(rate_date) from published_rates),
            (select min(needed_date) from needed_dates)
        ) as first_date,
        greatest(
            (select max(rate_date) from published_rates),
            (select max(needed_date) from needed_dates)
        ) as last_date

),

calendar as (

    select cast(calendar_day as date) as rate_date

    from date_range
    cross join lateral generate_series(
        date_range.first_date, date_range.last_date, interval '1 day'
    ) as calendar_day

),

currencies as (

    select currency_code from published_rates
    union
    select 'USD'
    union
    select '{{ reporting_currency }}'

),

spine as (

    select
        calendar.rate_date,
        currencies.currency_code

    from calendar
    cross join currencies

),

latest_published as (

    -- the most recent rate date on or before each day
    select
        spine.rate_date,
        spine.currency_code,
        max(published_rates.rate_date) over (
            partition by spine.currency_code
            order by spine.rate_date
            rows between unbounded preceding and current row
        ) as rate_source_date

    from spine
    left join published_rates
        on
            spine.currency_code = published_rates.currency_code
            and spine.rate_date = published_rates.rate_date

),

with_fallback as (

    select
        latest_published.rate_date,
        latest_published.currency_code,
        case
            when latest_published.currency_code = 'USD'
                then latest_published.rate_date
            when
                latest_published.rate_date - latest_published.rate_source_date
                <= {{ var('fx_fallback_days') }}
                then latest_published.rate_source_date
        end as rate_source_date,
        case
            when latest_published.currency_code = 'USD' then 1
            when
                latest_published.rate_date - latest_published.rate_source_date
                <= {{ var('fx_fallback_days') }}
                then published_rates.usd_per_unit
        end as usd_per_unit,
        case
            when latest_published.currency_code = 'USD' then 'definition'
            when
                latest_published.rate_date - latest_published.rate_source_date
                <= {{ var('fx_fallback_days') }}
                then published_rates.rate_origin
        end as rate_origin

    from latest_published
    left join published_rates
        on
            latest_published.currency_code = published_rates.currency_code
            and latest_published.rate_source_date = published_rates.rate_date

),

final as (

    select
        with_fallback.rate_date,
        with_fallback.currency_code,
        with_fallback.usd_per_unit,
        reporting.usd_per_unit as reporting_usd_per_unit,
        with_fallback.rate_source_date,
        with_fallback.rate_source_date < with_fallback.rate_date
            as is_carried_forward,
        with_fallback.rate_origin

    from with_fallback
    left join with_fallback as reporting
        on
            with_fallback.rate_date = reporting.rate_date
            and reporting.currency_code = '{{ reporting_currency }}'

)

select * from final
