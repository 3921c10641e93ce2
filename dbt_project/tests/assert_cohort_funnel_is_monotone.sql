-- The cohort funnel is monotone (METRICS.md, integrity invariants): in
-- every cohort leads ≥ mqls ≥ sqls ≥ opportunities ≥ customers, in
-- every "within N days" window too, and a longer window never counts
-- fewer.
-- The MQL cohorts likewise: sqls ≤ mqls. A failing row names the cohort.

{%- set stages = ['leads', 'mqls', 'sqls', 'opportunities', 'customers'] %}
{%- set windows = ['_within_30d', '_within_90d', '_within_180d', ''] %}

with

lead_cohorts as (

    select * from {{ ref('fct_lead_cohorts') }}

),

mql_cohorts as (

    select * from {{ ref('fct_mql_cohorts') }}

),

broken_lead_cohorts as (

    select
        'fct_lead_cohorts' as model_name,
        cohort_month_start_date as month_start_date,
        channel

    from lead_cohorts
    where
        not (
            -- down the funnel, in each window and overall
            {%- for window in windows %}
            {%- for stage in stages[1:] %}
            {%- if loop.first %}
            leads >= {{ stage }}{{ window }}
            {%- else %}
            and {{ loop.previtem }}{{ window }} >= {{ stage }}{{ window }}
            {%- endif %}
            {%- endfor %}
            and
            {%- endfor %}
            -- across windows, for each stage
            {%- for stage in stages[1:] %}
            {{ stage }}_within_30d <= {{ stage }}_within_90d
            and {{ stage }}_within_90d <= {{ stage }}_within_180d
            and {{ stage }}_within_180d <= {{ stage }}
            {{- ' and' if not loop.last }}
            {%- endfor %}
        )
        or leads_with_won_deal > customers

),

broken_mql_cohorts as (

    select
        'fct_mql_cohorts' as model_name,
        mql_month_start_date as month_start_date,
        channel

    from mql_cohorts
    where not (sqls <= mqls)

),

final as (

    select * from broken_lead_cohorts
    union all
    select * from broken_mql_cohorts

)

select * from final
