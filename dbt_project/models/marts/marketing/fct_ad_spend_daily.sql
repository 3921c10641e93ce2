{%- set partition_columns = ['platform', 'account_id', 'date_day'] -%}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=partition_columns,
    on_schema_change='sync_all_columns',
    post_hook="{{ delete_vanished_keys(
        ref('int_ad_spend_unioned'), ['platform', 'account_id', 'date_day']
    ) }}",
) }}

with

ad_spend as (

    select * from {{ ref('int_ad_spend_unioned') }}

),

platform_channels as (

    select * from {{ ref('int_platform_channels') }}

),

final as (

    select
        {{ surrogate_key([
            'ad_spend.platform',
            'ad_spend.account_id',
            'ad_spend.campaign_id',
            'ad_spend.date_day',
        ]) }} as ad_spend_id,
        {{ surrogate_key([
            'ad_spend.platform',
            'ad_spend.account_id',
            'ad_spend.campaign_id',
        ]) }} as campaign_key,
        ad_spend.account_id,
        ad_spend.campaign_id,
        ad_spend.platform,
        coalesce(platform_channels.channel, 'other') as channel,
        ad_spend.source_system,
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
    -- a platform the channel seed does not name is `other`
    left join platform_channels
        on ad_spend.platform = platform_channels.platform

)

select * from final
{{ incremental_changes('final', partition_columns, 'date_day') }}
