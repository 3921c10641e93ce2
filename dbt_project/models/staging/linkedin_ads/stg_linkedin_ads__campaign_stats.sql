-- One row per linkedin_ads campaign and day: UTC days, as LinkedIn bills them; a metric it left out is 0 (macros/ad_platform_staging.sql).
{{ ad_platform_campaign_stats('linkedin_ads') }}
