with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'deal_contacts', [
        ('deal_id', 'text'),
        ('contact_id', 'text'),
        ('association_type_id', 'bigint'),
    ], all_columns=true) }}

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
