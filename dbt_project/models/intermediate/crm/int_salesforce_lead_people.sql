with

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

lead_people as (

    -- a lead is its own person
    select
        lead_id as person_id,
        lead_id as source_lead_id,
        'lead' as person_type

    from leads
    where not is_deleted

),

contact_people as (

    -- a contact converted from a lead is that lead; any other contact is a
    -- lead in its own right (METRICS.md, Entities)
    select
        contacts.contact_id as person_id,
        coalesce(leads.lead_id, contacts.contact_id) as source_lead_id,
        case when leads.lead_id is null then 'contact' else 'lead' end
            as person_type

    from contacts
    left join leads
        on
            contacts.contact_id = leads.converted_contact_id
            and not leads.is_deleted
    where not contacts.is_deleted

),

final as (

    select
        person_id,
        source_lead_id,
        {{ crm_id('salesforce', 'source_lead_id') }} as lead_id,
        person_type

    from lead_people

    union all

    select
        person_id,
        source_lead_id,
        {{ crm_id('salesforce', 'source_lead_id') }} as lead_id,
        person_type

    from contact_people

)

select * from final
