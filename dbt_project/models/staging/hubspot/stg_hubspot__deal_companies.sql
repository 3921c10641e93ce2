with

source as (

    select * from {{ source('hubspot', 'deal_companies') }}

),

final as (

    select

        ----------  ids
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('company_id') }} as company_id,
        association_type_id,

        ---------- booleans
        -- HubSpot-defined type 5 marks the deal's primary company
        coalesce(association_type_id = 5, false) as is_primary

    from source

)

select * from final
