{%- set columns = [
    ('lead_id', 'text'),
    ('created_at', 'timestamptz'),
    ('email', 'text'),
    ('account_id', 'text'),
    ('utm_source', 'text'),
    ('utm_medium', 'text'),
    ('utm_campaign', 'text'),
    ('original_source', 'text'),
    ('mql_at', 'timestamptz'),
    ('sql_at', 'timestamptz'),
    ('owner_id', 'text'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'leads', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('account_id') }} as account_id,

        ---------- strings
        {{ clean_text('email') }} as email,
        md5(lower({{ clean_text('email') }})) as email_hash,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_medium') }} as utm_medium,
        {{ clean_text('utm_campaign') }} as utm_campaign,
        {{ clean_text('original_source') }} as original_source,
        _source_file as source_file,

        ---------- numerics
        _source_line as source_line,

        ---------- timestamps
        created_at as lead_created_at,
        mql_at,
        sql_at

    from source

)

select * from final
