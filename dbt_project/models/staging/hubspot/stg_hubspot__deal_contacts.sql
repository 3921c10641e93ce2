with

source as (

    select * from {{ source('hubspot', 'deal_contacts') }}

),

final as (

    select

        ----------  ids
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('contact_id') }} as contact_id,
        association_type_id

    from source

)

select * from final
