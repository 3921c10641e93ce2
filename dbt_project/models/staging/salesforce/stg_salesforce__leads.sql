{%- set columns = [
    ('id', 'text'),
    ('owner_id', 'text'),
    ('converted_account_id', 'text'),
    ('converted_contact_id', 'text'),
    ('converted_opportunity_id', 'text'),
    ('master_record_id', 'text'),
    ('email', 'text'),
    ('first_name', 'text'),
    ('last_name', 'text'),
    ('company', 'text'),
    ('country', 'text'),
    ('status', 'text'),
    ('lead_source', 'text'),
    ('utm_source_c', 'text'),
    ('utm_medium_c', 'text'),
    ('utm_campaign_c', 'text'),
    ('is_converted', 'boolean'),
    ('is_deleted', 'boolean'),
    ('created_date', 'timestamptz'),
    ('system_modstamp', 'timestamptz'),
    ('mql_date_c', 'timestamptz'),
    ('sql_date_c', 'timestamptz'),
    ('converted_date', 'date'),
] -%}

with

source as (

    -- no table yet (a warehouse without Salesforce) is an empty relation
    {{ source_or_empty('salesforce', 'leads', columns) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as lead_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('converted_account_id') }} as converted_account_id,
        {{ clean_text('converted_contact_id') }} as converted_contact_id,
        {{ clean_text('converted_opportunity_id') }}
            as converted_opportunity_id,
        {{ clean_text('master_record_id') }} as master_record_id,

        ---------- strings
        {{ clean_text('email') }} as email,
        md5(lower({{ clean_text('email') }})) as email_hash,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('company') }} as company_name,
        {{ clean_text('country') }} as country,
        {{ clean_text('status') }} as lead_status,
        {{ clean_text('lead_source') }} as lead_source,
        {{ clean_text('utm_source_c') }} as utm_source,
        {{ clean_text('utm_medium_c') }} as utm_medium,
        {{ clean_text('utm_campaign_c') }} as utm_campaign,

        ---------- booleans
        coalesce(is_converted, false) as is_converted,
        coalesce(is_deleted, false) as is_deleted,

        ---------- timestamps
        created_date as lead_created_at,
        system_modstamp as lead_updated_at,
        mql_date_c as mql_at,
        sql_date_c as sql_at,
        converted_date

    from source

)

select * from final
