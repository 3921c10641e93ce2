{%- set as_of_at = var('as_of_at', none) -%}

with

leads as (

    select * from {{ ref('int_crm_leads') }}

),

deals as (

    select * from {{ ref('int_crm_deals') }}

),

activities as (

    select * from {{ ref('int_crm_activities') }}

),

events as (

    select lead_created_at as happened_at from leads
    union all
    select deal_created_at from deals
    union all
    select closed_at from deals
    union all
    select occurred_at from activities

),

final as (

    -- the moment the CRM data describes: the dbt var when set, else the
    -- latest CRM event (never the clock, so a rebuild over the same data
    -- gives the same marts)
    select
        {%- if as_of_at %}
        cast('{{ as_of_at }}' as timestamptz) as as_of_at
        {%- else %}
        max(happened_at) as as_of_at
        {%- endif %}

    from events

)

select * from final
