with

file_touchpoints as (

    select * from {{ ref('stg_files__touchpoints') }}

),

files as (

    select
        {{ crm_id('files', 'touchpoint_id') }} as touchpoint_id,
        'files' as source_system,
        touchpoint_id as source_touchpoint_id,
        {{ crm_id('files', 'lead_id') }} as lead_id,
        utm_source,
        utm_medium,
        utm_campaign,
        touched_at

    from file_touchpoints

),

final as (

    select * from files

)

select * from final
