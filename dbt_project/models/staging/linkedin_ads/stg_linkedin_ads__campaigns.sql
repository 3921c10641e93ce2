-- One row per linkedin_ads campaign (macros/ad_platform_staging.sql).
{{ ad_platform_campaigns('linkedin_ads') }}
