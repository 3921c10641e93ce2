with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'deal_companies', [
        ('deal_id', 'text'),
        ('company_id', 'text'),
        ('association_type_id', 'bigint'),
    ], all_columns=true) }}

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
