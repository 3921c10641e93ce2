{%- set tolerance = var('reconciliation_tolerance') -%}

with

deals as (

    select * from {{ ref('fct_deals') }}

),

invoices as (

    select * from {{ ref('stg_files__invoices') }}

),

fx_rates_daily as (

    select * from {{ ref('int_fx_rates_daily') }}

),

customer_invoices as (

    select * from invoices
    where invoice_type = 'customer'

),

invoice_deal_candidates as (

    -- the invoice carries the CRM's own deal id ('9000542') or ours
    -- ('hubspot:9000542'); ours wins, then a deal of the file import
    select
        customer_invoices.invoice_id,
        deals.deal_id,
        row_number() over (
            partition by customer_invoices.invoice_id
            order by
                deals.deal_id = customer_invoices.deal_id desc,
                deals.source_system = 'files' desc,
                deals.deal_id
        ) as candidate_rank

    from customer_invoices
    inner join deals
        on
            customer_invoices.deal_id = deals.deal_id
            or customer_invoices.deal_id = deals.source_deal_id

),

matched_invoices as (

    select
        customer_invoices.*,
        invoice_deal_candidates.deal_id as matched_deal_id

    from customer_invoices
    left join invoice_deal_candidates
        on
            customer_invoices.invoice_id = invoice_deal_candidates.invoice_id
            and invoice_deal_candidates.candidate_rank = 1

),

won_deals as (

    select * from deals
    where is_won

),

pairs as (

    -- every won deal with each of its invoices, won deals without any, and
    -- invoices that name no won deal
    select
        won_deals.deal_id,
        matched_invoices.invoice_id,
        matched_invoices.deal_id as invoice_deal_reference,
        matched_invoices.matched_deal_id as invoice_crm_deal_id,
        won_deals.account_id,
        won_deals.currency_code,
        won_deals.amount_local as deal_amount_local,
        won_deals.amount as deal_amount,
        won_deals.closed_date,
        won_deals.amount_rate_date,
        matched_invoices.currency_code as invoice_currency_code,
        matched_invoices.amount_local as invoice_amount_local,
        matched_invoices.invoice_date

    from won_deals
    full outer join matched_invoices
        on won_deals.deal_id = matched_invoices.matched_deal_id

),

converted as (

    -- an invoice in another currency than its deal's is compared at the
    -- invoice date's rate
    select
        pairs.*,
        case
            when pairs.invoice_currency_code = pairs.currency_code
                then pairs.invoice_amount_local
            else
                pairs.invoice_amount_local
                * invoice_rates.usd_per_unit
                / deal_rates.usd_per_unit
        end as invoice_amount_in_deal_currency,
        {{ to_reporting(
            'pairs.invoice_amount_local',
            'pairs.invoice_currency_code',
            'invoice_rates',
        ) }} as invoice_amount

    from pairs
    left join fx_rates_daily as invoice_rates
        on
            pairs.invoice_currency_code = invoice_rates.currency_code
            and pairs.invoice_date = invoice_rates.rate_date
    left join fx_rates_daily as deal_rates
        on
            pairs.currency_code = deal_rates.currency_code
            and pairs.invoice_date = deal_rates.rate_date

),

per_deal as (

    select
        *,
        case
            when deal_id is not null
                then
                    sum(invoice_amount_in_deal_currency)
                        over (partition by deal_id)
        end as deal_invoiced_local

    from converted

),

final as (

    select
        {{ surrogate_key(['deal_id', 'invoice_id']) }}
            as revenue_reconciliation_id,
        deal_id,
        invoice_id,
        invoice_deal_reference,
        invoice_crm_deal_id,
        account_id,
        -- a pair counts in the month the deal closed (a won deal without a
        -- close date: the date its amount converts at), an unmatched
        -- invoice in its own month
        cast(
            date_trunc(
                'month', coalesce(closed_date, amount_rate_date, invoice_date)
            ) as date
        ) as month_start_date,
        closed_date,
        invoice_date,
        currency_code,
        deal_amount_local,
        invoice_currency_code,
        invoice_amount_local,
        invoice_amount_in_deal_currency,
        deal_invoiced_local,
        case
            when deal_id is not null
                then
                    coalesce(deal_invoiced_local, 0)
                    - coalesce(deal_amount_local, 0)
        end as invoiced_minus_deal_amount_local,
        deal_amount,
        invoice_amount,
        case
            when deal_id is null then 'deal_missing'
            when invoice_id is null then 'invoice_missing'
            when
                abs(
                    coalesce(deal_invoiced_local, 0)
                    - coalesce(deal_amount_local, 0)
                )
                <= {{ tolerance }} * abs(coalesce(deal_amount_local, 0))
                then 'matched'
            else 'amount_mismatch'
        end as reconciliation_status

    from per_deal

)

select * from final
