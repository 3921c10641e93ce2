{%- set columns = [
    ('invoice_id', 'text'),
    ('invoice_date', 'date'),
    ('invoice_type', 'text'),
    ('platform', 'text'),
    ('account_id', 'text'),
    ('deal_id', 'text'),
    ('amount', 'numeric'),
    ('currency', 'text'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'invoices', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('invoice_id') }} as invoice_id,
        lower({{ clean_text('platform') }}) as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('deal_id') }} as deal_id,

        ---------- strings
        lower({{ clean_text('invoice_type') }}) as invoice_type,
        upper({{ clean_text('currency') }}) as currency_code,
        _source_file as source_file,

        ---------- numerics
        _source_line as source_line,

        ---------- money
        amount as amount_local,

        ---------- dates
        invoice_date

    from source

)

select * from final
