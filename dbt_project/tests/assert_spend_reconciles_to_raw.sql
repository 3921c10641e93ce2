-- Σ spend_local, clicks and impressions per platform and day in
-- fct_ad_spend_daily equal the platform's raw data exactly (METRICS.md,
-- integrity invariants). Compared per ad account too: that implies the
-- per-platform-and-day equality, keeps every sum in one currency and
-- points at the account that differs. Raw data is read straight from the
-- sources, not through staging, so a bug anywhere between raw and mart
-- shows up. A failing row is a platform, account and day whose totals
-- differ.

{%- set google_ads_raw_stats = source('google_ads', 'campaign_stats') %}

with

google_ads_campaign_stats as (

    select * from {{ google_ads_raw_stats }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

-- one CTE per platform, in the platform's own units
google_ads_raw as (

    select
        'google_ads' as platform,
        nullif(trim(customer_id), '') as account_id,
        "date" as date_day,
        sum(cast(coalesce({{ column_or_null(
            google_ads_raw_stats, 'cost_micros', 'bigint'
        ) }}, 0) as numeric)) / 1000000 as spend_local,
        sum(coalesce({{ column_or_null(
            google_ads_raw_stats, 'clicks', 'bigint'
        ) }}, 0)) as clicks,
        sum(coalesce({{ column_or_null(
            google_ads_raw_stats, 'impressions', 'bigint'
        ) }}, 0)) as impressions

    from google_ads_campaign_stats
    group by 1, 2, 3

),

raw_totals as (

    select * from google_ads_raw

),

mart_totals as (

    select
        platform,
        account_id,
        date_day,
        sum(spend_local) as spend_local,
        sum(clicks) as clicks,
        sum(impressions) as impressions

    from ad_spend
    group by 1, 2, 3

),

compared as (

    select
        coalesce(raw_totals.platform, mart_totals.platform) as platform,
        coalesce(raw_totals.account_id, mart_totals.account_id) as account_id,
        coalesce(raw_totals.date_day, mart_totals.date_day) as date_day,
        raw_totals.spend_local as raw_spend_local,
        mart_totals.spend_local as mart_spend_local,
        raw_totals.clicks as raw_clicks,
        mart_totals.clicks as mart_clicks,
        raw_totals.impressions as raw_impressions,
        mart_totals.impressions as mart_impressions

    from raw_totals
    full outer join mart_totals
        on
            raw_totals.platform = mart_totals.platform
            and raw_totals.account_id = mart_totals.account_id
            and raw_totals.date_day = mart_totals.date_day

)

select * from compared
where
    raw_spend_local is distinct from mart_spend_local
    or raw_clicks is distinct from mart_clicks
    or raw_impressions is distinct from mart_impressions
