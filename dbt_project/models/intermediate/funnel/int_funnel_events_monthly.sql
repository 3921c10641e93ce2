{#-
    The monthly marts' events: spend once per campaign and month (on the
    month's first day, from int_ad_spend_monthly) instead of once per day,
    every other event on its own date; see macro funnel_events. Sums by
    month are the same as over int_funnel_events, over a thirtieth of the
    spend rows.
-#}
{{ funnel_events(
    ref('int_ad_spend_monthly'), 'month_start_date',
    ref('fct_leads'), ref('fct_deals'),
) }}
