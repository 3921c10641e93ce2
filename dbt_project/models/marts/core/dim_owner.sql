with

owners as (

    select * from {{ ref('int_crm_owners') }}

),

final as (

    -- owners are staff; their email stays out of the marts
    select
        owner_id,
        source_system,
        source_owner_id,
        owner_name,
        owner_type,
        is_archived

    from owners

)

select * from final
