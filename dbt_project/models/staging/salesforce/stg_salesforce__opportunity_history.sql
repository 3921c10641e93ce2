{%- set columns = [
    ('id', 'text'),
    ('opportunity_id', 'text'),
    ('stage_name', 'text'),
    ('forecast_category', 'text'),
    ('currency_iso_code', 'text'),
    ('amount', 'numeric'),
    ('probability', 'numeric'),
    ('close_date', 'date'),
    ('is_deleted', 'boolean'),
    ('created_date', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'opportunity_history', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as opportunity_history_id,
        {{ clean_text('opportunity_id') }} as opportunity_id,

        ---------- strings
        {{ clean_text('stage_name') }} as stage_name,
        {{ clean_text('forecast_category') }} as forecast_category,
        coalesce(
            upper({{ clean_text('currency_iso_code') }}),
            '{{ var("salesforce_org_currency") }}'
        ) as currency_code,

        ---------- numerics
        amount as amount_local,
        probability,

        ---------- booleans
        coalesce(is_deleted, false) as is_deleted,

        ---------- dates and timestamps
        close_date,
        created_date as changed_at

    from source

)

select * from final
