with

hubspot_contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

file_leads as (

    select * from {{ ref('stg_files__leads') }}

),

salesforce_leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

salesforce_contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

salesforce_opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

salesforce_lead_people as (

    select * from {{ ref('int_salesforce_lead_people') }}

),

-- One CTE per CRM maps it onto the same columns; ids carry the source
-- system so that they never collide.
hubspot as (

    -- archived contacts are not leads
    select
        {{ crm_id('hubspot', 'contact_id') }} as lead_id,
        'hubspot' as source_system,
        contact_id as source_lead_id,
        {{ crm_id('hubspot', 'owner_id') }} as owner_id,
        {{ crm_id('hubspot', 'company_id') }} as account_id,
        email_hash,
        lifecycle_stage,
        utm_source,
        utm_medium,
        utm_campaign,
        original_source,
        contact_created_at as lead_created_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at

    from hubspot_contacts
    where not is_archived

),

files as (

    select
        {{ crm_id('files', 'lead_id') }} as lead_id,
        'files' as source_system,
        lead_id as source_lead_id,
        {{ crm_id('files', 'owner_id') }} as owner_id,
        {{ crm_id('files', 'account_id') }} as account_id,
        email_hash,
        cast(null as text) as lifecycle_stage,
        utm_source,
        utm_medium,
        utm_campaign,
        original_source,
        lead_created_at,
        mql_at,
        sql_at,
        cast(null as timestamptz) as opportunity_at,
        cast(null as timestamptz) as customer_at

    from file_leads

),

salesforce_from_leads as (

    -- deleted leads are not leads; the Lead Status gives the stage, the
    -- org's dated status fields the MQL and SQL moments, the converted
    -- opportunity the opportunity and customer moments
    select
        {{ crm_id('salesforce', 'salesforce_leads.lead_id') }} as lead_id,
        'salesforce' as source_system,
        salesforce_leads.lead_id as source_lead_id,
        {{ crm_id('salesforce', 'salesforce_leads.owner_id') }} as owner_id,
        {{ crm_id('salesforce', 'salesforce_leads.converted_account_id') }}
            as account_id,
        salesforce_leads.email_hash,
        case
            when salesforce_opportunities.is_won then 'customer'
            when salesforce_leads.is_converted then 'opportunity'
            when salesforce_leads.lead_status = 'Sales Qualified'
                then 'salesqualifiedlead'
            when salesforce_leads.lead_status = 'Marketing Qualified'
                then 'marketingqualifiedlead'
            else 'lead'
        end as lifecycle_stage,
        salesforce_leads.utm_source,
        salesforce_leads.utm_medium,
        salesforce_leads.utm_campaign,
        salesforce_leads.lead_source as original_source,
        salesforce_leads.lead_created_at,
        salesforce_leads.mql_at,
        salesforce_leads.sql_at,
        salesforce_opportunities.opportunity_created_at as opportunity_at,
        case
            when salesforce_opportunities.is_won
                then salesforce_opportunities.closed_at
        end as customer_at

    from salesforce_leads
    left join salesforce_opportunities
        on
            salesforce_leads.converted_opportunity_id
            = salesforce_opportunities.opportunity_id
            and not salesforce_opportunities.is_deleted
    where not salesforce_leads.is_deleted

),

salesforce_from_contacts as (

    -- a contact entered without a lead is a lead in its own right
    select
        {{ crm_id('salesforce', 'salesforce_contacts.contact_id') }}
            as lead_id,
        'salesforce' as source_system,
        salesforce_contacts.contact_id as source_lead_id,
        {{ crm_id('salesforce', 'salesforce_contacts.owner_id') }} as owner_id,
        {{ crm_id('salesforce', 'salesforce_contacts.account_id') }}
            as account_id,
        salesforce_contacts.email_hash,
        'lead' as lifecycle_stage,
        salesforce_contacts.utm_source,
        salesforce_contacts.utm_medium,
        salesforce_contacts.utm_campaign,
        salesforce_contacts.lead_source as original_source,
        salesforce_contacts.contact_created_at as lead_created_at,
        cast(null as timestamptz) as mql_at,
        cast(null as timestamptz) as sql_at,
        cast(null as timestamptz) as opportunity_at,
        cast(null as timestamptz) as customer_at

    from salesforce_contacts
    inner join salesforce_lead_people
        on
            salesforce_contacts.contact_id = salesforce_lead_people.person_id
            and salesforce_lead_people.person_type = 'contact'

),

final as (

    select * from hubspot
    union all
    select * from files
    union all
    select * from salesforce_from_leads
    union all
    select * from salesforce_from_contacts

)

select * from final
