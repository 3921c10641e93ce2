with

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

platform_rules as (

    select
        lower(trim(platform)) as platform,
        lower(trim(channel)) as channel,
        row_number() over (
            partition by lower(trim(platform)) order by rule_order
        ) as rule_rank

    from channel_rules
    where nullif(trim(platform), '') is not null

),

final as (

    -- an ad platform's channel is the channel of its first rule
    select
        platform,
        channel

    from platform_rules
    where rule_rank = 1

)

select * from final
