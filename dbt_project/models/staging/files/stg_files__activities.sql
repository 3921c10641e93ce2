{%- set columns = [
    ('activity_id', 'text'),
    ('lead_id', 'text'),
    ('owner_id', 'text'),
    ('activity_type', 'text'),
    ('occurred_at', 'timestamptz'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'activities', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('activity_id') }} as activity_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('owner_id') }} as owner_id,

        ---------- strings
        lower({{ clean_text('activity_type') }}) as activity_type,
        _source_file as source_file,

        ---------- numerics
        _source_line as source_line,

        ---------- timestamps
        occurred_at

    from source

)

select * from final
