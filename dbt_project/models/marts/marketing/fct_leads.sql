{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='lead_id',
    on_schema_change='sync_all_columns',
    post_hook="{{ delete_vanished_keys(
        ref('int_leads_attributed'), ['lead_id']
    ) }}",
) }}

{#- METRICS.md: untouched = no sales touch 7 days after creation -#}
{%- set untouched_after = "interval '7 days'" -%}

with

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

deal_leads as (

    select * from {{ ref('int_crm_deal_leads') }}

),

lead_sales_touches as (

    select * from {{ ref('int_lead_sales_touches') }}

),

as_of as (

    select * from {{ ref('int_crm_as_of') }}

),

lead_deals as (

    -- every deal the lead is associated with, not only as its primary lead
    select
        deal_leads.lead_id,
        deals.deal_id,
        deals.account_id,
        deals.is_won,
        deals.deal_created_at,
        deals.closed_at,
        row_number() over (
            partition by deal_leads.lead_id
            order by deals.deal_created_at, deals.deal_id
        ) as deal_rank,
        row_number() over (
            partition by deal_leads.lead_id, deals.is_won
            order by deals.closed_at, deals.deal_id
        ) as won_or_not_rank

    from deal_leads
    inner join deals
        on deal_leads.deal_id = deals.deal_id

),

first_deals as (

    select * from lead_deals
    where deal_rank = 1

),

first_won_deals as (

    -- the earliest-closing won deal
    select * from lead_deals
    where is_won and won_or_not_rank = 1

),

joined as (

    select
        leads.*,
        first_deals.deal_id as first_deal_id,
        first_deals.deal_created_at as first_deal_created_at,
        first_won_deals.deal_id as first_won_deal_id,
        first_won_deals.account_id as customer_account_id,
        first_won_deals.closed_at as first_won_deal_closed_at,
        first_won_deals.deal_id is not null as is_customer,
        lead_sales_touches.first_sales_touch_at,
        lead_sales_touches.sales_touches,
        lead_sales_touches.has_sales_touch_tracking,
        as_of.as_of_at

    from leads
    left join first_deals
        on leads.lead_id = first_deals.lead_id
    left join first_won_deals
        on leads.lead_id = first_won_deals.lead_id
    left join lead_sales_touches
        on leads.lead_id = lead_sales_touches.lead_id
    cross join as_of

),

reached as (

    -- a lead has reached a stage when it has that stage's timestamp or a
    -- later one's (lead < mql < sql < opportunity < customer); a deal makes
    -- it an opportunity, a won deal a customer
    select
        *,
        least(customer_at, first_won_deal_closed_at) as reached_customer_at,
        least(
            opportunity_at, first_deal_created_at, customer_at,
            first_won_deal_closed_at
        ) as reached_opportunity_at,
        least(
            sql_at, opportunity_at, first_deal_created_at, customer_at,
            first_won_deal_closed_at
        ) as reached_sql_at,
        least(
            mql_at, sql_at, opportunity_at, first_deal_created_at,
            customer_at, first_won_deal_closed_at
        ) as reached_mql_at,
        customer_at is not null or is_customer as has_reached_customer,
        coalesce(opportunity_at, first_deal_created_at, customer_at)
        is not null
        or is_customer as has_reached_opportunity,
        coalesce(sql_at, opportunity_at, first_deal_created_at, customer_at)
        is not null
        or is_customer as has_reached_sql,
        coalesce(
            mql_at, sql_at, opportunity_at, first_deal_created_at, customer_at
        ) is not null
        or is_customer as has_reached_mql

    from joined

),

touched as (

    select
        *,
        extract(epoch from first_sales_touch_at - lead_created_at) / 3600
            as speed_to_lead_hours,
        -- unknown while the source logs no sales touches, or before the
        -- lead is 7 days old in the data
        case
            when not has_sales_touch_tracking then null
            when
                first_sales_touch_at
                <= lead_created_at + {{ untouched_after }}
                then false
            when as_of_at < lead_created_at + {{ untouched_after }} then null
            else true
        end as is_untouched_7d

    from reached

),

final as (

    select
        lead_id,
        source_system,
        source_lead_id,
        owner_id,
        account_id,
        campaign_id,
        campaign_account_id,
        first_deal_id,
        first_won_deal_id,
        customer_account_id,
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
        has_sales_touch_tracking,
        is_untouched_7d,
        sales_touches,
        speed_to_lead_hours,
        lead_created_date as created_date,
        {{ to_reporting_date('reached_mql_at') }} as reached_mql_date,
        {{ to_reporting_date('reached_sql_at') }} as reached_sql_date,
        {{ to_reporting_date('reached_opportunity_at') }}
            as reached_opportunity_date,
        {{ to_reporting_date('reached_customer_at') }}
            as reached_customer_date,
        lead_created_at as created_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at,
        reached_mql_at,
        reached_sql_at,
        reached_opportunity_at,
        reached_customer_at,
        first_deal_created_at,
        first_won_deal_closed_at,
        first_sales_touch_at

    from touched

)

select * from final
{{ incremental_changes('final', ['lead_id'], 'created_date') }}
