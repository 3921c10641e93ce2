-- One row per microsoft_ads campaign and day: the account's local days, as Microsoft bills them; `--` in the report (not available) was loaded as null and is 0 (macros/ad_platform_staging.sql).
{{ ad_platform_campaign_stats('microsoft_ads') }}
