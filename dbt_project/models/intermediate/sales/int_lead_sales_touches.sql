with

leads as (

    select * from {{ ref('int_crm_leads') }}

),

activities as (

    select * from {{ ref('int_crm_activities') }}

),

tracking_sources as (

    -- a source system logs sales touches into the warehouse when it has
    -- any activity at all; without, a lead's touch status is unknown
    select distinct source_system from activities

),

sales_touches as (

    -- sales touches on the lead from its creation on
    select
        activities.lead_id,
        min(activities.occurred_at) as first_sales_touch_at,
        count(*) as sales_touches

    from activities
    inner join leads
        on activities.lead_id = leads.lead_id
    where
        activities.is_sales_touch
        and activities.occurred_at >= leads.lead_created_at
    group by 1

),

final as (

    select
        leads.lead_id,
        sales_touches.first_sales_touch_at,
        coalesce(sales_touches.sales_touches, 0) as sales_touches,
        tracking_sources.source_system is not null as has_sales_touch_tracking

    from leads
    left join sales_touches
        on leads.lead_id = sales_touches.lead_id
    left join tracking_sources
        on leads.source_system = tracking_sources.source_system

)

select * from final
