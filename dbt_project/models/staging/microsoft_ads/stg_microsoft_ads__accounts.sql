-- One row per microsoft_ads ad account (macros/ad_platform_staging.sql).
{{ ad_platform_accounts('microsoft_ads') }}
