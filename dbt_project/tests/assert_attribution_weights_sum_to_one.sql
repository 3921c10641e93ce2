-- Attribution weights sum to exactly 1 per deal and model, and attributed
-- amounts to the deal amount (METRICS.md, integrity invariants), for every
-- deal and every model: a failing row is a deal and model whose weights
-- do not, or a deal missing from a model.

with

attribution as (

    select * from {{ ref('fct_attribution_touches') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

attribution_models as (

    select distinct attribution_model from attribution

),

per_deal_and_model as (

    select
        deal_id,
        attribution_model,
        sum(weight) as weight,
        sum(attributed_amount) as attributed_amount,
        max(amount) as amount

    from attribution
    group by 1, 2

),

expected as (

    select
        deals.deal_id,
        attribution_models.attribution_model

    from deals
    cross join attribution_models

),

final as (

    select
        expected.deal_id,
        expected.attribution_model,
        per_deal_and_model.weight,
        per_deal_and_model.attributed_amount,
        per_deal_and_model.amount

    from expected
    left join per_deal_and_model
        on
            expected.deal_id = per_deal_and_model.deal_id
            and expected.attribution_model
            = per_deal_and_model.attribution_model

)

select * from final
where
    weight is distinct from 1
    or attributed_amount is distinct from amount
