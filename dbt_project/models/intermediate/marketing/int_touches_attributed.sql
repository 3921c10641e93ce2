-- a table: its data tests and the attribution mart read it, and as a view
-- each of them recomputed the attribution
{{ config(materialized='table') }}

{#- each touch column and the rule column listing the values it may take -#}
{%- set rule_fields = [
    ('utm_source', 'source_values'),
    ('utm_medium', 'medium_values'),
    ('original_source', 'original_source_values'),
] -%}

with

touches as (

    select * from {{ ref('int_marketing_touches') }}

),

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

campaign_names as (

    select * from {{ ref('int_campaign_names') }}

),

normalized_touches as (

    -- values compared lower-cased and trimmed (METRICS.md, Channels)
    select
        touch_id,
        lower(trim(utm_source)) as utm_source,
        lower(trim(utm_medium)) as utm_medium,
        lower(trim(utm_campaign)) as utm_campaign,
        lower(trim(original_source)) as original_source,
        has_source

    from touches

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
        normalized_touches.touch_id,
        rules.rule_order,
        rules.channel,
        rules.platform,
        row_number() over (
            partition by normalized_touches.touch_id
            order by rules.rule_order
        ) as match_rank

    from normalized_touches
    inner join rules
        on
        {%- for touch_field, rule_values in rule_fields %}
            {% if not loop.first %}and {% endif -%}
            (
                rules.{{ rule_values }} is null
                or normalized_touches.{{ touch_field }}
                = any(rules.{{ rule_values }})
                or (
                    normalized_touches.{{ touch_field }} is null
                    and '(none)' = any(rules.{{ rule_values }})
                )
            )
        {%- endfor %}
    where normalized_touches.has_source

),

channels as (

    select
        normalized_touches.touch_id,
        normalized_touches.utm_campaign,
        case
            when not normalized_touches.has_source then 'unattributed'
            else coalesce(rule_matches.channel, 'other')
        end as channel,
        rule_matches.platform,
        rule_matches.rule_order as channel_rule_order

    from normalized_touches
    left join rule_matches
        on
            normalized_touches.touch_id = rule_matches.touch_id
            and rule_matches.match_rank = 1

),

campaign_candidates as (

    -- utm_campaign equals a campaign id of the platform the UTMs name
    select
        channels.touch_id,
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
        channels.touch_id,
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
        touch_id,
        campaign_id,
        account_id,
        min(match_priority) as match_priority,
        rank() over (
            partition by touch_id order by min(match_priority)
        ) as priority_rank

    from campaign_candidates
    group by 1, 2, 3

),

campaign_matches as (

    -- the best match wins; campaigns tied at the best match (e.g. the same
    -- current name in two accounts) are ambiguous and none is chosen
    select
        touch_id,
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
        touches.touch_id,
        touches.lead_id,
        touches.touch_type,
        campaign_matches.campaign_id,
        campaign_matches.campaign_account_id,
        touches.utm_source,
        touches.utm_medium,
        touches.utm_campaign,
        touches.original_source,
        channels.channel,
        channels.platform,
        channels.channel_rule_order,
        campaign_matches.campaign_match_type,
        touches.has_source,
        touches.is_recorded_as_touchpoint,
        touches.touched_at

    from touches
    inner join channels
        on touches.touch_id = channels.touch_id
    left join campaign_matches
        on touches.touch_id = campaign_matches.touch_id

)

select * from final
