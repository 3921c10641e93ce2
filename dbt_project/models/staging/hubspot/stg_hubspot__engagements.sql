{#-
    The four engagement objects (calls, emails, meetings, tasks) in one
    shape. Each type is a raw table of its own, with its own property
    names; a type never loaded (or never extracted) adds no rows.
-#}
{%- set types = {
    'call': {
        'table': 'calls', 'title': 'hs_call_title',
        'direction': 'hs_call_direction', 'status': 'hs_call_status',
    },
    'email': {
        'table': 'emails', 'title': 'hs_email_subject',
        'direction': 'hs_email_direction', 'status': 'hs_email_status',
    },
    'meeting': {
        'table': 'meetings', 'title': 'hs_meeting_title',
        'direction': none, 'status': 'hs_meeting_outcome',
    },
    'task': {
        'table': 'tasks', 'title': 'hs_task_subject',
        'direction': none, 'status': 'hs_task_status',
    },
} -%}

with

{% for engagement_type, spec in types.items() %}
{%- set raw = source('hubspot', spec.table) -%}
{{ spec.table }} as (

    -- the columns read directly; no table yet is an empty relation
    {{ source_or_empty('hubspot', spec.table, [
        ('id', 'text'),
        ('archived', 'boolean'),
        ('created_at', 'timestamptz'),
        ('updated_at', 'timestamptz'),
    ], all_columns=true) }}

),

{{ spec.table }}_typed as (

    select
        {{ clean_text('id') }} as engagement_id,
        '{{ engagement_type }}' as engagement_type,
        {{ clean_text(column_or_null(raw, 'hubspot_owner_id')) }} as owner_id,
        {{ clean_text(column_or_null(raw, spec.title)) }} as title,
        upper({{ clean_text(
            column_or_null(raw, spec.direction)
            if spec.direction else 'cast(null as text)'
        ) }}) as direction,
        upper({{ clean_text(column_or_null(raw, spec.status)) }}) as status,
        coalesce(archived, false) as is_archived,
        {{ text_to_timestamp(column_or_null(raw, 'hs_timestamp')) }}
            as engagement_at,
        {{ text_to_timestamp(
            column_or_null(raw, 'hs_task_completion_date')
            if engagement_type == 'task' else 'cast(null as text)'
        ) }} as completed_at,
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'hs_createdate')) }},
            created_at
        ) as engagement_created_at,
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'hs_lastmodifieddate')) }},
            updated_at
        ) as engagement_updated_at

    from {{ spec.table }}

),

{% endfor -%}

unioned as (

    {% for spec in types.values() -%}
    select * from {{ spec.table }}_typed
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

final as (

    select
        *,
        -- done, not planned: calls and emails are logged once made; a
        -- meeting once held (HubSpot leaves the outcome empty on many);
        -- a task once completed
        case engagement_type
            when 'meeting' then coalesce(status, 'COMPLETED') = 'COMPLETED'
            when 'task' then status = 'COMPLETED'
            else true
        end as is_done,
        -- when it happened: a task's due time is no occurrence
        case
            when engagement_type = 'task' then completed_at
            else engagement_at
        end as occurred_at

    from unioned

)

select * from final
