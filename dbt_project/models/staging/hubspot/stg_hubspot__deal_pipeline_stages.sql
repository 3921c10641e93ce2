{%- set raw = source('hubspot', 'deal_pipeline_stages') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'deal_pipeline_stages', [
        ('pipeline_id', 'text'),
        ('stage_id', 'text'),
        ('archived', 'boolean'),
    ], all_columns=true) }}

),

renamed as (

    select

        ----------  ids
        {{ clean_text('pipeline_id') }} as pipeline_id,
        {{ clean_text('stage_id') }} as stage_id,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'pipeline_label')) }}
            as pipeline_label,
        {{ clean_text(column_or_null(raw, 'stage_label')) }} as stage_label,

        ---------- numerics
        {{ column_or_null(raw, 'display_order', 'bigint') }} as display_order,
        {{ text_to_numeric(column_or_null(raw, 'probability')) }}
            as win_probability,

        ---------- booleans
        coalesce(
            {{ text_to_boolean(column_or_null(raw, 'is_closed')) }}, false
        ) as is_closed,
        coalesce(archived, false) as is_archived

    from source

),

final as (

    select
        *,
        -- closed at probability 1 is won, closed at probability 0 is lost;
        -- a closed stage at any other probability is neither
        coalesce(is_closed and win_probability = 1, false) as is_won,
        coalesce(is_closed and win_probability = 0, false) as is_lost

    from renamed

)

select * from final
