with

file_touchpoints as (

    select * from {{ ref('stg_files__touchpoints') }}

),

files as (

    select
        {{ crm_id('files', 'touchpoint_id') }} as touchpoint_id,
        'files' as source_system,
        touchpoint_id as source_touchpoint_id,
        {{ crm_id('files', 'lead_id') }} as lead_id,
        utm_source,
        utm_medium,
        utm_campaign,
        touched_at

    from file_touchpoints

),

salesforce_campaign_members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}

),

salesforce_campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

salesforce_lead_people as (

    select * from {{ ref('int_salesforce_lead_people') }}

),

salesforce as (

    -- a campaign response is a touch: the campaign's name is its
    -- utm_campaign and its type the medium the channel rules know;
    -- Salesforce records no utm_source for it
    select
        {{ crm_id('salesforce', 'members.campaign_member_id') }}
            as touchpoint_id,
        'salesforce' as source_system,
        members.campaign_member_id as source_touchpoint_id,
        people.lead_id,
        cast(null as text) as utm_source,
        case lower(campaigns.campaign_type)
            when 'webinar' then 'webinar'
            when 'conference' then 'event'
            when 'trade show' then 'event'
            when 'email' then 'email'
            when 'partners' then 'referral'
            when 'referral program' then 'referral'
            when 'advertisement' then 'paid'
        end as utm_medium,
        campaigns.campaign_name as utm_campaign,
        members.member_created_at as touched_at

    from salesforce_campaign_members as members
    inner join salesforce_lead_people as people
        on coalesce(members.lead_id, members.contact_id) = people.person_id
    left join salesforce_campaigns as campaigns
        on members.campaign_id = campaigns.campaign_id
    where members.has_responded and not members.is_deleted

),

final as (

    select * from files
    union all
    select * from salesforce

)

select * from final
