{%- set columns = [
    ('id', 'text'),
    ('campaign_id', 'text'),
    ('lead_id', 'text'),
    ('contact_id', 'text'),
    ('status', 'text'),
    ('has_responded', 'boolean'),
    ('is_deleted', 'boolean'),
    ('first_responded_date', 'date'),
    ('created_date', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'campaign_members', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as campaign_member_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('contact_id') }} as contact_id,

        ---------- strings
        {{ clean_text('status') }} as member_status,

        ---------- booleans
        coalesce(has_responded, false) as has_responded,
        coalesce(is_deleted, false) as is_deleted,

        ---------- dates and timestamps
        first_responded_date,
        created_date as member_created_at

    from source

)

select * from final
