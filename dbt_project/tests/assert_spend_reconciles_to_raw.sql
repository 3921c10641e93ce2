-- Σ spend_local, clicks and impressions per platform and day in
-- fct_ad_spend_daily equal the platform's raw data exactly (METRICS.md,
-- integrity invariants). Compared per ad account too: that implies the
-- per-platform-and-day equality, keeps every sum in one currency and
-- points at the account that differs. Raw data is read straight from the
-- sources, not through staging, so a bug anywhere between raw and mart
-- shows up; the file import counts only where no API delivered the same
-- account and day. A failing row is a platform, account and day whose
-- totals differ.

{%- set google_ads_raw_stats = source('google_ads', 'campaign_stats') %}
{%- set stats_columns = [
    ('date', 'date'),
    ('account_id', 'text'),
    ('spend', 'numeric'),
    ('impressions', 'bigint'),
    ('clicks', 'bigint'),
] %}
{%- set api_platforms = ['meta_ads', 'linkedin_ads', 'microsoft_ads'] %}

with

google_ads_campaign_stats as (

    {{ source_or_empty(
        'google_ads', 'campaign_stats',
        [('customer_id', 'text'), ('date', 'date')], all_columns=true,
    ) }}

),

{%- for platform in api_platforms %}

{{ platform }}_campaign_stats as (

    {{ source_or_empty(platform, 'campaign_stats', stats_columns) }}

),
{%- endfor %}

file_ad_performance as (

    {{ source_or_empty(
        'files', 'ad_performance', stats_columns + [('platform', 'text')]
    ) }}

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

{%- for platform in api_platforms %}

{{ platform }}_raw as (

    select
        '{{ platform }}' as platform,
        trim(account_id) as account_id,
        "date" as date_day,
        sum(coalesce(spend, 0)) as spend_local,
        sum(coalesce(clicks, 0)) as clicks,
        sum(coalesce(impressions, 0)) as impressions

    from {{ platform }}_campaign_stats
    group by 1, 2, 3

),
{%- endfor %}

api_raw as (

    select * from google_ads_raw
    {%- for platform in api_platforms %}
    union all
    select * from {{ platform }}_raw
    {%- endfor %}

),

files_raw as (

    select
        lower(trim(platform)) as platform,
        trim(account_id) as account_id,
        "date" as date_day,
        sum(coalesce(spend, 0)) as spend_local,
        sum(coalesce(clicks, 0)) as clicks,
        sum(coalesce(impressions, 0)) as impressions

    from file_ad_performance
    group by 1, 2, 3

),

raw_totals as (

    select * from api_raw

    union all

    select * from files_raw
    where not exists (
        select 1 from api_raw
        where
            files_raw.platform = api_raw.platform
            and files_raw.account_id = api_raw.account_id
            and files_raw.date_day = api_raw.date_day
    )

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
