-- a table: the ad-spend mart, its change detection, dim_campaign, dim_date,
-- the spend reconciliation and the FX coverage test all read it in full
{{ config(materialized='table') }}

with

google_ads_campaign_stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

google_ads_customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

meta_ads_campaign_stats as (

    select * from {{ ref('stg_meta_ads__campaign_stats') }}

),

meta_ads_accounts as (

    select * from {{ ref('stg_meta_ads__accounts') }}

),

linkedin_ads_campaign_stats as (

    select * from {{ ref('stg_linkedin_ads__campaign_stats') }}

),

linkedin_ads_accounts as (

    select * from {{ ref('stg_linkedin_ads__accounts') }}

),

microsoft_ads_campaign_stats as (

    select * from {{ ref('stg_microsoft_ads__campaign_stats') }}

),

microsoft_ads_accounts as (

    select * from {{ ref('stg_microsoft_ads__accounts') }}

),

file_ad_performance as (

    select * from {{ ref('stg_files__ad_performance') }}

),

campaigns as (

    select * from {{ ref('int_campaigns') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

-- One CTE per source maps it onto the canonical columns; a new source is
-- one more CTE with exactly these columns, added to `unioned`.
google_ads as (

    select
        google_ads_campaign_stats.date_day,
        'google_ads' as platform,
        google_ads_campaign_stats.customer_id as account_id,
        google_ads_campaign_stats.campaign_id,
        'google_ads' as source_system,
        google_ads_customers.currency_code,
        google_ads_campaign_stats.spend_local,
        google_ads_campaign_stats.impressions,
        google_ads_campaign_stats.clicks,
        google_ads_campaign_stats.conversions,
        google_ads_campaign_stats.conversion_value_local

    from google_ads_campaign_stats
    left join google_ads_customers
        on
            google_ads_campaign_stats.customer_id
            = google_ads_customers.customer_id

),

meta_ads as (

    select
        meta_ads_campaign_stats.date_day,
        meta_ads_campaign_stats.platform,
        meta_ads_campaign_stats.account_id,
        meta_ads_campaign_stats.campaign_id,
        'meta_ads' as source_system,
        meta_ads_accounts.currency_code,
        meta_ads_campaign_stats.spend_local,
        meta_ads_campaign_stats.impressions,
        meta_ads_campaign_stats.clicks,
        meta_ads_campaign_stats.conversions,
        meta_ads_campaign_stats.conversion_value_local

    from meta_ads_campaign_stats
    left join meta_ads_accounts
        on meta_ads_campaign_stats.account_id = meta_ads_accounts.account_id

),

linkedin_ads as (

    select
        linkedin_ads_campaign_stats.date_day,
        linkedin_ads_campaign_stats.platform,
        linkedin_ads_campaign_stats.account_id,
        linkedin_ads_campaign_stats.campaign_id,
        'linkedin_ads' as source_system,
        linkedin_ads_accounts.currency_code,
        linkedin_ads_campaign_stats.spend_local,
        linkedin_ads_campaign_stats.impressions,
        linkedin_ads_campaign_stats.clicks,
        linkedin_ads_campaign_stats.conversions,
        linkedin_ads_campaign_stats.conversion_value_local

    from linkedin_ads_campaign_stats
    left join linkedin_ads_accounts
        on
            linkedin_ads_campaign_stats.account_id
            = linkedin_ads_accounts.account_id

),

microsoft_ads as (

    select
        microsoft_ads_campaign_stats.date_day,
        microsoft_ads_campaign_stats.platform,
        microsoft_ads_campaign_stats.account_id,
        microsoft_ads_campaign_stats.campaign_id,
        'microsoft_ads' as source_system,
        microsoft_ads_accounts.currency_code,
        microsoft_ads_campaign_stats.spend_local,
        microsoft_ads_campaign_stats.impressions,
        microsoft_ads_campaign_stats.clicks,
        microsoft_ads_campaign_stats.conversions,
        microsoft_ads_campaign_stats.conversion_value_local

    from microsoft_ads_campaign_stats
    left join microsoft_ads_accounts
        on
            microsoft_ads_campaign_stats.account_id
            = microsoft_ads_accounts.account_id

),

api_sources as (

    select * from google_ads
    union all
    select * from meta_ads
    union all
    select * from linkedin_ads
    union all
    select * from microsoft_ads

),

files as (

    -- the file import may carry any platform; where a platform's API
    -- delivers the same ad account and day, the API's numbers stand and
    -- the file's are not added to them
    select
        file_ad_performance.date_day,
        file_ad_performance.platform,
        file_ad_performance.account_id,
        file_ad_performance.campaign_id,
        'files' as source_system,
        file_ad_performance.currency_code,
        file_ad_performance.spend_local,
        file_ad_performance.impressions,
        file_ad_performance.clicks,
        file_ad_performance.conversions,
        file_ad_performance.conversion_value_local

    from file_ad_performance
    where not exists (
        select 1
        from api_sources
        where
            file_ad_performance.platform = api_sources.platform
            and file_ad_performance.account_id = api_sources.account_id
            and file_ad_performance.date_day = api_sources.date_day
    )

),

unioned as (

    select * from api_sources
    union all
    select * from files

),

final as (

    select
        unioned.date_day,
        unioned.platform,
        unioned.account_id,
        unioned.campaign_id,
        unioned.source_system,
        campaigns.account_name,
        campaigns.campaign_name,
        unioned.currency_code,
        unioned.spend_local,
        {{ to_reporting('unioned.spend_local', 'unioned.currency_code') }}
            as spend,
        unioned.impressions,
        unioned.clicks,
        unioned.conversions,
        unioned.conversion_value_local

    from unioned
    left join campaigns
        on
            unioned.platform = campaigns.platform
            and unioned.account_id = campaigns.account_id
            and unioned.campaign_id = campaigns.campaign_id
    left join fx_rates_daily
        on
            unioned.currency_code = fx_rates_daily.currency_code
            and unioned.date_day = fx_rates_daily.rate_date

)

select * from final
