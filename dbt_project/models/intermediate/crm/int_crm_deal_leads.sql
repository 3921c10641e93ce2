with

hubspot_deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

hubspot_deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

file_deals as (

    select * from {{ ref('stg_files__deals') }}

),

salesforce_leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

salesforce_opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

leads as (

    select * from {{ ref('int_crm_leads') }}

),

hubspot as (

    -- archived deals are not deals
    select
        {{ crm_id('hubspot', 'hubspot_deal_contacts.deal_id') }} as deal_id,
        {{ crm_id('hubspot', 'hubspot_deal_contacts.contact_id') }} as lead_id

    from hubspot_deal_contacts
    inner join hubspot_deals
        on hubspot_deal_contacts.deal_id = hubspot_deals.deal_id
    where not hubspot_deals.is_archived

),

files as (

    -- a file-import deal names one lead
    select
        {{ crm_id('files', 'deal_id') }} as deal_id,
        {{ crm_id('files', 'lead_id') }} as lead_id

    from file_deals
    where lead_id is not null

),

salesforce as (

    -- a converted lead names the opportunity it became
    -- (ConvertedOpportunityId); deleted opportunities are not deals
    select
        {{ crm_id('salesforce', 'salesforce_leads.converted_opportunity_id') }}
            as deal_id,
        {{ crm_id('salesforce', 'salesforce_leads.lead_id') }} as lead_id

    from salesforce_leads
    inner join salesforce_opportunities
        on
            salesforce_leads.converted_opportunity_id
            = salesforce_opportunities.opportunity_id
    where not salesforce_opportunities.is_deleted

),

associations as (

    select * from hubspot
    union all
    select * from files
    union all
    select * from salesforce

),

final as (

    -- only leads that exist (archived contacts are not leads); the primary
    -- lead is the earliest-created one, ties to the lowest id
    select
        associations.deal_id,
        associations.lead_id,
        leads.lead_created_at,
        row_number() over (
            partition by associations.deal_id
            order by leads.lead_created_at, leads.lead_id
        ) = 1 as is_primary_lead

    from associations
    inner join leads
        on associations.lead_id = leads.lead_id

)

select * from final
