with

google_ads_campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

google_ads_campaign_name_history as (

    select * from {{ ref('stg_google_ads__campaign_name_history') }}

),

-- One CTE per ad platform: its campaigns' current names and every name
-- they were ever seen with (campaign renames are common).
google_ads as (

    select
        'google_ads' as platform,
        customer_id as account_id,
        campaign_id,
        campaign_name,
        true as is_current_name,
        cast(null as timestamptz) as first_seen_at

    from google_ads_campaigns
    where campaign_name is not null

    union all

    select
        'google_ads' as platform,
        customer_id as account_id,
        campaign_id,
        campaign_name,
        false as is_current_name,
        first_seen_at

    from google_ads_campaign_name_history
    where campaign_name is not null

),

unioned as (

    select * from google_ads

),

final as (

    select
        platform,
        account_id,
        campaign_id,
        lower(trim(campaign_name)) as campaign_name_normalized,
        bool_or(is_current_name) as is_current_name,
        min(first_seen_at) as first_seen_at

    from unioned
    group by 1, 2, 3, 4

)

select * from final
