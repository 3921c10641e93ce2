-- a table: three monthly marts read it instead of every daily spend row
{{ config(materialized='table') }}

with

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

final as (

    select
        cast(date_trunc('month', date_day) as date) as month_start_date,
        platform,
        account_id,
        campaign_id,
        channel,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks

    from ad_spend
    group by 1, 2, 3, 4, 5

)

select * from final
