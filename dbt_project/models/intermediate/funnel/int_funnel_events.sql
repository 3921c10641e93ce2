{#- one spend event per campaign and day; see macro funnel_events -#}
{{ funnel_events(
    ref('fct_ad_spend_daily'), 'date_day', ref('fct_leads'), ref('fct_deals')
) }}
