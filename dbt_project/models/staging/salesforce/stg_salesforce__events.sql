{%- set columns = [
    ('id', 'text'),
    ('who_id', 'text'),
    ('what_id', 'text'),
    ('owner_id', 'text'),
    ('subject', 'text'),
    ('event_subtype', 'text'),
    ('duration_in_minutes', 'bigint'),
    ('is_deleted', 'boolean'),
    ('start_date_time', 'timestamptz'),
    ('end_date_time', 'timestamptz'),
    ('created_date', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'events', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as event_id,
        {{ clean_text('who_id') }} as who_id,
        {{ clean_text('what_id') }} as what_id,
        {{ clean_text('owner_id') }} as owner_id,

        ---------- strings
        {{ clean_text('subject') }} as subject,
        lower({{ clean_text('event_subtype') }}) as event_subtype,

        ---------- numerics
        duration_in_minutes,

        ---------- booleans
        coalesce(is_deleted, false) as is_deleted,

        ---------- timestamps
        start_date_time as started_at,
        end_date_time as ended_at,
        created_date as event_created_at

    from source

)

select * from final
