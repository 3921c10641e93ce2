with

leads as (

    select * from {{ ref('fct_leads') }}

),

mqls as (

    -- leads by the month they reached MQL
    select
        cast(date_trunc('month', reached_mql_date) as date)
            as mql_month_start_date,
        channel,
        has_reached_sql

    from leads
    where has_reached_mql and reached_mql_date is not null

),

final as (

    -- how many of each month's MQLs went on to SQL, whenever they did
    select
        {{ surrogate_key(['mql_month_start_date', 'channel']) }}
            as mql_cohort_id,
        mql_month_start_date,
        channel,
        count(*) as mqls,
        count(*) filter (where has_reached_sql) as sqls,
        {{ safe_divide('count(*) filter (where has_reached_sql)', 'count(*)') }}
            as mql_to_sql_rate

    from mqls
    group by mql_month_start_date, channel

)

select * from final
