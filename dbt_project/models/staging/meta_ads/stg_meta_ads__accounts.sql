-- One row per meta_ads ad account (macros/ad_platform_staging.sql).
{{ ad_platform_accounts('meta_ads') }}
