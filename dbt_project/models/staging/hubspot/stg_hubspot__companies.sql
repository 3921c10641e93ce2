{%- set raw = source('hubspot', 'companies') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'companies', [
        ('id', 'text'),
        ('archived', 'boolean'),
        ('created_at', 'timestamptz'),
        ('updated_at', 'timestamptz'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as company_id,
        {{ clean_text(column_or_null(raw, 'hubspot_owner_id')) }} as owner_id,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'name')) }} as company_name,
        lower({{ clean_text(column_or_null(raw, 'domain')) }}) as domain,
        {{ clean_text(column_or_null(raw, 'country')) }} as country,

        ---------- booleans
        coalesce(archived, false) as is_archived,

        ---------- timestamps
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'createdate')) }},
            created_at
        ) as company_created_at,
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'hs_lastmodifieddate')) }},
            updated_at
        ) as company_updated_at

    from source

)

select * from final
