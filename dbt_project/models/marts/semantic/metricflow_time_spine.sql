{{ config(materialized='view') }}

with

dates as (

    select * from {{ ref('dim_date') }}

),

final as (

    select date_day from dates

)

select * from final
