{%- set raw = source('hubspot', 'deals') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'deals', [
        ('id', 'text'),
        ('archived', 'boolean'),
        ('created_at', 'timestamptz'),
        ('updated_at', 'timestamptz'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as deal_id,
        {{ clean_text(column_or_null(raw, 'pipeline')) }} as pipeline_id,
        {{ clean_text(column_or_null(raw, 'dealstage')) }} as deal_stage_id,
        {{ clean_text(column_or_null(raw, 'hubspot_owner_id')) }} as owner_id,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'dealname')) }} as deal_name,
        {{ clean_text(column_or_null(raw, 'hs_analytics_source')) }}
            as original_source,
        {{ clean_text(column_or_null(raw, 'hs_analytics_source_data_1')) }}
            as original_source_detail_1,
        {{ clean_text(column_or_null(raw, 'hs_analytics_source_data_2')) }}
            as original_source_detail_2,

        ---------- money
        {{ text_to_numeric(column_or_null(raw, 'amount')) }} as amount_local,
        -- an empty currency means the portal's company currency
        coalesce(
            upper({{ clean_text(column_or_null(raw, 'deal_currency_code')) }}),
            '{{ var("hubspot_company_currency") }}'
        ) as currency_code,

        ---------- booleans
        coalesce(archived, false) as is_archived,

        ---------- timestamps
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'createdate')) }},
            created_at
        ) as deal_created_at,
        {{ text_to_timestamp(column_or_null(raw, 'closedate')) }} as close_at,
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'hs_lastmodifieddate')) }},
            updated_at
        ) as deal_updated_at

    from source

)

select * from final
