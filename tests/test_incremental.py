"""An incremental build and a full refresh over the same data give identical marts.

The raw layer the pipeline loaded is copied into schemas of this test's own;
dbt builds the marts from the copy (into `incr_incremental`), the copy then
changes the way sources change it (a new day, a restated day inside the
lookback, a row and a whole old partition gone, a lead archived, a campaign
renamed and an old deal's amount corrected, both outside any window, new
leads), and the same build runs again incrementally. A `--full-refresh`
build over the changed copy goes into `incr_full`; every published mart must
match row for row.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from funnelhouse import settings, transform

from test_pipeline import fingerprint

pytestmark = pytest.mark.slow

COPY_PREFIX = "incr_"
INCREMENTAL_SCHEMA, FULL_SCHEMA = "incr_incremental", "incr_full"
# Models and seeds only: data tests do not change what is built.
BUILD_ARGS = ("--exclude-resource-type", "test", "unit_test")


def copy_raw(sql) -> dict[str, str]:
    """Every raw table into `incr_<raw schema>`; returns {source: copy schema}."""
    copies = {}
    for source, schema in settings.RAW_SCHEMAS.items():
        copy = COPY_PREFIX + schema
        sql(f"drop schema if exists {copy} cascade; create schema {copy}")
        for (table,) in sql("select table_name from information_schema.tables where table_schema = %s", (schema,)):
            sql(f'create table {copy}."{table}" as table {schema}."{table}"')
        copies[source] = copy
    return copies


def change_like_the_sources(sql, raw: dict[str, str]) -> dict[str, object]:
    """What the next extract brings; returns facts the marts must then show."""
    google, meta, hubspot = raw["google_ads"], raw["meta_ads"], raw["hubspot"]
    last_day = sql(f"select max(date) from {google}.campaign_stats")[0][0]
    # A new day on every platform: yesterday's rows, one click more.
    for schema in (raw["google_ads"], raw["meta_ads"], raw["linkedin_ads"], raw["microsoft_ads"]):
        sql(f"""
            create temp table next_day as
                select * from {schema}.campaign_stats where date = (select max(date) from {schema}.campaign_stats);
            update next_day set date = date + 1, clicks = clicks + 1;
            insert into {schema}.campaign_stats select * from next_day;
            drop table next_day
        """)
    # Restated inside the lookback: late conversions and a cost correction.
    sql(f"update {google}.campaign_stats set conversions = conversions + 2, cost_micros = cost_micros + 1500000 "
        f"where date = %s", (last_day - timedelta(days=3),))
    sql(f"update {meta}.campaign_stats set spend = spend + 1.25 where date = (select max(date) - 2 from {meta}.campaign_stats)")
    # One campaign's row of a recent day gone (refunded invalid traffic), and a whole old Meta day.
    sql(f"delete from {google}.campaign_stats where ctid = (select min(ctid) from {google}.campaign_stats where date = %s)",
        (last_day - timedelta(days=4),))
    sql(f"delete from {meta}.campaign_stats where date = (select min(date) + 100 from {meta}.campaign_stats)")
    # Outside every window: a campaign renamed, an old won deal's amount corrected.
    sql(f"update {google}.campaigns set campaign_name = campaign_name || ' (renamed)' "
        f"where campaign_id = (select min(campaign_id) from {google}.campaigns)")
    sql(f"""update {hubspot}.deals set amount = (amount::numeric * 2)::text
            where id = (select min(id) from {hubspot}.deals where dealstage = 'closedwon' and amount <> '')""")
    # A lead archived; two new leads created on the new day.
    archived = sql(f"""select min(id) from {hubspot}.contacts
                       where not archived and lifecyclestage = 'lead' and created_at < %s - 200""", (last_day,))[0][0]
    sql(f"update {hubspot}.contacts set archived = true, archived_at = now() where id = %s", (archived,))
    sql(f"""
        create temp table new_leads as
            select * from {hubspot}.contacts
            where not archived and lifecyclestage = 'lead' order by created_at desc limit 2;
        update new_leads set
            id = id || '0', email = 'new.' || id || '@example.com',
            created_at = %(day)s::timestamp + interval '10 hours',
            updated_at = %(day)s::timestamp + interval '10 hours',
            createdate = to_char(%(day)s::timestamp + interval '10 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            lastmodifieddate = to_char(%(day)s::timestamp + interval '10 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
        insert into {hubspot}.contacts select * from new_leads;
        drop table new_leads
    """, {"day": last_day + timedelta(days=1)})
    return {"new_day": last_day + timedelta(days=1), "archived_lead": f"hubspot:{archived}"}


def describe_differences(sql, models: list[str]) -> str:
    """A few rows only one of the two builds holds, per differing mart."""
    lines = []
    for model in models:
        for left, right in ((INCREMENTAL_SCHEMA, FULL_SCHEMA), (FULL_SCHEMA, INCREMENTAL_SCHEMA)):
            rows = sql(f"select t::text from (table {left}.{model} except all table {right}.{model}) t limit 4")
            count = sql(f"select count(*) from (table {left}.{model} except all table {right}.{model}) t")[0][0]
            lines.append(f"{model}: {count} rows only in {left}, e.g. " + "; ".join(row for (row,) in rows))
    return "\n".join(lines)


def build(schema: str, tmp_path, *args: str) -> None:
    transform.run("build", *BUILD_ARGS, *args, schema=schema, target=tmp_path / schema)


def test_incremental_build_equals_a_full_refresh(pipeline_run, sql, tmp_path, monkeypatch):
    raw = copy_raw(sql)
    monkeypatch.setattr(settings, "RAW_SCHEMAS", raw)
    try:
        build(INCREMENTAL_SCHEMA, tmp_path)
        before = fingerprint(sql, INCREMENTAL_SCHEMA)
        facts = change_like_the_sources(sql, raw)

        build(INCREMENTAL_SCHEMA, tmp_path)
        build(FULL_SCHEMA, tmp_path, "--full-refresh")

        incremental, full = fingerprint(sql, INCREMENTAL_SCHEMA), fingerprint(sql, FULL_SCHEMA)
        assert set(incremental) == set(settings.PUBLISHED_MODELS)
        differing = [model for model in settings.PUBLISHED_MODELS if incremental[model] != full[model]]
        assert not differing, f"incremental and full refresh differ: {describe_differences(sql, differing)}"
        # The changes reached the incremental marts (the comparison is not of two stale builds).
        for model in ("fct_ad_spend_daily", "fct_leads", "fct_deals", "fct_funnel_daily"):
            assert incremental[model] != before[model], model
        assert sql(f"select max(date_day) from {INCREMENTAL_SCHEMA}.fct_ad_spend_daily")[0][0] == facts["new_day"]
        assert not sql(f"select 1 from {INCREMENTAL_SCHEMA}.fct_leads where lead_id = %s", (facts["archived_lead"],))
    finally:
        for schema in (*raw.values(), INCREMENTAL_SCHEMA, FULL_SCHEMA):
            sql(f"drop schema if exists {schema} cascade")
