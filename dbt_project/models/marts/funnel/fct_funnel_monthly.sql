with

events as (

    select * from {{ ref('int_funnel_events_monthly') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

as_of as (

    select * from {{ ref('int_crm_as_of') }}

),

months as (

    select distinct
        month_start_date,
        cast(month_start_date + interval '1 month - 1 day' as date)
            as month_end_date

    from dates

),

monthly_events as (

    select
        cast(date_trunc('month', event_date) as date) as month_start_date,
        channel,
        platform,
        campaign_id,
        {{ funnel_aggregates() }}

    from events
    group by 1, 2, 3, 4

),

open_deals as (

    -- deals open at the end of each month, up to the month the data describes
    select
        months.month_start_date,
        deals.channel,
        coalesce(deals.platform, '') as platform,
        coalesce(deals.campaign_id, '') as campaign_id,
        count(*) as open_deals

    from deals
    inner join months
        on
            deals.created_date <= months.month_end_date
            and (
                deals.closed_date is null
                or deals.closed_date > months.month_end_date
            )
    cross join as_of
    where months.month_start_date <= {{ to_reporting_date('as_of.as_of_at') }}
    group by 1, 2, 3, 4

),

joined as (

    -- a slice with open deals and no event in the month still has a row
    select
        coalesce(monthly_events.month_start_date, open_deals.month_start_date)
            as month_start_date,
        coalesce(monthly_events.channel, open_deals.channel) as channel,
        coalesce(monthly_events.platform, open_deals.platform) as platform,
        coalesce(monthly_events.campaign_id, open_deals.campaign_id)
            as campaign_id,
        coalesce(monthly_events.spend, 0) as spend,
        {%- for count in [
            'impressions', 'clicks', 'leads', 'mqls', 'sqls',
            'opportunities', 'won_deals', 'lost_deals', 'new_customers',
            'won_accounts', 'untouched_leads',
        ] %}
        coalesce(monthly_events.{{ count }}, 0) as {{ count }},
        {%- endfor %}
        coalesce(monthly_events.won_revenue, 0) as won_revenue,
        monthly_events.avg_sales_cycle_days,
        monthly_events.speed_to_lead_hours,
        coalesce(open_deals.open_deals, 0) as open_deals

    from monthly_events
    full outer join open_deals
        on
            monthly_events.month_start_date = open_deals.month_start_date
            and monthly_events.channel = open_deals.channel
            and monthly_events.platform = open_deals.platform
            and monthly_events.campaign_id = open_deals.campaign_id

),

with_ratios as (

    select
        *,
        {{ funnel_ratios() }},
        {{ safe_divide('won_revenue', 'won_deals') }} as avg_won_amount,
        -- mer is a month total: all channels' won revenue over all spend
        {{ safe_divide(
            'sum(won_revenue) over (partition by month_start_date)',
            'sum(spend) over (partition by month_start_date)',
        ) }} as mer

    from joined

),

final as (

    select
        {{ surrogate_key([
            'month_start_date', 'channel', 'platform', 'campaign_id',
        ]) }} as funnel_monthly_id,
        month_start_date,
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
        won_accounts,
        open_deals,
        untouched_leads,
        ctr,
        cpc,
        cpl,
        roas,
        cac,
        win_rate,
        arpa,
        avg_won_amount,
        avg_sales_cycle_days,
        -- open deals × win rate × average won amount per day of the cycle
        {{ safe_divide(
            'open_deals * win_rate * avg_won_amount', 'avg_sales_cycle_days'
        ) }} as pipeline_velocity,
        speed_to_lead_hours,
        mer

    from with_ratios

)

select * from final
