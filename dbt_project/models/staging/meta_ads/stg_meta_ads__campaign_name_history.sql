-- One row per meta_ads campaign and name it had (macros/ad_platform_staging.sql).
{{ ad_platform_campaign_name_history('meta_ads') }}
