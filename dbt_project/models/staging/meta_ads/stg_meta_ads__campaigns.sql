{%- set columns = [
    ('account_id', 'text'),
    ('campaign_id', 'text'),
    ('campaign_name', 'text'),
    ('status', 'text'),
] -%}

with

source as (

    {{ source_or_empty('meta_ads', 'campaigns', columns) }}

),

final as (

    select

        ----------  ids
        'meta_ads' as platform,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('campaign_id') }} as campaign_id,

        ---------- strings
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ clean_text('status') }} as campaign_status

    from source

)

select * from final
