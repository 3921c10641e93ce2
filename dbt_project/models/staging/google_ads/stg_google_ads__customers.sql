{%- set raw = source('google_ads', 'customers') -%}

with

source as (

    select * from {{ raw }}

),

final as (

    select

        ----------  ids
        {{ clean_text('customer_id') }} as customer_id,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'descriptive_name')) }}
            as customer_name,
        upper({{ clean_text(column_or_null(raw, 'currency_code')) }})
            as currency_code,
        {{ clean_text(column_or_null(raw, 'time_zone')) }} as time_zone

    from source

)

select * from final
