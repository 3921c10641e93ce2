{%- set raw = source('google_ads', 'campaign_name_history') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('google_ads', 'campaign_name_history', [
        ('customer_id', 'text'),
        ('campaign_id', 'text'),
        ('campaign_name', 'text'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('campaign_name') }} as campaign_name,

        ---------- timestamps
        {{ column_or_null(raw, 'first_seen_at', 'timestamptz') }}
            as first_seen_at

    from source

)

select * from final
