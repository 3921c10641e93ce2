{#
    The staging models of the ad platforms whose sources share one raw layout
    (funnelhouse.sources.ads: Meta, LinkedIn, Microsoft Advertising): the same
    four tables, the same columns, differing only in the source's name. Each
    model is one call, so a column added here reaches every platform.

    platform: the dbt source name, which is also the `platform` value
#}

{% macro ad_platform_accounts(platform) -%}
{%- set columns = [
    ('account_id', 'text'),
    ('account_name', 'text'),
    ('currency_code', 'text'),
    ('time_zone', 'text'),
] -%}

with

source as (

    {{ source_or_empty(platform, 'accounts', columns) }}

),

final as (

    select

        ----------  ids
        '{{ platform }}' as platform,
        {{ clean_text('account_id') }} as account_id,

        ---------- strings
        {{ clean_text('account_name') }} as account_name,
        upper({{ clean_text('currency_code') }}) as currency_code,
        {{ clean_text('time_zone') }} as time_zone

    from source

)

select * from final
{%- endmacro %}


{% macro ad_platform_campaigns(platform) -%}
{%- set columns = [
    ('account_id', 'text'),
    ('campaign_id', 'text'),
    ('campaign_name', 'text'),
    ('status', 'text'),
] -%}

with

source as (

    {{ source_or_empty(platform, 'campaigns', columns) }}

),

final as (

    select

        ----------  ids
        '{{ platform }}' as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ clean_text('status') }} as campaign_status

    from source

)

select * from final
{%- endmacro %}


{% macro ad_platform_campaign_name_history(platform) -%}
{%- set columns = [
    ('account_id', 'text'),
    ('campaign_id', 'text'),
    ('campaign_name', 'text'),
    ('first_seen_at', 'timestamptz'),
] -%}

with

source as (

    {{ source_or_empty(platform, 'campaign_name_history', columns) }}

),

final as (

    select

        ----------  ids
        '{{ platform }}' as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('campaign_name') }} as campaign_name,

        ---------- timestamps
        first_seen_at

    from source

)

select * from final
{%- endmacro %}


{#  Days are the platform's billing days (see each model); a metric the
    platform left out, or reported as not available, is 0. #}
{% macro ad_platform_campaign_stats(platform) -%}
{%- set columns = [
    ('account_id', 'text'),
    ('campaign_id', 'text'),
    ('date', 'date'),
    ('impressions', 'bigint'),
    ('clicks', 'bigint'),
    ('spend', 'numeric'),
    ('conversions', 'numeric'),
    ('conversion_value', 'numeric'),
] -%}

with

source as (

    {{ source_or_empty(platform, 'campaign_stats', columns) }}

),

final as (

    select

        ----------  ids
        '{{ platform }}' as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- numerics
        coalesce(impressions, 0) as impressions,
        coalesce(clicks, 0) as clicks,
        coalesce(conversions, 0) as conversions,

        ---------- money (account currency, see the platform's accounts model)
        coalesce(spend, 0) as spend_local,
        coalesce(conversion_value, 0) as conversion_value_local,

        ---------- dates
        "date" as date_day

    from source

)

select * from final
{%- endmacro %}
