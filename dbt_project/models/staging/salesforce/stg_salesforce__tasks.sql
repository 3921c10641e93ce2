{%- set columns = [
    ('id', 'text'),
    ('who_id', 'text'),
    ('what_id', 'text'),
    ('owner_id', 'text'),
    ('subject', 'text'),
    ('task_subtype', 'text'),
    ('status', 'text'),
    ('is_closed', 'boolean'),
    ('is_deleted', 'boolean'),
    ('activity_date', 'date'),
    ('completed_date_time', 'timestamptz'),
    ('created_date', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'tasks', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as task_id,
        {{ clean_text('who_id') }} as who_id,
        {{ clean_text('what_id') }} as what_id,
        {{ clean_text('owner_id') }} as owner_id,

        ---------- strings
        {{ clean_text('subject') }} as subject,
        lower({{ clean_text('task_subtype') }}) as task_subtype,
        {{ clean_text('status') }} as task_status,

        ---------- booleans
        coalesce(is_closed, false) as is_closed,
        coalesce(is_deleted, false) as is_deleted,

        ---------- dates and timestamps
        activity_date,
        completed_date_time as completed_at,
        created_date as task_created_at

    from source

)

select * from final
