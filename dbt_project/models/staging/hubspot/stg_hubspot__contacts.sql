{%- set raw = source('hubspot', 'contacts') -%}

with

source as (

    -- the columns read directly; no table yet (a warehouse fed only
    -- by the file import) is an empty relation
    {{ source_or_empty('hubspot', 'contacts', [
        ('id', 'text'),
        ('archived', 'boolean'),
        ('created_at', 'timestamptz'),
        ('updated_at', 'timestamptz'),
    ], all_columns=true) }}

),

final as (

    select

        ----------  ids
        {{ clean_text('id') }} as contact_id,
        {{ clean_text(column_or_null(raw, 'hubspot_owner_id')) }} as owner_id,
        {{ clean_text(column_or_null(raw, 'associatedcompanyid')) }}
            as company_id,
        {{ clean_text(column_or_null(raw, 'hs_merged_object_ids')) }}
            as merged_contact_ids,

        ---------- strings
        {{ clean_text(column_or_null(raw, 'email')) }} as email,
        md5(lower({{ clean_text(column_or_null(raw, 'email')) }}))
            as email_hash,
        {{ clean_text(column_or_null(raw, 'firstname')) }} as first_name,
        {{ clean_text(column_or_null(raw, 'lastname')) }} as last_name,
        lower({{ clean_text(column_or_null(raw, 'lifecyclestage')) }})
            as lifecycle_stage,
        {{ clean_text(column_or_null(raw, 'hs_analytics_source')) }}
            as original_source,
        {{ clean_text(column_or_null(raw, 'hs_analytics_source_data_1')) }}
            as original_source_detail_1,
        {{ clean_text(column_or_null(raw, 'hs_analytics_source_data_2')) }}
            as original_source_detail_2,
        {{ clean_text(column_or_null(raw, 'utm_source')) }} as utm_source,
        {{ clean_text(column_or_null(raw, 'utm_medium')) }} as utm_medium,
        {{ clean_text(column_or_null(raw, 'utm_campaign')) }} as utm_campaign,

        ---------- booleans
        coalesce(archived, false) as is_archived,

        ---------- timestamps
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'createdate')) }},
            created_at
        ) as contact_created_at,
        coalesce(
            {{ text_to_timestamp(column_or_null(raw, 'lastmodifieddate')) }},
            updated_at
        ) as contact_updated_at,
        {{ text_to_timestamp(
            column_or_null(raw, 'hs_lifecyclestage_lead_date')
        ) }} as lead_at,
        {{ text_to_timestamp(
            column_or_null(raw, 'hs_lifecyclestage_marketingqualifiedlead_date')
        ) }} as mql_at,
        {{ text_to_timestamp(
            column_or_null(raw, 'hs_lifecyclestage_salesqualifiedlead_date')
        ) }} as sql_at,
        {{ text_to_timestamp(
            column_or_null(raw, 'hs_lifecyclestage_opportunity_date')
        ) }} as opportunity_at,
        {{ text_to_timestamp(
            column_or_null(raw, 'hs_lifecyclestage_customer_date')
        ) }} as customer_at

    from source

)

select * from final
