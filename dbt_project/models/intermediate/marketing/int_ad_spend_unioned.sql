with

google_ads_campaign_stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

google_ads_customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

google_ads_campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

-- One CTE per ad platform maps it onto the canonical columns; a new
-- platform is one more CTE with exactly these columns, added to `unioned`.
google_ads as (

    select
        google_ads_campaign_stats.date_day,
        'google_ads' as platform,
        google_ads_campaign_stats.customer_id as account_id,
        google_ads_customers.customer_name as account_name,
        google_ads_campaign_stats.campaign_id,
        google_ads_campaigns.campaign_name,
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
    left join google_ads_campaigns
        on
            google_ads_campaign_stats.customer_id
            = google_ads_campaigns.customer_id
            and google_ads_campaign_stats.campaign_id
            = google_ads_campaigns.campaign_id

),

unioned as (

    select * from google_ads

),

final as (

    select
        unioned.date_day,
        unioned.platform,
        unioned.account_id,
        unioned.account_name,
        unioned.campaign_id,
        unioned.campaign_name,
        unioned.currency_code,
        unioned.spend_local,
        {{ to_reporting('unioned.spend_local', 'unioned.currency_code') }}
            as spend,
        unioned.impressions,
        unioned.clicks,
        unioned.conversions,
        unioned.conversion_value_local

    from unioned
    left join fx_rates_daily
        on
            unioned.currency_code = fx_rates_daily.currency_code
            and unioned.date_day = fx_rates_daily.rate_date

)

select * from final
