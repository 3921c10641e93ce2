with

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

final as (

    select
        deal_id,
        source_system,
        source_deal_id,
        pipeline_id,
        deal_stage_id,
        account_id,
        owner_id,
        primary_lead_id,
        campaign_id,
        deal_name,
        deal_stage_label,
        channel,
        platform,
        currency_code,
        amount_local,
        amount,
        amount_rate_date,
        sales_cycle_days,
        is_closed,
        is_won,
        is_lost,
        is_first_won_deal_of_account,
        deal_created_date as created_date,
        closed_date,
        deal_created_at as created_at,
        closed_at

    from deals

)

select * from final
