{#
    The funnel's measures aggregated over `int_funnel_events` at whatever
    grain the caller groups by (day, month, channel, ...), and the metrics
    of METRICS.md computed from them. One definition, used by every funnel
    mart and the scorecard, so the marts cannot disagree.

    Counts and sums without events are 0; won_accounts (distinct accounts
    with a won deal) and the medians and means do not add up across rows:
    each mart aggregates them from the events at its own grain.
#}
{% macro funnel_aggregates() -%}
    sum(spend) as spend,
    {%- for count in [
        'impressions', 'clicks', 'leads', 'mqls', 'sqls', 'opportunities',
        'won_deals', 'lost_deals', 'new_customers', 'untouched_leads',
        'leads_with_won_deal',
    ] %}
    cast(sum({{ count }}) as bigint) as {{ count }},
    {%- endfor %}
    sum(won_revenue) as won_revenue,
    count(distinct won_account_id) as won_accounts,
    avg(won_sales_cycle_days) as avg_sales_cycle_days,
    -- the median, interpolated between the two middle leads
    cast(
        percentile_cont(0.5) within group (order by speed_to_lead_hours)
        as numeric
    ) as speed_to_lead_hours
{%- endmacro %}


{#
    The ratio metrics over the columns `funnel_aggregates` produces; a
    ratio over a zero denominator is null (METRICS.md, Null vs zero).
#}
{% macro funnel_ratios() -%}
    {{ safe_divide('clicks', 'impressions') }} as ctr,
    {{ safe_divide('spend', 'clicks') }} as cpc,
    {{ safe_divide('spend', 'leads') }} as cpl,
    {{ safe_divide('won_revenue', 'spend') }} as roas,
    {{ safe_divide('spend', 'new_customers') }} as cac,
    {{ safe_divide('won_deals', 'won_deals + lost_deals') }} as win_rate,
    {{ safe_divide('won_revenue', 'won_accounts') }} as arpa
{%- endmacro %}
