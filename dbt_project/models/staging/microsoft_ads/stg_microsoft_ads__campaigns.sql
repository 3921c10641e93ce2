-- One row per microsoft_ads campaign (macros/ad_platform_staging.sql).
{{ ad_platform_campaigns('microsoft_ads') }}
