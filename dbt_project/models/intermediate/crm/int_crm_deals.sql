with

hubspot_deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

hubspot_deal_pipeline_stages as (

    select * from {{ ref('stg_hubspot__deal_pipeline_stages') }}

),

hubspot_deal_companies as (

    select * from {{ ref('stg_hubspot__deal_companies') }}

),

hubspot_companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

file_deals as (

    select * from {{ ref('stg_files__deals') }}

),

salesforce_opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

deal_leads as (

    select * from {{ ref('int_crm_deal_leads') }}

),

leads as (

    select * from {{ ref('int_crm_leads') }}

),

primary_leads as (

    select
        deal_leads.deal_id,
        deal_leads.lead_id,
        leads.account_id

    from deal_leads
    inner join leads
        on deal_leads.lead_id = leads.lead_id
    where deal_leads.is_primary_lead

),

active_hubspot_companies as (

    select * from hubspot_companies
    where not is_archived

),

hubspot_deal_accounts as (

    -- the deal's primary company, else its lowest associated company id
    select
        hubspot_deal_companies.deal_id,
        hubspot_deal_companies.company_id,
        row_number() over (
            partition by hubspot_deal_companies.deal_id
            order by
                hubspot_deal_companies.is_primary desc,
                hubspot_deal_companies.company_id
        ) as company_rank

    from hubspot_deal_companies
    inner join active_hubspot_companies
        on
            hubspot_deal_companies.company_id
            = active_hubspot_companies.company_id

),

hubspot as (

    select
        {{ crm_id('hubspot', 'hubspot_deals.deal_id') }} as deal_id,
        'hubspot' as source_system,
        hubspot_deals.deal_id as source_deal_id,
        hubspot_deals.pipeline_id,
        hubspot_deals.deal_stage_id,
        {{ crm_id('hubspot', 'hubspot_deals.owner_id') }} as owner_id,
        primary_leads.lead_id as primary_lead_id,
        -- a deal without a company association takes its lead's company,
        -- unless that company is archived
        coalesce(
            {{ crm_id('hubspot', 'hubspot_deal_accounts.company_id') }},
            {{ crm_id('hubspot', 'lead_companies.company_id') }}
        ) as account_id,
        hubspot_deals.deal_name,
        hubspot_deal_pipeline_stages.stage_label as deal_stage_label,
        hubspot_deals.currency_code,
        hubspot_deals.amount_local,
        coalesce(hubspot_deal_pipeline_stages.is_closed, false) as is_closed,
        coalesce(hubspot_deal_pipeline_stages.is_won, false) as is_won,
        coalesce(hubspot_deal_pipeline_stages.is_lost, false) as is_lost,
        hubspot_deals.deal_created_at,
        -- HubSpot's closedate of an open deal is only the expected close
        case
            when hubspot_deal_pipeline_stages.is_closed
                then hubspot_deals.close_at
        end as closed_at

    from hubspot_deals
    -- archived stages still describe the deals that sit in them
    left join hubspot_deal_pipeline_stages
        on
            hubspot_deals.pipeline_id = hubspot_deal_pipeline_stages.pipeline_id
            and hubspot_deals.deal_stage_id
            = hubspot_deal_pipeline_stages.stage_id
    left join primary_leads
        on
            {{ crm_id('hubspot', 'hubspot_deals.deal_id') }}
            = primary_leads.deal_id
    left join hubspot_deal_accounts
        on
            hubspot_deals.deal_id = hubspot_deal_accounts.deal_id
            and hubspot_deal_accounts.company_rank = 1
    left join active_hubspot_companies as lead_companies
        on
            primary_leads.account_id
            = {{ crm_id('hubspot', 'lead_companies.company_id') }}
    where not hubspot_deals.is_archived

),

files as (

    select
        {{ crm_id('files', 'file_deals.deal_id') }} as deal_id,
        'files' as source_system,
        file_deals.deal_id as source_deal_id,
        cast(null as text) as pipeline_id,
        cast(null as text) as deal_stage_id,
        {{ crm_id('files', 'file_deals.owner_id') }} as owner_id,
        primary_leads.lead_id as primary_lead_id,
        -- a deal without an account takes its lead's
        coalesce(
            {{ crm_id('files', 'file_deals.account_id') }},
            primary_leads.account_id
        ) as account_id,
        cast(null as text) as deal_name,
        cast(null as text) as deal_stage_label,
        file_deals.currency_code,
        file_deals.amount_local,
        file_deals.is_closed,
        file_deals.is_won,
        file_deals.is_closed and not file_deals.is_won as is_lost,
        file_deals.deal_created_at,
        case when file_deals.is_closed then file_deals.close_at end
            as closed_at

    from file_deals
    left join primary_leads
        on {{ crm_id('files', 'file_deals.deal_id') }} = primary_leads.deal_id

),

salesforce as (

    -- deleted opportunities are not deals; the stage name is Salesforce's
    -- stage id and label at once
    select
        {{ crm_id('salesforce', 'salesforce_opportunities.opportunity_id') }}
            as deal_id,
        'salesforce' as source_system,
        salesforce_opportunities.opportunity_id as source_deal_id,
        cast(null as text) as pipeline_id,
        salesforce_opportunities.stage_name as deal_stage_id,
        {{ crm_id('salesforce', 'salesforce_opportunities.owner_id') }}
            as owner_id,
        primary_leads.lead_id as primary_lead_id,
        -- an opportunity without an account takes its lead's
        coalesce(
            {{ crm_id('salesforce', 'salesforce_opportunities.account_id') }},
            primary_leads.account_id
        ) as account_id,
        salesforce_opportunities.opportunity_name as deal_name,
        salesforce_opportunities.stage_name as deal_stage_label,
        salesforce_opportunities.currency_code,
        salesforce_opportunities.amount_local,
        salesforce_opportunities.is_closed,
        salesforce_opportunities.is_won,
        salesforce_opportunities.is_closed
        and not salesforce_opportunities.is_won as is_lost,
        salesforce_opportunities.opportunity_created_at as deal_created_at,
        salesforce_opportunities.closed_at

    from salesforce_opportunities
    left join primary_leads
        on
            {{ crm_id('salesforce', 'salesforce_opportunities.opportunity_id') }}
            = primary_leads.deal_id
    where not salesforce_opportunities.is_deleted

),

final as (

    select * from hubspot
    union all
    select * from files
    union all
    select * from salesforce

)

select * from final
