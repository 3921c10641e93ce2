with

hubspot_owners as (

    select * from {{ ref('stg_hubspot__owners') }}

),

file_leads as (

    select * from {{ ref('stg_files__leads') }}

),

file_deals as (

    select * from {{ ref('stg_files__deals') }}

),

file_activities as (

    select * from {{ ref('stg_files__activities') }}

),

salesforce_users as (

    select * from {{ ref('stg_salesforce__users') }}

),

hubspot as (

    -- deactivated owners stay: old records still point at them
    select
        {{ crm_id('hubspot', 'owner_id') }} as owner_id,
        'hubspot' as source_system,
        owner_id as source_owner_id,
        nullif(concat_ws(' ', first_name, last_name), '') as owner_name,
        owner_type,
        is_archived

    from hubspot_owners

),

file_owner_ids as (

    -- the file import has no owners file: an owner is an id its records carry
    select owner_id from file_leads
    union
    select owner_id from file_deals
    union
    select owner_id from file_activities

),

files as (

    select
        {{ crm_id('files', 'owner_id') }} as owner_id,
        'files' as source_system,
        owner_id as source_owner_id,
        cast(null as text) as owner_name,
        cast(null as text) as owner_type,
        false as is_archived

    from file_owner_ids
    where owner_id is not null

),

salesforce as (

    -- deactivated users stay: old records still point at them
    select
        {{ crm_id('salesforce', 'user_id') }} as owner_id,
        'salesforce' as source_system,
        user_id as source_owner_id,
        user_name as owner_name,
        'PERSON' as owner_type,
        not is_active as is_archived

    from salesforce_users

),

final as (

    select * from hubspot
    union all
    select * from files
    union all
    select * from salesforce

)

select * from final
