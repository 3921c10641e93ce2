{%- set columns = [
    ('deal_id', 'text'),
    ('account_id', 'text'),
    ('lead_id', 'text'),
    ('created_at', 'timestamptz'),
    ('closed_at', 'timestamptz'),
    ('is_closed', 'boolean'),
    ('is_won', 'boolean'),
    ('amount', 'numeric'),
    ('currency', 'text'),
    ('owner_id', 'text'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'deals', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('owner_id') }} as owner_id,

        ---------- strings
        upper({{ clean_text('currency') }}) as currency_code,
        _source_file as source_file,

        ---------- numerics
        _source_line as source_line,

        ---------- money
        amount as amount_local,

        ---------- booleans
        -- a won deal is closed; an empty flag means no
        coalesce(is_closed, false) or coalesce(is_won, false) as is_closed,
        coalesce(is_won, false) as is_won,

        ---------- timestamps
        created_at as deal_created_at,
        closed_at as close_at

    from source

)

select * from final
