{%- set columns = [
    ('id', 'text'),
    ('account_id', 'text'),
    ('owner_id', 'text'),
    ('master_record_id', 'text'),
    ('email', 'text'),
    ('first_name', 'text'),
    ('last_name', 'text'),
    ('lead_source', 'text'),
    ('mailing_country', 'text'),
    ('utm_source_c', 'text'),
    ('utm_medium_c', 'text'),
    ('utm_campaign_c', 'text'),
    ('is_deleted', 'boolean'),
    ('created_date', 'timestamptz'),
    ('system_modstamp', 'timestamptz'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'contacts', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as contact_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('master_record_id') }} as master_record_id,

        ---------- strings
        {{ clean_text('email') }} as email,
        md5(lower({{ clean_text('email') }})) as email_hash,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('lead_source') }} as lead_source,
        {{ clean_text('mailing_country') }} as country,
        {{ clean_text('utm_source_c') }} as utm_source,
        {{ clean_text('utm_medium_c') }} as utm_medium,
        {{ clean_text('utm_campaign_c') }} as utm_campaign,

        ---------- booleans
        coalesce(is_deleted, false) as is_deleted,

        ---------- timestamps
        created_date as contact_created_at,
        system_modstamp as contact_updated_at

    from source

)

select * from final
