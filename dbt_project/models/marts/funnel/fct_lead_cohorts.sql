{#- what a cohort's leads became within these many days of their creation -#}
{%- set windows = [30, 90, 180] -%}
{#- each stage and the count of leads that reached it -#}
{%- set stages = [
    ('mql', 'mqls'),
    ('sql', 'sqls'),
    ('opportunity', 'opportunities'),
    ('customer', 'customers'),
] -%}

with

leads as (

    select * from {{ ref('fct_leads') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

as_of as (

    select * from {{ ref('int_crm_as_of') }}

),

won_deals as (

    -- won revenue belongs to the cohort of the deal's primary lead
    select
        primary_lead_id as lead_id,
        sum(amount) as won_revenue,
        {%- for days in windows %}
        sum(amount) filter (
            where closed_at <= leads.created_at + interval '{{ days }} days'
        ) as won_revenue_within_{{ days }}d{{ ',' if not loop.last }}
        {%- endfor %}

    from deals
    inner join leads
        on deals.primary_lead_id = leads.lead_id
    where deals.is_won
    group by 1

),

cohort_leads as (

    select
        cast(date_trunc('month', leads.created_date) as date)
            as cohort_month_start_date,
        leads.*,
        won_deals.won_revenue,
        {%- for days in windows %}
        won_deals.won_revenue_within_{{ days }}d,
        {%- endfor %}
        as_of.as_of_at

    from leads
    left join won_deals
        on leads.lead_id = won_deals.lead_id
    cross join as_of

),

final as (

    select
        {{ surrogate_key(['cohort_month_start_date', 'channel']) }}
            as lead_cohort_id,
        cohort_month_start_date,
        channel,
        count(*) as leads,
        {%- for stage, reached in stages %}
        count(*) filter (where has_reached_{{ stage }}) as {{ reached }},
        {%- endfor %}
        count(*) filter (where is_customer) as leads_with_won_deal,
        coalesce(sum(won_revenue), 0) as won_revenue,
        {{ safe_divide('count(*) filter (where is_customer)', 'count(*)') }}
            as lead_to_customer_rate,
        {%- for days in windows %}
        {%- for stage, reached in stages %}
        count(*) filter (
            where reached_{{ stage }}_at
            <= created_at + interval '{{ days }} days'
        ) as {{ reached }}_within_{{ days }}d,
        {%- endfor %}
        coalesce(sum(won_revenue_within_{{ days }}d), 0)
            as won_revenue_within_{{ days }}d,
        -- every lead of the cohort is at least this old in the data
        max(as_of_at) >= max(created_at) + interval '{{ days }} days'
            as is_{{ days }}d_window_complete{{ ',' if not loop.last }}
        {%- endfor %}

    from cohort_leads
    group by cohort_month_start_date, channel

)

select * from final
