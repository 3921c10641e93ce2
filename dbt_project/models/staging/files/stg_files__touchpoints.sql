{%- set columns = [
    ('touchpoint_id', 'text'),
    ('lead_id', 'text'),
    ('occurred_at', 'timestamptz'),
    ('utm_source', 'text'),
    ('utm_medium', 'text'),
    ('utm_campaign', 'text'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'touchpoints', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('touchpoint_id') }} as touchpoint_id,
        {{ clean_text('lead_id') }} as lead_id,

        ---------- strings
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_medium') }} as utm_medium,
        {{ clean_text('utm_campaign') }} as utm_campaign,
        _source_file as source_file,

        ---------- numerics
        _source_line as source_line,

        ---------- timestamps
        occurred_at as touched_at

    from source

)

select * from final
