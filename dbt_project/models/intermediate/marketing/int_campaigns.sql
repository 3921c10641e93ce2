-- a table: every ad-spend model joins it, and building it reads every stats row
{{ config(materialized='table') }}

with

google_ads_campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

google_ads_customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

google_ads_campaign_stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

meta_ads_campaigns as (

    select * from {{ ref('stg_meta_ads__campaigns') }}

),

meta_ads_accounts as (

    select * from {{ ref('stg_meta_ads__accounts') }}

),

meta_ads_campaign_stats as (

    select * from {{ ref('stg_meta_ads__campaign_stats') }}

),

linkedin_ads_campaigns as (

    select * from {{ ref('stg_linkedin_ads__campaigns') }}

),

linkedin_ads_accounts as (

    select * from {{ ref('stg_linkedin_ads__accounts') }}

),

linkedin_ads_campaign_stats as (

    select * from {{ ref('stg_linkedin_ads__campaign_stats') }}

),

microsoft_ads_campaigns as (

    select * from {{ ref('stg_microsoft_ads__campaigns') }}

),

microsoft_ads_accounts as (

    select * from {{ ref('stg_microsoft_ads__accounts') }}

),

microsoft_ads_campaign_stats as (

    select * from {{ ref('stg_microsoft_ads__campaign_stats') }}

),

file_ad_performance as (

    select * from {{ ref('stg_files__ad_performance') }}

),

-- One CTE per source maps its campaigns onto the same columns: every
-- campaign the API lists, and any that only appears in its stats.
google_ads as (

    select
        'google_ads' as platform,
        campaign_ids.customer_id as account_id,
        campaign_ids.campaign_id,
        'google_ads' as source_system,
        google_ads_customers.customer_name as account_name,
        google_ads_campaigns.campaign_name,
        google_ads_customers.currency_code,
        google_ads_campaigns.campaign_status,
        google_ads_campaigns.advertising_channel_type,
        1 as source_rank

    from (
        select customer_id, campaign_id from google_ads_campaigns
        union
        select customer_id, campaign_id from google_ads_campaign_stats
    ) as campaign_ids
    left join google_ads_campaigns
        on
            campaign_ids.customer_id = google_ads_campaigns.customer_id
            and campaign_ids.campaign_id = google_ads_campaigns.campaign_id
    left join google_ads_customers
        on campaign_ids.customer_id = google_ads_customers.customer_id

),

meta_ads as (

    select
        'meta_ads' as platform,
        campaign_ids.account_id,
        campaign_ids.campaign_id,
        'meta_ads' as source_system,
        meta_ads_accounts.account_name,
        meta_ads_campaigns.campaign_name,
        meta_ads_accounts.currency_code,
        meta_ads_campaigns.campaign_status,
        cast(null as text) as advertising_channel_type,
        1 as source_rank

    from (
        select account_id, campaign_id from meta_ads_campaigns
        union
        select account_id, campaign_id from meta_ads_campaign_stats
    ) as campaign_ids
    left join meta_ads_campaigns
        on
            campaign_ids.account_id = meta_ads_campaigns.account_id
            and campaign_ids.campaign_id = meta_ads_campaigns.campaign_id
    left join meta_ads_accounts
        on campaign_ids.account_id = meta_ads_accounts.account_id

),

linkedin_ads as (

    select
        'linkedin_ads' as platform,
        campaign_ids.account_id,
        campaign_ids.campaign_id,
        'linkedin_ads' as source_system,
        linkedin_ads_accounts.account_name,
        linkedin_ads_campaigns.campaign_name,
        linkedin_ads_accounts.currency_code,
        linkedin_ads_campaigns.campaign_status,
        cast(null as text) as advertising_channel_type,
        1 as source_rank

    from (
        select account_id, campaign_id from linkedin_ads_campaigns
        union
        select account_id, campaign_id from linkedin_ads_campaign_stats
    ) as campaign_ids
    left join linkedin_ads_campaigns
        on
            campaign_ids.account_id = linkedin_ads_campaigns.account_id
            and campaign_ids.campaign_id = linkedin_ads_campaigns.campaign_id
    left join linkedin_ads_accounts
        on campaign_ids.account_id = linkedin_ads_accounts.account_id

),

microsoft_ads as (

    select
        'microsoft_ads' as platform,
        campaign_ids.account_id,
        campaign_ids.campaign_id,
        'microsoft_ads' as source_system,
        microsoft_ads_accounts.account_name,
        microsoft_ads_campaigns.campaign_name,
        microsoft_ads_accounts.currency_code,
        microsoft_ads_campaigns.campaign_status,
        cast(null as text) as advertising_channel_type,
        1 as source_rank

    from (
        select account_id, campaign_id from microsoft_ads_campaigns
        union
        select account_id, campaign_id from microsoft_ads_campaign_stats
    ) as campaign_ids
    left join microsoft_ads_campaigns
        on
            campaign_ids.account_id = microsoft_ads_campaigns.account_id
            and campaign_ids.campaign_id = microsoft_ads_campaigns.campaign_id
    left join microsoft_ads_accounts
        on campaign_ids.account_id = microsoft_ads_accounts.account_id

),

file_campaign_days as (

    -- a campaign's current name and currency are those of its latest day
    select
        platform,
        account_id,
        campaign_id,
        campaign_name,
        currency_code,
        row_number() over (
            partition by platform, account_id, campaign_id
            order by date_day desc, campaign_name
        ) as recency_rank

    from file_ad_performance

),

files as (

    select
        platform,
        account_id,
        campaign_id,
        'files' as source_system,
        cast(null as text) as account_name,
        campaign_name,
        currency_code,
        cast(null as text) as campaign_status,
        cast(null as text) as advertising_channel_type,
        2 as source_rank

    from file_campaign_days
    where recency_rank = 1

),

unioned as (

    select * from google_ads
    union all
    select * from meta_ads
    union all
    select * from linkedin_ads
    union all
    select * from microsoft_ads
    union all
    select * from files

),

ranked as (

    select
        *,
        row_number() over (
            partition by platform, account_id, campaign_id
            order by source_rank
        ) as source_precedence

    from unioned

),

final as (

    -- a campaign an API delivers is described by the API
    select
        platform,
        account_id,
        campaign_id,
        source_system,
        account_name,
        campaign_name,
        currency_code,
        campaign_status,
        advertising_channel_type

    from ranked
    where source_precedence = 1

)

select * from final
