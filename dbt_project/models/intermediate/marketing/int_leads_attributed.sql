-- a table: its data tests and several marts read it, and as a view each of
-- them recomputed every lead's attribution
{{ config(materialized='table') }}

with

leads as (

    select * from {{ ref('int_crm_leads') }}

),

touches as (

    select * from {{ ref('int_touches_attributed') }}

),

lead_creation_touches as (

    -- a lead is attributed by its own first touch (METRICS.md, Attribution)
    select * from touches
    where touch_type = 'lead_creation'

),

final as (

    select
        leads.lead_id,
        leads.source_system,
        leads.source_lead_id,
        leads.owner_id,
        leads.account_id,
        lead_creation_touches.campaign_id,
        lead_creation_touches.campaign_account_id,
        leads.email_hash,
        leads.lifecycle_stage,
        leads.utm_source,
        leads.utm_medium,
        leads.utm_campaign,
        leads.original_source,
        lead_creation_touches.channel,
        lead_creation_touches.platform,
        lead_creation_touches.channel_rule_order,
        lead_creation_touches.campaign_match_type,
        {{ to_reporting_date('leads.lead_created_at') }} as lead_created_date,
        leads.lead_created_at,
        leads.mql_at,
        leads.sql_at,
        leads.opportunity_at,
        leads.customer_at

    from leads
    inner join lead_creation_touches
        on leads.lead_id = lead_creation_touches.lead_id

)

select * from final
