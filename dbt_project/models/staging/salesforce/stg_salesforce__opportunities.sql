{%- set columns = [
    ('id', 'text'),
    ('account_id', 'text'),
    ('owner_id', 'text'),
    ('campaign_id', 'text'),
    ('name', 'text'),
    ('stage_name', 'text'),
    ('forecast_category', 'text'),
    ('type', 'text'),
    ('lead_source', 'text'),
    ('currency_iso_code', 'text'),
    ('amount', 'numeric'),
    ('probability', 'numeric'),
    ('is_closed', 'boolean'),
    ('is_won', 'boolean'),
    ('is_deleted', 'boolean'),
    ('close_date', 'date'),
    ('created_date', 'timestamptz'),
    ('system_modstamp', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'opportunities', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as opportunity_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('name') }} as opportunity_name,
        {{ clean_text('stage_name') }} as stage_name,
        {{ clean_text('forecast_category') }} as forecast_category,
        {{ clean_text('type') }} as opportunity_type,
        {{ clean_text('lead_source') }} as lead_source,
        -- single-currency orgs have no CurrencyIsoCode: the org currency
        coalesce(
            upper({{ clean_text('currency_iso_code') }}),
            '{{ var("salesforce_org_currency") }}'
        ) as currency_code,

        ---------- numerics
        amount as amount_local,
        probability,

        ---------- booleans
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        coalesce(is_deleted, false) as is_deleted,

        ---------- dates and timestamps
        close_date,
        -- CloseDate is a calendar date: a closed opportunity closes at the
        -- start of that day in the reporting time zone, so its reporting
        -- date is the CloseDate
        case
            when is_closed
                then
                    cast(close_date as timestamp)
                    at time zone '{{ var("reporting_timezone") }}'
        end as closed_at,
        created_date as opportunity_created_at,
        system_modstamp as opportunity_updated_at

    from source

)

select * from final
