{%- set raw = source('google_ads', 'campaign_stats') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('google_ads', 'campaign_stats', [
        ('customer_id', 'text'),
        ('campaign_id', 'text'),
        ('date', 'date'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- numerics
        -- the API omits metrics that are zero (proto3 JSON): missing is 0
        coalesce({{ column_or_null(raw, 'impressions', 'bigint') }}, 0)
            as impressions,
        coalesce({{ column_or_null(raw, 'clicks', 'bigint') }}, 0) as clicks,
        cast(
            coalesce({{ column_or_null(raw, 'conversions', 'numeric') }}, 0)
            as numeric
        ) as conversions,

        ---------- money (account currency, see stg_google_ads__customers)
        coalesce({{ column_or_null(raw, 'cost_micros', 'bigint') }}, 0)
            as cost_micros,
        cast(
            coalesce({{ column_or_null(raw, 'cost_micros', 'bigint') }}, 0)
            as numeric
        ) / 1000000 as spend_local,
        cast(
            coalesce(
                {{ column_or_null(raw, 'conversions_value', 'numeric') }}, 0
            ) as numeric
        ) as conversion_value_local,

        ---------- dates
        -- the account-local day, as the platform bills it
        cast("date" as date) as date_day

    from source

)

select * from final
