{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='deal_id',
    on_schema_change='sync_all_columns',
    post_hook="{{ delete_vanished_keys(
        ref('int_deals_enriched'), ['deal_id']
    ) }}",
) }}

{#- METRICS.md, Attribution: time decay halves a touch's weight every 7 days -#}
{%- set half_life_days = 7 -%}

with

deal_touches as (

    select * from {{ ref('int_deal_touches') }}

),

attribution_models as (

    select 'first_touch' as attribution_model
    union all select 'last_touch'
    union all select 'linear'
    union all select 'position_based'
    union all select 'time_decay'

),

raw_weights as (

    -- each model's share for every touch before normalisation
    select
        deal_touches.*,
        attribution_models.attribution_model,
        case attribution_models.attribution_model
            when 'first_touch'
                then case when deal_touches.touch_position = 1 then 1 else 0 end
            when 'last_touch'
                then
                    case
                        when
                            deal_touches.touch_position
                            = deal_touches.touch_count
                            then 1
                        else 0
                    end
            when 'linear' then 1.0 / deal_touches.touch_count
            when 'position_based'
                -- 40 % first, 40 % last, 20 % shared by the middle; one
                -- touch takes all, two share half each
                then
                    case
                        when deal_touches.touch_count = 1 then 1
                        when deal_touches.touch_count = 2 then 0.5
                        when deal_touches.touch_position = 1 then 0.4
                        when
                            deal_touches.touch_position
                            = deal_touches.touch_count
                            then 0.4
                        else 0.2 / (deal_touches.touch_count - 2)
                    end
            when 'time_decay'
                -- half the weight per half-life before the deal's creation
                -- (30 decimals: power() is only as precise as its inputs)
                then
                    power(
                        cast(0.5 as numeric(40, 30)),
                        cast(
                            coalesce(deal_touches.days_before_deal_created, 0)
                            as numeric(40, 30)
                        ) / {{ half_life_days }}
                    )
        end as raw_weight

    from deal_touches
    cross join attribution_models

),

normalized as (

    -- time decay's weights are relative: scale them to sum to 1
    select
        *,
        case
            when attribution_model = 'time_decay'
                then
                    raw_weight
                    / sum(raw_weight) over (
                        partition by deal_id, attribution_model
                    )
            else raw_weight
        end as share

    from raw_weights

),

weighted as (

    -- the last touch takes whatever rounding left over, so the weights of
    -- a deal sum to exactly 1 in every model
    select
        *,
        case
            when touch_position = touch_count
                then
                    1 - coalesce(
                        sum(share) over (
                            partition by deal_id, attribution_model
                            order by touch_position
                            rows between unbounded preceding and 1 preceding
                        ),
                        0
                    )
            else share
        end as weight

    from normalized

),

final as (

    select
        {{ surrogate_key(['deal_id', 'touch_id', 'attribution_model']) }}
            as attribution_touch_id,
        deal_id,
        touch_id,
        lead_id,
        attribution_model,
        touch_type,
        channel,
        platform,
        campaign_id,
        touch_position,
        touch_count,
        days_before_deal_created,
        weight,
        amount,
        amount * weight as attributed_amount,
        case when is_won then amount * weight else 0 end
            as attributed_won_revenue,
        is_won,
        {{ to_reporting_date('touched_at') }} as touched_date,
        deal_created_date,
        closed_date,
        touched_at,
        deal_created_at

    from weighted

)

select * from final
{{ incremental_changes('final', ['deal_id'], 'deal_created_date') }}
