with

campaigns as (

    select * from {{ ref('int_campaigns') }}

),

campaign_names as (

    select * from {{ ref('int_campaign_names') }}

),

platform_channels as (

    select * from {{ ref('int_platform_channels') }}

),

ad_spend as (

    select * from {{ ref('int_ad_spend_unioned') }}

),

name_history as (

    -- the names a campaign had before its current one, oldest first
    select
        platform,
        account_id,
        campaign_id,
        string_agg(
            campaign_name, ' | '
            order by first_seen_at nulls last, campaign_name_normalized
        ) filter (where not is_current_name) as previous_campaign_names,
        count(*) as campaign_name_count

    from campaign_names
    group by 1, 2, 3

),

activity as (

    select
        platform,
        account_id,
        campaign_id,
        min(date_day) as first_spend_date,
        max(date_day) as last_spend_date

    from ad_spend
    where spend_local > 0
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key([
            'campaigns.platform',
            'campaigns.account_id',
            'campaigns.campaign_id',
        ]) }} as campaign_key,
        campaigns.platform,
        campaigns.account_id,
        campaigns.campaign_id,
        campaigns.source_system,
        campaigns.campaign_name,
        name_history.previous_campaign_names,
        coalesce(name_history.campaign_name_count, 0) as campaign_name_count,
        campaigns.account_name,
        campaigns.currency_code,
        coalesce(platform_channels.channel, 'other') as channel,
        campaigns.campaign_status,
        campaigns.advertising_channel_type,
        activity.first_spend_date,
        activity.last_spend_date

    from campaigns
    left join name_history
        on
            campaigns.platform = name_history.platform
            and campaigns.account_id = name_history.account_id
            and campaigns.campaign_id = name_history.campaign_id
    left join platform_channels
        on campaigns.platform = platform_channels.platform
    left join activity
        on
            campaigns.platform = activity.platform
            and campaigns.account_id = activity.account_id
            and campaigns.campaign_id = activity.campaign_id

)

select * from final
