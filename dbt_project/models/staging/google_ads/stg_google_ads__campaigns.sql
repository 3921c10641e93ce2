{%- set raw = source('google_ads', 'campaigns') -%}

with

source as (

    select * from {{ raw }}

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
