with

events as (

    select * from {{ ref('int_funnel_events_monthly') }}

),

ad_spend_monthly as (

    select * from {{ ref('int_ad_spend_monthly') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

event_months as (

    select
        min(cast(date_trunc('month', event_date) as date)) as first_month,
        max(cast(date_trunc('month', event_date) as date)) as last_month

    from events

),

months as (

    -- every month from the first to the last with any event, empty or not
    select distinct dates.month_start_date

    from dates
    inner join event_months
        on
            dates.month_start_date
            between event_months.first_month and event_months.last_month

),

monthly as (

    select
        cast(date_trunc('month', events.event_date) as date)
            as month_start_date,
        {{ funnel_aggregates() }},
        sum(events.won_revenue) filter (
            where channels.is_marketing_sourced
        ) as marketing_sourced_revenue,
        cast(
            sum(events.won_deals) filter (
                where events.channel = 'unattributed'
            ) as bigint
        ) as won_deals_without_source

    from events
    left join channels
        on events.channel = channels.channel
    group by 1

),

campaign_spend as (

    select
        month_start_date,
        platform,
        account_id,
        campaign_id

    from ad_spend_monthly
    group by 1, 2, 3, 4
    having sum(spend) > 0

),

campaign_leads as (

    select distinct
        cast(date_trunc('month', created_date) as date) as month_start_date,
        platform,
        campaign_account_id as account_id,
        campaign_id

    from leads
    where campaign_id is not null

),

campaigns_without_leads as (

    -- campaigns that spent in the month and brought no lead in it
    select
        campaign_spend.month_start_date,
        count(*) as campaigns_spending_without_leads

    from campaign_spend
    left join campaign_leads
        on
            campaign_spend.month_start_date = campaign_leads.month_start_date
            and campaign_spend.platform = campaign_leads.platform
            and campaign_spend.account_id = campaign_leads.account_id
            and campaign_spend.campaign_id = campaign_leads.campaign_id
    where campaign_leads.campaign_id is null
    group by 1

),

joined as (

    select
        months.month_start_date,
        coalesce(monthly.spend, 0) as spend,
        {%- for count in [
            'impressions', 'clicks', 'leads', 'mqls', 'sqls',
            'opportunities', 'won_deals',
            'lost_deals', 'new_customers', 'won_accounts', 'untouched_leads',
            'leads_with_won_deal', 'won_deals_without_source',
        ] %}
        coalesce(monthly.{{ count }}, 0) as {{ count }},
        {%- endfor %}
        coalesce(monthly.won_revenue, 0) as won_revenue,
        coalesce(monthly.marketing_sourced_revenue, 0)
            as marketing_sourced_revenue,
        monthly.speed_to_lead_hours,
        coalesce(
            campaigns_without_leads.campaigns_spending_without_leads, 0
        ) as campaigns_spending_without_leads

    from months
    left join monthly
        on months.month_start_date = monthly.month_start_date
    left join campaigns_without_leads
        on months.month_start_date = campaigns_without_leads.month_start_date

),

with_ratios as (

    select
        *,
        {{ funnel_ratios() }}

    from joined

),

final as (

    select
        month_start_date,
        -- marketing answers for revenue
        spend,
        leads,
        cpl,
        won_revenue,
        roas,
        cac,
        -- all channels' won revenue over all spend; at this grain (every
        -- channel) it equals roas by definition
        {{ safe_divide('won_revenue', 'spend') }} as mer,
        marketing_sourced_revenue,
        {{ safe_divide('marketing_sourced_revenue', 'won_revenue') }}
            as marketing_sourced_revenue_share,
        -- sales answers for marketing's leads
        speed_to_lead_hours,
        untouched_leads,
        leads_with_won_deal,
        {{ safe_divide('leads_with_won_deal', 'leads') }}
            as lead_to_customer_rate,
        arpa,
        win_rate,
        -- the funnel both see
        mqls,
        sqls,
        opportunities,
        won_deals,
        lost_deals,
        new_customers,
        won_accounts,
        -- friction
        campaigns_spending_without_leads,
        won_deals_without_source,
        campaigns_spending_without_leads > 0
            as has_campaigns_spending_without_leads,
        untouched_leads > 0 as has_untouched_leads,
        won_deals_without_source > 0 as has_won_deals_without_source

    from with_ratios

)

select * from final
