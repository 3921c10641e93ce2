{%- set columns = [
    ('date', 'date'),
    ('platform', 'text'),
    ('account_id', 'text'),
    ('currency', 'text'),
    ('campaign_id', 'text'),
    ('campaign_name', 'text'),
    ('spend', 'numeric'),
    ('impressions', 'bigint'),
    ('clicks', 'bigint'),
    ('conversions', 'numeric'),
    ('conversion_value', 'numeric'),
    ('_source_file', 'text'),
    ('_source_line', 'bigint'),
] -%}

with

source as (

    {{ source_or_empty('files', 'ad_performance', columns) }}

),

final as (

    select

        ----------  ids
        lower({{ clean_text('platform') }}) as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('campaign_name') }} as campaign_name,
        upper({{ clean_text('currency') }}) as currency_code,
        _source_file as source_file,

        ---------- numerics
        -- like the Google Ads API, an empty metric is 0
        coalesce(impressions, 0) as impressions,
        coalesce(clicks, 0) as clicks,
        coalesce(conversions, 0) as conversions,
        _source_line as source_line,

        ---------- money (account currency)
        coalesce(spend, 0) as spend_local,
        coalesce(conversion_value, 0) as conversion_value_local,

        ---------- dates
        -- the account-local day, as the platform bills it
        "date" as date_day

    from source

)

select * from final
