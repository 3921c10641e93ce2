-- a table: its data tests and several marts read it, and as a view each of
-- them recomputed every deal
{{ config(materialized='table') }}

with

deals as (

    select * from {{ ref('int_crm_deals') }}

),

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

attributed as (

    -- a deal takes its primary lead's attribution
    select
        deals.*,
        leads.campaign_id,
        coalesce(leads.channel, 'unattributed') as channel,
        leads.platform

    from deals
    left join leads
        on deals.primary_lead_id = leads.lead_id

),

dated as (

    select
        *,
        {{ to_reporting_date('deal_created_at') }} as deal_created_date,
        {{ to_reporting_date('closed_at') }} as closed_date,
        -- amounts convert at the close date, open deals at the create date
        coalesce(
            {{ to_reporting_date('closed_at') }},
            {{ to_reporting_date('deal_created_at') }}
        ) as amount_rate_date,
        extract(epoch from closed_at - deal_created_at) / 86400
            as sales_cycle_days

    from attributed

),

converted as (

    select
        dated.*,
        {{ to_reporting('dated.amount_local', 'dated.currency_code') }}
            as amount

    from dated
    left join fx_rates_daily
        on
            dated.currency_code = fx_rates_daily.currency_code
            and dated.amount_rate_date = fx_rates_daily.rate_date

),

first_won as (

    select
        *,
        coalesce(
            is_won
            and account_id is not null
            and row_number() over (
                partition by account_id, is_won
                order by closed_at, deal_id
            ) = 1,
            false
        ) as is_first_won_deal_of_account

    from converted

),

final as (

    select
        deal_id,
        source_system,
        source_deal_id,
        pipeline_id,
        deal_stage_id,
        owner_id,
        primary_lead_id,
        account_id,
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
        deal_created_date,
        closed_date,
        deal_created_at,
        closed_at

    from first_won

)

select * from final
