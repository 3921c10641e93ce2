{#-
    The fixed channel taxonomy of METRICS.md (Channels), in display order:
    (channel, label, group, is_paid).
-#}
{%- set channels = [
    ('paid_search', 'Paid search', 'paid', true),
    ('paid_social', 'Paid social', 'paid', true),
    ('organic_search', 'Organic search', 'organic', false),
    ('organic_social', 'Organic social', 'organic', false),
    ('email', 'Email', 'owned', false),
    ('referral', 'Referral', 'earned', false),
    ('direct', 'Direct', 'organic', false),
    ('events', 'Events', 'owned', false),
    ('outbound', 'Outbound', 'sales', false),
    ('other', 'Other', 'other', false),
    ('unattributed', 'Unattributed', 'unattributed', false),
] -%}

with

platform_channels as (

    select * from {{ ref('int_platform_channels') }}

),

taxonomy as (

    {%- for channel, label, channel_group, is_paid in channels %}
    select
        '{{ channel }}' as channel,
        '{{ label }}' as channel_label,
        '{{ channel_group }}' as channel_group,
        {{ is_paid }} as is_paid,
        {{ loop.index }} as sort_order
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

channel_platforms as (

    select
        channel,
        string_agg(platform, ', ' order by platform) as ad_platforms

    from platform_channels
    group by 1

),

final as (

    select
        taxonomy.channel,
        taxonomy.channel_label,
        taxonomy.channel_group,
        taxonomy.is_paid,
        -- METRICS.md: marketing-sourced revenue is every channel's but
        -- outbound's and unattributed's
        taxonomy.channel not in ('outbound', 'unattributed')
            as is_marketing_sourced,
        channel_platforms.ad_platforms,
        taxonomy.sort_order

    from taxonomy
    left join channel_platforms
        on taxonomy.channel = channel_platforms.channel

)

select * from final
