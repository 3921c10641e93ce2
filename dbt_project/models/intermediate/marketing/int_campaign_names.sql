with

campaigns as (

    select * from {{ ref('int_campaigns') }}

),

google_ads_campaign_name_history as (

    select * from {{ ref('stg_google_ads__campaign_name_history') }}

),

meta_ads_campaign_name_history as (

    select * from {{ ref('stg_meta_ads__campaign_name_history') }}

),

linkedin_ads_campaign_name_history as (

    select * from {{ ref('stg_linkedin_ads__campaign_name_history') }}

),

microsoft_ads_campaign_name_history as (

    select * from {{ ref('stg_microsoft_ads__campaign_name_history') }}

),

file_ad_performance as (

    select * from {{ ref('stg_files__ad_performance') }}

),

-- Every name each campaign is known by: its current name (int_campaigns)
-- and, per source, every name it was ever seen with (campaign renames are
-- common). File-import names count like any other.
current_names as (

    select
        platform,
        account_id,
        campaign_id,
        campaign_name,
        true as is_current_name,
        cast(null as timestamptz) as first_seen_at

    from campaigns
    where campaign_name is not null

),

google_ads_history as (

    select
        'google_ads' as platform,
        customer_id as account_id,
        campaign_id,
        campaign_name,
        false as is_current_name,
        first_seen_at

    from google_ads_campaign_name_history
    where campaign_name is not null

),

api_history as (

    -- the other platforms' staging already carries the platform
    {%- for platform in ['meta_ads', 'linkedin_ads', 'microsoft_ads'] %}
    select
        platform,
        account_id,
        campaign_id,
        campaign_name,
        false as is_current_name,
        first_seen_at

    from {{ platform }}_campaign_name_history
    where campaign_name is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}

),

files_history as (

    -- a name is first seen on the first day it was reported with
    select
        platform,
        account_id,
        campaign_id,
        campaign_name,
        false as is_current_name,
        cast(min(date_day) as timestamp) at time zone 'UTC' as first_seen_at

    from file_ad_performance
    where campaign_name is not null
    group by 1, 2, 3, 4

),

unioned as (

    select * from current_names
    union all
    select * from google_ads_history
    union all
    select * from api_history
    union all
    select * from files_history

),

final as (

    select
        platform,
        account_id,
        campaign_id,
        lower(trim(campaign_name)) as campaign_name_normalized,
        -- one of its spellings (they differ only in case and spaces)
        min(campaign_name) as campaign_name,
        bool_or(is_current_name) as is_current_name,
        min(first_seen_at) as first_seen_at

    from unioned
    group by 1, 2, 3, 4

)

select * from final
