{%- set sums = ['spend', 'won_revenue'] -%}
{%- set counts = [
    'impressions', 'clicks', 'leads', 'mqls', 'sqls', 'opportunities',
    'won_deals', 'lost_deals', 'new_customers',
] -%}

with

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

-- Every event counts on its own date (METRICS.md, period view), one row
-- per event and measure: (date_day, channel, platform, campaign_id,
-- measure, amount).
spend_events as (

    select date_day, channel, platform, campaign_id,
        'spend' as measure, spend as amount
    from ad_spend

    union all

    select date_day, channel, platform, campaign_id,
        'impressions' as measure, impressions as amount
    from ad_spend

    union all

    select date_day, channel, platform, campaign_id,
        'clicks' as measure, clicks as amount
    from ad_spend

),

lead_events as (

    select created_date as date_day, channel, platform, campaign_id,
        'leads' as measure, 1 as amount
    from leads

    union all

    select reached_mql_date as date_day, channel, platform, campaign_id,
        'mqls' as measure, 1 as amount
    from leads
    where reached_mql_date is not null

    union all

    select reached_sql_date as date_day, channel, platform, campaign_id,
        'sqls' as measure, 1 as amount
    from leads
    where reached_sql_date is not null

),

deal_events as (

    select created_date as date_day, channel, platform, campaign_id,
        'opportunities' as measure, 1 as amount
    from deals

    union all

    select closed_date as date_day, channel, platform, campaign_id,
        'won_deals' as measure, 1 as amount
    from deals
    where is_won and closed_date is not null

    union all

    select closed_date as date_day, channel, platform, campaign_id,
        'won_revenue' as measure, amount
    from deals
    where is_won and closed_date is not null

    union all

    select closed_date as date_day, channel, platform, campaign_id,
        'lost_deals' as measure, 1 as amount
    from deals
    where is_lost and closed_date is not null

    union all

    select closed_date as date_day, channel, platform, campaign_id,
        'new_customers' as measure, 1 as amount
    from deals
    where is_first_won_deal_of_account and closed_date is not null

),

events as (

    select * from spend_events
    union all
    select * from lead_events
    union all
    select * from deal_events

),

daily as (

    -- no platform or no campaign is '' so that the grain is never null
    select
        date_day,
        channel,
        coalesce(platform, '') as platform,
        coalesce(campaign_id, '') as campaign_id,
        {%- for measure in sums %}
        sum(case when measure = '{{ measure }}' then amount else 0 end)
            as {{ measure }},
        {%- endfor %}
        {%- for measure in counts %}
        cast(
            sum(case when measure = '{{ measure }}' then amount else 0 end)
            as bigint
        ) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}

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
        {{ safe_divide('clicks', 'impressions') }} as ctr,
        {{ safe_divide('spend', 'clicks') }} as cpc,
        {{ safe_divide('spend', 'leads') }} as cpl,
        {{ safe_divide('won_revenue', 'spend') }} as roas,
        {{ safe_divide('spend', 'new_customers') }} as cac,
        {{ safe_divide('won_deals', 'won_deals + lost_deals') }} as win_rate

    from daily

)

select * from final
