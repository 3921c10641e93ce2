with

ad_spend as (

    select * from {{ ref('int_ad_spend_unioned') }}

),

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

invoices as (

    select * from {{ ref('stg_files__invoices') }}

),

event_dates as (

    select date_day as event_date from ad_spend
    union all
    select lead_created_date from leads
    union all
    select deal_created_date from deals
    union all
    select closed_date from deals
    union all
    select invoice_date from invoices

),

date_range as (

    -- whole calendar years around every date the marts hold
    select
        cast(date_trunc('year', min(event_date)) as date) as first_date,
        cast(
            date_trunc('year', max(event_date)) + interval '1 year - 1 day'
            as date
        ) as last_date

    from event_dates

),

calendar as (

    select cast(calendar_day as date) as date_day

    from date_range
    cross join lateral generate_series(
        date_range.first_date, date_range.last_date, interval '1 day'
    ) as calendar_day

),

final as (

    select
        date_day,
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        cast(date_trunc('quarter', date_day) as date) as quarter_start_date,
        cast(date_trunc('year', date_day) as date) as year_start_date,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_of_year,
        cast(extract(month from date_day) as integer) as month_of_year,
        cast(extract(week from date_day) as integer) as iso_week_of_year,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(isodow from date_day) as integer) as iso_day_of_week,
        to_char(date_day, 'YYYY-MM') as month_label,
        trim(to_char(date_day, 'Day')) as day_name,
        extract(isodow from date_day) >= 6 as is_weekend

    from calendar

)

select * from final
