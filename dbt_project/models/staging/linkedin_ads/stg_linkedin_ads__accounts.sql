-- One row per linkedin_ads ad account (macros/ad_platform_staging.sql).
{{ ad_platform_accounts('linkedin_ads') }}
