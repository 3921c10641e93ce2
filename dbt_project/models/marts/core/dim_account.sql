with

accounts as (

    select * from {{ ref('int_crm_accounts') }}

),

deals as (

    select * from {{ ref('int_deals_enriched') }}

),

won_deals as (

    select
        account_id,
        count(*) as won_deals,
        sum(amount) as won_revenue

    from deals
    where is_won
    group by 1

),

first_won_deals as (

    select * from deals
    where is_first_won_deal_of_account

),

final as (

    select
        accounts.account_id,
        accounts.source_system,
        accounts.source_account_id,
        accounts.owner_id,
        first_won_deals.deal_id as first_won_deal_id,
        accounts.account_name,
        accounts.domain,
        accounts.country,
        -- the channel that won the account: its first won deal's
        first_won_deals.channel as acquisition_channel,
        first_won_deals.deal_id is not null as is_customer,
        coalesce(won_deals.won_deals, 0) as won_deals,
        coalesce(won_deals.won_revenue, 0) as won_revenue,
        first_won_deals.closed_date as customer_since_date,
        accounts.account_created_at

    from accounts
    left join won_deals
        on accounts.account_id = won_deals.account_id
    left join first_won_deals
        on accounts.account_id = first_won_deals.account_id

)

select * from final
