-- a table: its data tests and two models read it, and as a view each of them
-- recomputed every deal's touches
{{ config(materialized='table') }}

with

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

touches as (

    select * from {{ ref('int_touches_attributed') }}

),

attributable_touches as (

    -- touches that say where the lead came from, each interaction once
    select * from touches
    where has_source and not is_recorded_as_touchpoint

),

touches_before_deal as (

    -- the primary lead's touches up to the deal's creation
    select
        deals.deal_id,
        attributable_touches.*

    from deals
    inner join attributable_touches
        on
            deals.primary_lead_id = attributable_touches.lead_id
            and attributable_touches.touched_at <= deals.deal_created_at

),

lead_first_touches as (

    -- a deal created before its lead's first touch (a lead entered after
    -- the deal) keeps that first touch, as single-touch attribution does
    select
        deals.deal_id,
        attributable_touches.*

    from deals
    inner join attributable_touches
        on
            deals.primary_lead_id = attributable_touches.lead_id
            and attributable_touches.touch_type = 'lead_creation'
    where not exists (
        select 1 from touches_before_deal
        where touches_before_deal.deal_id = deals.deal_id
    )

),

deal_touches as (

    select * from touches_before_deal
    union all
    select * from lead_first_touches

),

without_touches as (

    -- a deal with no known touch keeps all its weight on one placeholder
    -- touch, so attributed revenue always sums to deal revenue
    select
        deals.deal_id,
        {{ dbt.concat(['deals.deal_id', "':no_touch'"]) }} as touch_id,
        deals.primary_lead_id as lead_id,
        'none' as touch_type,
        cast(null as text) as campaign_id,
        cast(null as text) as campaign_account_id,
        cast(null as text) as utm_source,
        cast(null as text) as utm_medium,
        cast(null as text) as utm_campaign,
        cast(null as text) as original_source,
        'unattributed' as channel,
        cast(null as text) as platform,
        cast(null as integer) as channel_rule_order,
        cast(null as text) as campaign_match_type,
        false as has_source,
        false as is_recorded_as_touchpoint,
        cast(null as timestamptz) as touched_at

    from deals
    where not exists (
        select 1 from deal_touches
        where deal_touches.deal_id = deals.deal_id
    )

),

all_touches as (

    select * from deal_touches
    union all
    select * from without_touches

),

final as (

    select
        all_touches.deal_id,
        all_touches.touch_id,
        all_touches.lead_id,
        all_touches.touch_type,
        all_touches.channel,
        all_touches.platform,
        all_touches.campaign_id,
        row_number() over (
            partition by all_touches.deal_id
            order by all_touches.touched_at, all_touches.touch_id
        ) as touch_position,
        count(*) over (partition by all_touches.deal_id) as touch_count,
        -- age of the touch when the deal was created, for time decay
        extract(epoch from deals.deal_created_at - all_touches.touched_at)
        / 86400 as days_before_deal_created,
        deals.amount,
        deals.is_won,
        deals.deal_created_date,
        deals.closed_date,
        all_touches.touched_at,
        deals.deal_created_at

    from all_touches
    inner join deals
        on all_touches.deal_id = deals.deal_id

)

select * from final
