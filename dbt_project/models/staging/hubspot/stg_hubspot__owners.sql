{%- set raw = source('hubspot', 'owners') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'owners', [
        ('id', 'text'),
        ('archived', 'boolean'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as owner_id,
        {{ column_or_null(raw, 'user_id', 'bigint') }} as user_id,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'email')) }} as email,
        {{ clean_text(column_or_null(raw, 'first_name')) }} as first_name,
        {{ clean_text(column_or_null(raw, 'last_name')) }} as last_name,
        upper({{ clean_text(column_or_null(raw, 'type')) }}) as owner_type,

        ---------- booleans
        coalesce(archived, false) as is_archived,

        ---------- timestamps
        {{ column_or_null(raw, 'created_at', 'timestamptz') }}
            as owner_created_at,
        {{ column_or_null(raw, 'updated_at', 'timestamptz') }}
            as owner_updated_at

    from source

)

select * from final
