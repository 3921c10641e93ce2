with

hubspot_companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

file_leads as (

    select * from {{ ref('stg_files__leads') }}

),

file_deals as (

    select * from {{ ref('stg_files__deals') }}

),

salesforce_accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

hubspot as (

    -- archived companies are not accounts
    select
        {{ crm_id('hubspot', 'company_id') }} as account_id,
        'hubspot' as source_system,
        company_id as source_account_id,
        {{ crm_id('hubspot', 'owner_id') }} as owner_id,
        company_name as account_name,
        domain,
        country,
        company_created_at as account_created_at

    from hubspot_companies
    where not is_archived

),

file_account_records as (

    -- the file import has no accounts file: an account is an id its leads
    -- and deals carry, first seen when the first of them was created
    select account_id, lead_created_at as created_at from file_leads
    where account_id is not null

    union all

    select account_id, deal_created_at as created_at from file_deals
    where account_id is not null

),

files as (

    select
        {{ crm_id('files', 'account_id') }} as account_id,
        'files' as source_system,
        account_id as source_account_id,
        cast(null as text) as owner_id,
        cast(null as text) as account_name,
        cast(null as text) as domain,
        cast(null as text) as country,
        min(created_at) as account_created_at

    from file_account_records
    group by account_id

),

salesforce as (

    -- deleted accounts are not accounts
    select
        {{ crm_id('salesforce', 'account_id') }} as account_id,
        'salesforce' as source_system,
        account_id as source_account_id,
        {{ crm_id('salesforce', 'owner_id') }} as owner_id,
        account_name,
        domain,
        country,
        account_created_at

    from salesforce_accounts
    where not is_deleted

),

final as (

    select * from hubspot
    union all
    select * from files
    union all
    select * from salesforce

)

select * from final
