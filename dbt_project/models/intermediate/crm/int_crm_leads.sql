with

hubspot_contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

file_leads as (

    select * from {{ ref('stg_files__leads') }}

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

final as (

    select * from hubspot
    union all
    select * from files

)

select * from final
