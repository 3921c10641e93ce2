{%- set columns = [
    ('account_id', 'text'),
    ('account_name', 'text'),
    ('currency_code', 'text'),
    ('time_zone', 'text'),
] -%}

with

source as (

    {{ source_or_empty('meta_ads', 'accounts', columns) }}

),

final as (

    select

        ----------  ids
        'meta_ads' as platform,
        {{ clean_text('account_id') }} as account_id,

        ---------- strings
        {{ clean_text('account_name') }} as account_name,
        upper({{ clean_text('currency_code') }}) as currency_code,
        {{ clean_text('time_zone') }} as time_zone

    from source

)

select * from final
