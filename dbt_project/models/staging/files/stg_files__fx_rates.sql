{%- set columns = [
    ('rate_date', 'date'),
    ('currency_code', 'text'),
    ('usd_per_unit', 'numeric'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'fx_rates', columns) }}

),

final as (

    select

        ---------- strings
        upper({{ clean_text('currency_code') }}) as currency_code,
        _source_file as source_file,

        ---------- numerics
        usd_per_unit,
        _source_line as source_line,

        ---------- dates
        rate_date

    from source

)

select * from final
