with

events as (

    select * from {{ ref('int_funnel_events_monthly') }}

),

monthly as (

    select
        cast(date_trunc('month', event_date) as date) as month_start_date,
        channel,
        platform,
        {{ funnel_aggregates() }}

    from events
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['month_start_date', 'channel', 'platform']) }}
            as channel_performance_monthly_id,
        month_start_date,
        channel,
        platform,
        spend,
        impressions,
        clicks,
        leads,
        opportunities,
        won_deals,
        lost_deals,
        won_revenue,
        new_customers,
        won_accounts,
        leads_with_won_deal,
        {{ funnel_ratios() }},
        -- cohort: of the leads created in the month, those linked to a
        -- won deal (whenever it was won)
        {{ safe_divide('leads_with_won_deal', 'leads') }}
            as lead_to_customer_rate

    from monthly

)

select * from final
