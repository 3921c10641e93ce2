-- One row per meta_ads campaign and day: the ad account's local days (`timezone_name`), as Meta bills them (macros/ad_platform_staging.sql).
{{ ad_platform_campaign_stats('meta_ads') }}
