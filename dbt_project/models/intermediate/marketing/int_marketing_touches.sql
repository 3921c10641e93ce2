with

leads as (

    select * from {{ ref('int_crm_leads') }}

),

touchpoints as (

    select * from {{ ref('int_crm_touchpoints') }}

),

-- Every marketing interaction of a lead: its own first touch (the UTMs and
-- original source the CRM recorded at creation) and its touchpoints.
lead_creation_touches as (

    select
        {{ dbt.concat(['leads.lead_id', "':created'"]) }} as touch_id,
        leads.lead_id,
        'lead_creation' as touch_type,
        leads.utm_source,
        leads.utm_medium,
        leads.utm_campaign,
        leads.original_source,
        leads.lead_created_at as touched_at

    from leads

),

touchpoint_touches as (

    -- touchpoints of leads that exist
    select
        touchpoints.touchpoint_id as touch_id,
        touchpoints.lead_id,
        'touchpoint' as touch_type,
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.utm_campaign,
        cast(null as text) as original_source,
        touchpoints.touched_at

    from touchpoints
    inner join leads
        on touchpoints.lead_id = leads.lead_id

),

flagged_lead_creation_touches as (

    -- a touchpoint that records the lead's own first touch (same time,
    -- same UTMs) is that touch: multi-touch attribution counts it once
    select
        lead_creation_touches.*,
        exists (
            select 1
            from touchpoint_touches
            where
                lead_creation_touches.lead_id = touchpoint_touches.lead_id
                and lead_creation_touches.touched_at
                = touchpoint_touches.touched_at
                and lower(trim(lead_creation_touches.utm_source))
                is not distinct from lower(trim(touchpoint_touches.utm_source))
                and lower(trim(lead_creation_touches.utm_medium))
                is not distinct from lower(trim(touchpoint_touches.utm_medium))
                and lower(trim(lead_creation_touches.utm_campaign))
                is not distinct from lower(
                    trim(touchpoint_touches.utm_campaign)
                )
        ) as is_recorded_as_touchpoint

    from lead_creation_touches

),

final as (

    select
        *,
        coalesce(utm_source, utm_medium, utm_campaign, original_source)
        is not null as has_source

    from (
        select * from flagged_lead_creation_touches
        union all
        select *, false as is_recorded_as_touchpoint from touchpoint_touches
    ) as touches

)

select * from final
