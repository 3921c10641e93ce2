with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_pipeline_stages as (

    select * from {{ ref('stg_hubspot__deal_pipeline_stages') }}

),

deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

deal_companies as (

    select * from {{ ref('stg_hubspot__deal_companies') }}

),

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

active_deals as (

    select * from deals
    where not is_archived

),

active_companies as (

    select * from companies
    where not is_archived

),

primary_leads as (

    -- the earliest-created associated lead; archived contacts are not leads
    select
        deal_contacts.deal_id,
        leads.lead_id,
        row_number() over (
            partition by deal_contacts.deal_id
            order by leads.lead_created_at, leads.lead_id
        ) as lead_rank

    from deal_contacts
    inner join leads
        on deal_contacts.contact_id = leads.lead_id

),

deal_accounts as (

    -- the deal's primary company, else its lowest associated company id
    select
        deal_companies.deal_id,
        deal_companies.company_id,
        row_number() over (
            partition by deal_companies.deal_id
            order by deal_companies.is_primary desc, deal_companies.company_id
        ) as company_rank

    from deal_companies
    inner join active_companies
        on deal_companies.company_id = active_companies.company_id

),

joined as (

    select
        active_deals.deal_id,
        active_deals.pipeline_id,
        active_deals.deal_stage_id,
        active_deals.owner_id,
        primary_leads.lead_id as primary_lead_id,
        -- a deal without a company association takes its lead's company
        coalesce(deal_accounts.company_id, lead_companies.company_id)
            as account_id,
        leads.campaign_id,
        active_deals.deal_name,
        deal_pipeline_stages.stage_label as deal_stage_label,
        -- a deal takes its primary lead's attribution
        coalesce(leads.channel, 'unattributed') as channel,
        leads.platform,
        active_deals.currency_code,
        active_deals.amount_local,
        coalesce(deal_pipeline_stages.is_closed, false) as is_closed,
        coalesce(deal_pipeline_stages.is_won, false) as is_won,
        coalesce(deal_pipeline_stages.is_lost, false) as is_lost,
        active_deals.deal_created_at,
        -- HubSpot's closedate of an open deal is only the expected close
        case
            when deal_pipeline_stages.is_closed then active_deals.close_at
        end as closed_at

    from active_deals
    -- archived stages still describe the deals that sit in them
    left join deal_pipeline_stages
        on
            active_deals.pipeline_id = deal_pipeline_stages.pipeline_id
            and active_deals.deal_stage_id = deal_pipeline_stages.stage_id
    left join primary_leads
        on
            active_deals.deal_id = primary_leads.deal_id
            and primary_leads.lead_rank = 1
    left join leads
        on primary_leads.lead_id = leads.lead_id
    left join deal_accounts
        on
            active_deals.deal_id = deal_accounts.deal_id
            and deal_accounts.company_rank = 1
    left join active_companies as lead_companies
        on leads.account_id = lead_companies.company_id

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

    from joined

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
