-- One row per meta_ads campaign (macros/ad_platform_staging.sql).
{{ ad_platform_campaigns('meta_ads') }}
