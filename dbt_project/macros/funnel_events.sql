{#
    Every funnel event on its own date (METRICS.md, period view): one row
    per event with every measure, 0 (or null) where the event does not
    carry it. Each entry: the event type, the relation it comes from, the
    date it counts on, a filter, and the measures it sets.

    ad_spend:   spend rows with channel, platform, campaign_id, spend,
                impressions, clicks and the date column `spend_date`
    leads:      fct_leads
    deals:      fct_deals
#}
{% macro funnel_events(ad_spend, spend_date, leads, deals) -%}
{%- set measures = {
    'spend': '0',
    'impressions': '0',
    'clicks': '0',
    'leads': '0',
    'mqls': '0',
    'sqls': '0',
    'opportunities': '0',
    'won_deals': '0',
    'lost_deals': '0',
    'won_revenue': '0',
    'new_customers': '0',
    'untouched_leads': '0',
    'leads_with_won_deal': '0',
    'won_account_id': 'cast(null as text)',
    'won_sales_cycle_days': 'cast(null as numeric)',
    'speed_to_lead_hours': 'cast(null as numeric)',
} -%}
{%- set events = [
    {
        'type': 'spend', 'source': 'ad_spend', 'date': spend_date,
        'where': none,
        'measures': {
            'spend': 'spend', 'impressions': 'impressions',
            'clicks': 'clicks',
        },
    },
    {
        'type': 'lead_created', 'source': 'leads', 'date': 'created_date',
        'where': none,
        'measures': {
            'leads': '1',
            'untouched_leads': 'case when is_untouched_7d then 1 else 0 end',
            'leads_with_won_deal': 'case when is_customer then 1 else 0 end',
            'speed_to_lead_hours': 'speed_to_lead_hours',
        },
    },
    {
        'type': 'mql_reached', 'source': 'leads', 'date': 'reached_mql_date',
        'where': 'reached_mql_date is not null',
        'measures': {'mqls': '1'},
    },
    {
        'type': 'sql_reached', 'source': 'leads', 'date': 'reached_sql_date',
        'where': 'reached_sql_date is not null',
        'measures': {'sqls': '1'},
    },
    {
        'type': 'deal_created', 'source': 'deals', 'date': 'created_date',
        'where': none,
        'measures': {'opportunities': '1'},
    },
    {
        'type': 'deal_won', 'source': 'deals', 'date': 'closed_date',
        'where': 'is_won and closed_date is not null',
        'measures': {
            'won_deals': '1',
            'won_revenue': 'coalesce(amount, 0)',
            'new_customers':
                'case when is_first_won_deal_of_account then 1 else 0 end',
            'won_account_id': 'account_id',
            'won_sales_cycle_days': 'sales_cycle_days',
        },
    },
    {
        'type': 'deal_lost', 'source': 'deals', 'date': 'closed_date',
        'where': 'is_lost and closed_date is not null',
        'measures': {'lost_deals': '1'},
    },
] -%}

with

ad_spend as (

    select * from {{ ad_spend }}

),

leads as (

    select * from {{ leads }}

),

deals as (

    select * from {{ deals }}

),

events as (

    {%- for event in events %}

    select
        '{{ event.type }}' as event_type,
        {{ event.date }} as event_date,
        channel,
        platform,
        campaign_id,
        {%- for measure, default in measures.items() %}
        {{ event.measures.get(measure, default) }} as {{ measure }}
        {{- ',' if not loop.last }}
        {%- endfor %}

    from {{ event.source }}
    {%- if event.where %}
    where {{ event.where }}
    {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    -- no platform or no campaign is '' so that every grain key is set
    select
        event_type,
        event_date,
        channel,
        coalesce(platform, '') as platform,
        coalesce(campaign_id, '') as campaign_id,
        {%- for measure in measures %}
        {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}

    from events

)

select * from final
{%- endmacro %}
