{%- set columns = [
    ('id', 'text'),
    ('owner_id', 'text'),
    ('name', 'text'),
    ('website', 'text'),
    ('industry', 'text'),
    ('billing_country', 'text'),
    ('type', 'text'),
    ('number_of_employees', 'bigint'),
    ('is_deleted', 'boolean'),
    ('created_date', 'timestamptz'),
    ('system_modstamp', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'accounts', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as account_id,
        {{ clean_text('owner_id') }} as owner_id,

        ---------- strings
        {{ clean_text('name') }} as account_name,
        -- the website's host, without scheme, "www." or path
        lower(
            nullif(
                regexp_replace(
                    {{ clean_text('website') }},
                    '^([a-z]+://)?(www\.)?([^/?#]+).*$',
                    '\3',
                    'i'
                ),
                ''
            )
        ) as domain,
        {{ clean_text('industry') }} as industry,
        {{ clean_text('billing_country') }} as country,
        {{ clean_text('type') }} as account_type,

        ---------- numerics
        number_of_employees,

        ---------- booleans
        coalesce(is_deleted, false) as is_deleted,

        ---------- timestamps
        created_date as account_created_at,
        system_modstamp as account_updated_at

    from source

)

select * from final
