{%- set columns = [
    ('id', 'text'),
    ('parent_id', 'text'),
    ('owner_id', 'text'),
    ('name', 'text'),
    ('type', 'text'),
    ('status', 'text'),
    ('is_active', 'boolean'),
    ('is_deleted', 'boolean'),
    ('start_date', 'date'),
    ('end_date', 'date'),
    ('created_date', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'campaigns', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as campaign_id,
        {{ clean_text('parent_id') }} as parent_campaign_id,
        {{ clean_text('owner_id') }} as owner_id,

        ---------- strings
        {{ clean_text('name') }} as campaign_name,
        {{ clean_text('type') }} as campaign_type,
        {{ clean_text('status') }} as campaign_status,

        ---------- booleans
        coalesce(is_active, false) as is_active,
        coalesce(is_deleted, false) as is_deleted,

        ---------- dates and timestamps
        start_date,
        end_date,
        created_date as campaign_created_at

    from source

)

select * from final
