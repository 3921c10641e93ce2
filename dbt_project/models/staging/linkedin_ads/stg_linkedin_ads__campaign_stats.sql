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

    {{ source_or_empty('linkedin_ads', 'campaign_stats', columns) }}

),

final as (

    select

        ----------  ids
        'linkedin_ads' as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- numerics
        -- a metric the platform left out is 0
        coalesce(impressions, 0) as impressions,
        coalesce(clicks, 0) as clicks,
        coalesce(conversions, 0) as conversions,

        ---------- money (account currency, see stg_linkedin_ads__accounts)
        coalesce(spend, 0) as spend_local,
        coalesce(conversion_value, 0) as conversion_value_local,

        ---------- dates
        -- UTC days, as the platform bills them
        "date" as date_day

    from source

)

select * from final
