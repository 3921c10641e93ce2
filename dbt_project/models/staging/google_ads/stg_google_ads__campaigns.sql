{%- set raw = source('google_ads', 'campaigns') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('google_ads', 'campaigns', [
        ('customer_id', 'text'),
        ('campaign_id', 'text'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'campaign_name')) }}
            as campaign_name,
        upper({{ clean_text(column_or_null(raw, 'status')) }})
            as campaign_status,
        upper({{ clean_text(column_or_null(raw, 'advertising_channel_type')) }})
            as advertising_channel_type

    from source

)

select * from final
