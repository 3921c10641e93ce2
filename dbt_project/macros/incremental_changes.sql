{#
    The filter an incremental model puts on its final select so that a run
    (re)writes exactly the keys it must, and a table built incrementally run
    after run always equals a full refresh over the same data:

    - every key in the lookback window (dbt var `incremental_lookback_days`,
      as long as the extract lookback), measured back from the latest
      `window_column` already built: the platforms restate these days, and a
      restated key is rewritten whole, so a row that disappeared from it
      disappears from the mart too;
    - every key whose rows are new or differ from the built ones, on any
      documented column: history imported late, an FX rate imported for an
      old day, a renamed campaign, an edited channel seed. Each side of a
      key is summarised by its row count and the sum of a 64-bit hash of
      each row's text, so the comparison is one hash aggregate per side
      (the keys are few) instead of a set difference of every row, and a
      value that prints differently (0.5 vs 0.50) counts as changed.

    Keys whose rows vanished from the source entirely are removed by the
    `delete_vanished_keys` post-hook. The model's documented columns (its
    YAML) are the comparison; when the built table lacks one of them (a new
    column), or when it documents none, every key is rewritten. Use with
    `incremental_strategy='delete+insert'` and `unique_key=key_columns`.

    candidates:    the CTE holding every row of a full refresh
    key_columns:   the columns of the unit that is rewritten whole
    window_column: the date column the lookback window is measured on, or none
#}
{% macro incremental_changes(candidates, key_columns, window_column=none) -%}
    {%- if is_incremental() -%}
        {%- set columns = model.columns.keys() | list -%}
        {%- set built = [] -%}
        {%- for column in adapter.get_columns_in_relation(this) -%}
            {%- do built.append(column.name | lower) -%}
        {%- endfor -%}
        {%- set missing = [] -%}
        {%- for column in columns -%}
            {%- if column | lower not in built -%}
                {%- do missing.append(column) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if columns and not missing %}
    where ({{ key_columns | join(', ') }}) in (
        {%- if window_column %}
        select {{ key_columns | join(', ') }}
        from {{ candidates }}
        where {{ window_column }} >= (
            select
                {{ dbt.dateadd(
                    'day',
                    -1 * var('incremental_lookback_days'),
                    'max(' ~ window_column ~ ')',
                ) }}
            from {{ this }}
        )

        union

        {%- endif %}
        select {{ key_columns | join(', ') }}
        from (
            {{ _rows_checksum(candidates, key_columns, columns) }}
        ) as candidate
        left join (
            {{ _rows_checksum(this, key_columns, columns) }}
        ) as built using ({{ key_columns | join(', ') }})
        where
            built.row_count is null
            or candidate.row_count <> built.row_count
            or candidate.row_checksum <> built.row_checksum
    )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#
    Per key: how many rows, and the sum of a 64-bit hash of each row's text
    over `columns` (numeric sums cannot overflow). Used by
    `incremental_changes` on both the candidates and the built table.
#}
{% macro _rows_checksum(relation, key_columns, columns) -%}
    select
        {{ key_columns | join(', ') }},
        count(*) as row_count,
        sum(hashtextextended(cast(row({{ columns | join(', ') }}) as text), 0))
            as row_checksum
    from {{ relation }}
    group by {{ key_columns | join(', ') }}
{%- endmacro %}


{#
    Post-hook of an incremental model: delete the keys that no longer exist
    upstream (an archived lead, a deleted deal, a partition a file import
    no longer carries). delete+insert can only replace keys that still have
    rows; this removes the others, so incremental equals full refresh.

    upstream:    the relation whose keys are the truth
    key_columns: the key columns, named alike in both relations
#}
{% macro delete_vanished_keys(upstream, key_columns) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as built
    where not exists (
        select 1
        from {{ upstream }} as upstream
        where
        {%- for column in key_columns %}
            {{ 'and ' if not loop.first -}}
            upstream.{{ column }} = built.{{ column }}
        {%- endfor %}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
