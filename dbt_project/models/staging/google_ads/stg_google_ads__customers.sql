{%- set raw = source('google_ads', 'customers') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('google_ads', 'customers', [
        ('customer_id', 'text'),
    ], all_columns=true) }}

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
