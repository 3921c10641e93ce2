with

ad_spend as (

    select * from {{ ref('int_ad_spend_unioned') }}

),

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

platform_channels as (

    -- an ad platform's channel is the channel of its first rule
    select
        lower(trim(platform)) as platform,
        lower(trim(channel)) as channel,
        row_number() over (
            partition by lower(trim(platform)) order by rule_order
        ) as rule_rank

    from channel_rules
    where nullif(trim(platform), '') is not null

),

final as (

    select
        {{ surrogate_key([
            'ad_spend.platform',
            'ad_spend.account_id',
            'ad_spend.campaign_id',
            'ad_spend.date_day',
        ]) }} as ad_spend_id,
        ad_spend.account_id,
        ad_spend.campaign_id,
        ad_spend.platform,
        coalesce(platform_channels.channel, 'other') as channel,
        ad_spend.account_name,
        ad_spend.campaign_name,
        ad_spend.currency_code,
        ad_spend.spend_local,
        ad_spend.spend,
        ad_spend.impressions,
        ad_spend.clicks,
        ad_spend.conversions,
        ad_spend.conversion_value_local,
        ad_spend.date_day

    from ad_spend
    left join platform_channels
        on
            ad_spend.platform = platform_channels.platform
            and platform_channels.rule_rank = 1

)

select * from final
