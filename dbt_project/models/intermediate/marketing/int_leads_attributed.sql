{#- each lead column and the rule column listing the values it may take -#}
{%- set rule_fields = [
    ('utm_source', 'source_values'),
    ('utm_medium', 'medium_values'),
    ('original_source', 'original_source_values'),
] -%}

with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

campaign_names as (

    select * from {{ ref('int_campaign_names') }}

),

leads as (

    select
        contact_id as lead_id,
        owner_id,
        company_id as account_id,
        email_hash,
        lifecycle_stage,
        utm_source,
        utm_medium,
        utm_campaign,
        original_source,
        contact_created_at as lead_created_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at

    from contacts
    where not is_archived

),

normalized_leads as (

    -- values compared lower-cased and trimmed (METRICS.md, Channels)
    select
        lead_id,
        lower(trim(utm_source)) as utm_source,
        lower(trim(utm_medium)) as utm_medium,
        lower(trim(utm_campaign)) as utm_campaign,
        lower(trim(original_source)) as original_source,
        coalesce(
            utm_source, utm_medium, utm_campaign, original_source
        ) is not null as has_source

    from leads

),

rules as (

    select
        rule_order,
        lower(trim(channel)) as channel,
        lower(nullif(trim(platform), '')) as platform,
        regexp_split_to_array(
            lower(nullif(trim(match_source), '')), '\s*\|\s*'
        ) as source_values,
        regexp_split_to_array(
            lower(nullif(trim(match_medium), '')), '\s*\|\s*'
        ) as medium_values,
        regexp_split_to_array(
            lower(nullif(trim(match_original_source), '')), '\s*\|\s*'
        ) as original_source_values

    from channel_rules

),

rule_matches as (

    -- an empty rule column accepts anything, `(none)` accepts only no value
    select
        normalized_leads.lead_id,
        rules.rule_order,
        rules.channel,
        rules.platform,
        row_number() over (
            partition by normalized_leads.lead_id
            order by rules.rule_order
        ) as match_rank

    from normalized_leads
    inner join rules
        on
        {%- for lead_field, rule_values in rule_fields %}
            {% if not loop.first %}and {% endif -%}
            (
                rules.{{ rule_values }} is null
                or normalized_leads.{{ lead_field }}
                = any(rules.{{ rule_values }})
                or (
                    normalized_leads.{{ lead_field }} is null
                    and '(none)' = any(rules.{{ rule_values }})
                )
            )
        {%- endfor %}
    where normalized_leads.has_source

),

channels as (

    select
        normalized_leads.lead_id,
        normalized_leads.utm_source,
        normalized_leads.utm_campaign,
        case
            when not normalized_leads.has_source then 'unattributed'
            else coalesce(rule_matches.channel, 'other')
        end as channel,
        rule_matches.platform,
        rule_matches.rule_order as channel_rule_order

    from normalized_leads
    left join rule_matches
        on
            normalized_leads.lead_id = rule_matches.lead_id
            and rule_matches.match_rank = 1

),

campaign_candidates as (

    -- utm_campaign equals a campaign id of the platform the lead's UTMs name
    select
        channels.lead_id,
        campaign_names.campaign_id,
        campaign_names.account_id,
        1 as match_priority

    from channels
    inner join campaign_names
        on
            channels.platform = campaign_names.platform
            and channels.utm_campaign = lower(campaign_names.campaign_id)

    union all

    -- or any name the campaign has ever had; its current name ranks first
    select
        channels.lead_id,
        campaign_names.campaign_id,
        campaign_names.account_id,
        case when campaign_names.is_current_name then 2 else 3 end
            as match_priority

    from channels
    inner join campaign_names
        on
            channels.platform = campaign_names.platform
            and channels.utm_campaign
            = campaign_names.campaign_name_normalized

),

candidate_campaigns as (

    select
        lead_id,
        campaign_id,
        account_id,
        min(match_priority) as match_priority,
        rank() over (
            partition by lead_id order by min(match_priority)
        ) as priority_rank

    from campaign_candidates
    group by 1, 2, 3

),

campaign_matches as (

    -- the best match wins; campaigns tied at the best match (e.g. the same
    -- current name in two accounts) are ambiguous and none is chosen
    select
        lead_id,
        case when count(*) = 1 then min(campaign_id) end as campaign_id,
        case when count(*) = 1 then min(account_id) end
            as campaign_account_id,
        case
            when count(*) > 1 then 'ambiguous'
            when min(match_priority) = 1 then 'campaign_id'
            when min(match_priority) = 2 then 'campaign_name'
            else 'previous_campaign_name'
        end as campaign_match_type

    from candidate_campaigns
    where priority_rank = 1
    group by 1

),

final as (

    select
        leads.lead_id,
        leads.owner_id,
        leads.account_id,
        campaign_matches.campaign_id,
        campaign_matches.campaign_account_id,
        leads.email_hash,
        leads.lifecycle_stage,
        leads.utm_source,
        leads.utm_medium,
        leads.utm_campaign,
        leads.original_source,
        channels.channel,
        channels.platform,
        channels.channel_rule_order,
        campaign_matches.campaign_match_type,
        {{ to_reporting_date('leads.lead_created_at') }} as lead_created_date,
        leads.lead_created_at,
        leads.mql_at,
        leads.sql_at,
        leads.opportunity_at,
        leads.customer_at

    from leads
    inner join channels
        on leads.lead_id = channels.lead_id
    left join campaign_matches
        on leads.lead_id = campaign_matches.lead_id

)

select * from final
