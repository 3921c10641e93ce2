with

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

won_deals as (

    -- every won deal the lead is associated with, earliest close first
    select
        deal_contacts.contact_id as lead_id,
        deals.deal_id,
        deals.closed_at,
        row_number() over (
            partition by deal_contacts.contact_id
            order by deals.closed_at, deals.deal_id
        ) as won_deal_rank

    from deal_contacts
    inner join deals
        on deal_contacts.deal_id = deals.deal_id
    where deals.is_won

),

joined as (

    select
        leads.*,
        won_deals.deal_id as first_won_deal_id,
        won_deals.closed_at as first_won_deal_closed_at,
        won_deals.deal_id is not null as is_customer

    from leads
    left join won_deals
        on
            leads.lead_id = won_deals.lead_id
            and won_deals.won_deal_rank = 1

),

reached as (

    -- a lead has reached a stage when it has that stage's timestamp or a
    -- later one's (lead < mql < sql < opportunity < customer); a won deal
    -- makes it a customer
    select
        *,
        least(customer_at, first_won_deal_closed_at) as reached_customer_at,
        least(opportunity_at, customer_at, first_won_deal_closed_at)
            as reached_opportunity_at,
        least(sql_at, opportunity_at, customer_at, first_won_deal_closed_at)
            as reached_sql_at,
        least(
            mql_at, sql_at, opportunity_at, customer_at,
            first_won_deal_closed_at
        ) as reached_mql_at,
        customer_at is not null or is_customer as has_reached_customer,
        coalesce(opportunity_at, customer_at) is not null or is_customer
            as has_reached_opportunity,
        coalesce(sql_at, opportunity_at, customer_at) is not null
        or is_customer as has_reached_sql,
        coalesce(mql_at, sql_at, opportunity_at, customer_at) is not null
        or is_customer as has_reached_mql

    from joined

),

final as (

    select
        lead_id,
        owner_id,
        account_id,
        campaign_id,
        first_won_deal_id,
        email_hash,
        channel,
        platform,
        campaign_match_type,
        utm_source,
        utm_medium,
        utm_campaign,
        original_source,
        lifecycle_stage,
        has_reached_mql,
        has_reached_sql,
        has_reached_opportunity,
        has_reached_customer,
        is_customer,
        lead_created_date as created_date,
        {{ to_reporting_date('reached_mql_at') }} as reached_mql_date,
        {{ to_reporting_date('reached_sql_at') }} as reached_sql_date,
        lead_created_at as created_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at,
        reached_mql_at,
        reached_sql_at,
        reached_opportunity_at,
        reached_customer_at,
        first_won_deal_closed_at

    from reached

)

select * from final
