{%- set columns = [
    ('account_id', 'text'),
    ('campaign_id', 'text'),
    ('campaign_name', 'text'),
    ('first_seen_at', 'timestamptz'),
] -%}

with

source as (

    {{ source_or_empty('microsoft_ads', 'campaign_name_history', columns) }}

),

final as (

    select

        ----------  ids
        'microsoft_ads' as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('campaign_name') }} as campaign_name,

        ---------- timestamps
        first_seen_at

    from source

)

select * from final
