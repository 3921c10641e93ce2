with

file_activities as (

    select * from {{ ref('stg_files__activities') }}

),

-- HubSpot engagements are not extracted yet: HubSpot leads have no
-- activities here, and fct_leads reads their touch status as unknown.
files as (

    select
        {{ crm_id('files', 'activity_id') }} as activity_id,
        'files' as source_system,
        activity_id as source_activity_id,
        {{ crm_id('files', 'lead_id') }} as lead_id,
        {{ crm_id('files', 'owner_id') }} as owner_id,
        activity_type,
        occurred_at

    from file_activities

),

final as (

    select
        *,
        -- a sales touch: a call, email, meeting or task logged by an owner
        coalesce(
            activity_type in ('call', 'email', 'meeting', 'task')
            and owner_id is not null,
            false
        ) as is_sales_touch

    from files

)

select * from final
