with

events as (

    select * from {{ ref('int_funnel_events') }}

),

daily as (

    select
        event_date as date_day,
        channel,
        platform,
        campaign_id,
        {{ funnel_aggregates() }}

    from events
    group by 1, 2, 3, 4

),

final as (

    select
        {{ surrogate_key(['date_day', 'channel', 'platform', 'campaign_id']) }}
            as funnel_daily_id,
        date_day,
        channel,
        platform,
        campaign_id,
        spend,
        impressions,
        clicks,
        leads,
        mqls,
        sqls,
        opportunities,
        won_deals,
        lost_deals,
        won_revenue,
        new_customers,
        {{ funnel_ratios() }},
        won_accounts,
        avg_sales_cycle_days,
        untouched_leads,
        speed_to_lead_hours

    from daily

)

select * from final
