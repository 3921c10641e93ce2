{%- set columns = [
    ('id', 'text'),
    ('email', 'text'),
    ('first_name', 'text'),
    ('last_name', 'text'),
    ('name', 'text'),
    ('title', 'text'),
    ('is_active', 'boolean'),
    ('created_date', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'users', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as user_id,

        ---------- strings
        {{ clean_text('email') }} as email,
        md5(lower({{ clean_text('email') }})) as email_hash,
        coalesce(
            {{ clean_text('name') }},
            nullif(concat_ws(' ', {{ clean_text('first_name') }}, {{ clean_text('last_name') }}), '')
        ) as user_name,
        {{ clean_text('title') }} as title,

        ---------- booleans
        coalesce(is_active, true) as is_active,

        ---------- timestamps
        created_date as user_created_at

    from source

)

select * from final
