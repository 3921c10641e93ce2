with

file_activities as (

    select * from {{ ref('stg_files__activities') }}

),

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

hubspot_engagements as (

    select * from {{ ref('stg_hubspot__engagements') }}

),

hubspot_engagement_contacts as (

    select * from {{ ref('stg_hubspot__engagement_contacts') }}

),

hubspot as (

    -- one activity per engagement and contact it was logged on; deleted
    -- and planned (not yet done) engagements are no activity, and an
    -- email the contact sent is no sales touch
    {%- set engagement_contact = "engagements.engagement_type || '/'"
        ~ " || engagements.engagement_id || '/' || links.contact_id" %}
    select
        {{ crm_id('hubspot', engagement_contact) }} as activity_id,
        'hubspot' as source_system,
        {{ engagement_contact }} as source_activity_id,
        {{ crm_id('hubspot', 'links.contact_id') }} as lead_id,
        {{ crm_id('hubspot', 'engagements.owner_id') }} as owner_id,
        case
            when engagements.direction = 'INCOMING_EMAIL' then 'incoming_email'
            else engagements.engagement_type
        end as activity_type,
        engagements.occurred_at

    from hubspot_engagements as engagements
    inner join hubspot_engagement_contacts as links
        on
            engagements.engagement_type = links.engagement_type
            and engagements.engagement_id = links.engagement_id
    where engagements.is_done and not engagements.is_archived

),

salesforce_tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

salesforce_events as (

    select * from {{ ref('stg_salesforce__events') }}

),

salesforce_lead_people as (

    select * from {{ ref('int_salesforce_lead_people') }}

),

salesforce_activities as (

    -- completed tasks (calls, emails, to-dos) and meetings; deleted ones
    -- and open tasks are no activity
    select
        task_id as source_activity_id,
        who_id,
        owner_id,
        case
            when task_subtype in ('call', 'email') then task_subtype
            else 'task'
        end as activity_type,
        coalesce(completed_at, task_created_at) as occurred_at

    from salesforce_tasks
    where is_closed and not is_deleted

    union all

    select
        event_id as source_activity_id,
        who_id,
        owner_id,
        'meeting' as activity_type,
        started_at as occurred_at

    from salesforce_events
    where not is_deleted

),

salesforce as (

    -- WhoId names a lead or a contact: a converted contact's activity is
    -- its lead's
    select
        {{ crm_id('salesforce', 'salesforce_activities.source_activity_id') }}
            as activity_id,
        'salesforce' as source_system,
        salesforce_activities.source_activity_id,
        salesforce_lead_people.lead_id,
        {{ crm_id('salesforce', 'salesforce_activities.owner_id') }}
            as owner_id,
        salesforce_activities.activity_type,
        salesforce_activities.occurred_at

    from salesforce_activities
    inner join salesforce_lead_people
        on salesforce_activities.who_id = salesforce_lead_people.person_id

),

unioned as (

    select * from files
    union all
    select * from hubspot
    union all
    select * from salesforce

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

    from unioned

)

select * from final
