-- One row per microsoft_ads campaign and name it had (macros/ad_platform_staging.sql).
{{ ad_platform_campaign_name_history('microsoft_ads') }}
