with

reconciliation as (

    select * from {{ ref('fct_revenue_reconciliation') }}

),

deals as (

    -- one row per won deal (a deal with several invoices has several pairs)
    select distinct
        month_start_date,
        deal_id,
        deal_amount,
        reconciliation_status

    from reconciliation
    where deal_id is not null

),

deals_monthly as (

    select
        month_start_date,
        count(*) as won_deals,
        sum(deal_amount) as crm_won_revenue,
        {%- for status in ['matched', 'amount_mismatch', 'invoice_missing'] %}
        count(*) filter (where reconciliation_status = '{{ status }}')
            as {{ status }}_deals{{ ',' if not loop.last }}
        {%- endfor %}

    from deals
    group by 1

),

invoices_monthly as (

    select
        month_start_date,
        count(*) as invoices,
        sum(invoice_amount) as invoiced_revenue,
        count(*) filter (where reconciliation_status = 'deal_missing')
            as deal_missing_invoices

    from reconciliation
    where invoice_id is not null
    group by 1

),

final as (

    select
        coalesce(
            deals_monthly.month_start_date, invoices_monthly.month_start_date
        ) as month_start_date,
        coalesce(deals_monthly.won_deals, 0) as won_deals,
        coalesce(deals_monthly.crm_won_revenue, 0) as crm_won_revenue,
        coalesce(invoices_monthly.invoices, 0) as invoices,
        coalesce(invoices_monthly.invoiced_revenue, 0) as invoiced_revenue,
        coalesce(invoices_monthly.invoiced_revenue, 0)
        - coalesce(deals_monthly.crm_won_revenue, 0)
            as invoiced_minus_crm_revenue,
        coalesce(deals_monthly.matched_deals, 0) as matched_deals,
        coalesce(deals_monthly.amount_mismatch_deals, 0)
            as amount_mismatch_deals,
        coalesce(deals_monthly.invoice_missing_deals, 0)
            as invoice_missing_deals,
        coalesce(invoices_monthly.deal_missing_invoices, 0)
            as deal_missing_invoices

    from deals_monthly
    full outer join invoices_monthly
        on deals_monthly.month_start_date = invoices_monthly.month_start_date

)

select * from final
