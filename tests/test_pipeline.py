"""The whole pipeline through the real DAGs (`dag.test()`), the sandbox APIs
over HTTP, dlt, dbt, Great Expectations and a real PostgreSQL.

The tests in this module run in order on one warehouse: first run, the
headline numbers checked against raw data, an identical rerun, then a
planted fault that the audit must stop before it reaches BI.
"""

from __future__ import annotations

import re
from datetime import datetime

import psycopg2
import pytest

from funnelhouse import settings
from funnelhouse.demo import DEMO_LOGICAL_DATE, EXTRACT_DAGS, TRANSFORM_DAG, DagRunFailed, run_pipeline
from funnelhouse.report import scorecard
from funnelhouse.warehouse import layout

pytestmark = pytest.mark.slow
MARTS = settings.PUBLISHED_MODELS


def fingerprint(sql, schema: str = settings.PUBLISHED_SCHEMA) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent hash of every row, per mart."""
    prints = {}
    for model in MARTS:
        rows = sql(
            f"select count(*), md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) "
            f"from {schema}.{model} t"
        )
        prints[model] = rows[0]
    return prints


def test_first_run_loads_every_stream_and_publishes_every_mart(pipeline_run, sandbox, sql):
    assert set(pipeline_run) == {*EXTRACT_DAGS, TRANSFORM_DAG}
    company = sandbox.company
    # Every record the APIs hold up to the end of the interval arrived, across many pages.
    until = DEMO_LOGICAL_DATE
    expected_contacts = sum(
        1 for c in company.hubspot.contacts
        if not c.archived and datetime.fromisoformat(c.updated_at.replace("Z", "+00:00")) < until
    )
    assert sql("select count(*) from raw_hubspot.contacts where not archived")[0][0] == expected_contacts
    assert sql("select count(*) from raw_google_ads.campaign_stats")[0][0] == len(company.google_ads.stats)
    for model in MARTS:
        assert sql(f"select count(*) from {settings.PUBLISHED_SCHEMA}.{model}")[0][0] > 0, model
    transform_run = pipeline_run[TRANSFORM_DAG]
    assert sql("select count(*) from audit.publish_log where run_id = %s", (transform_run,))[0][0] == 1
    results = sql("select model, bool_and(success) from audit.expectation_results where run_id = %s group by model", (transform_run,))
    assert {model for model, _ in results} == set(MARTS)
    assert all(ok for _, ok in results)


INDEPENDENT_HEADLINE = """
with ad_spend as (
    -- every ad platform's raw daily spend, in its account currency
    select s.date as day, s.cost_micros::numeric / 1000000 as spend, c.currency_code
    from raw_google_ads.campaign_stats s join raw_google_ads.customers c using (customer_id)
    union all
    select s.date, s.spend, a.currency_code from raw_meta_ads.campaign_stats s join raw_meta_ads.accounts a using (account_id)
    union all
    select s.date, s.spend, a.currency_code from raw_linkedin_ads.campaign_stats s join raw_linkedin_ads.accounts a using (account_id)
    union all
    select s.date, s.spend, a.currency_code from raw_microsoft_ads.campaign_stats s join raw_microsoft_ads.accounts a using (account_id)
),
bounds as (
    select (date_trunc('month', max(day)) - interval '5 months')::date as first_day, max(day) as last_day
    from (
        select day from ad_spend where spend > 0
        union all
        select (created_at at time zone 'UTC')::date from raw_hubspot.contacts where not archived
        union all
        select (created_date at time zone 'UTC')::date from raw_salesforce.leads where not is_deleted
    ) activity
),
rate_on as (
    -- usd_per_unit for a currency on a day: that day's rate or the latest of the 7 days before
    select c.currency_code, d::date as day,
           case when c.currency_code = 'USD' then 1 else (
               select r.usd_per_unit from build.fx_rates r
               where r.currency_code = c.currency_code and r.rate_date <= d::date and r.rate_date >= d::date - 7
               order by r.rate_date desc limit 1) end as usd_per_unit
    from (select distinct currency_code from ad_spend
          union select distinct deal_currency_code from raw_hubspot.deals where deal_currency_code <> ''
          union select distinct currency_iso_code from raw_salesforce.opportunities) c,
         bounds b, generate_series(b.first_day - 200, b.last_day, interval '1 day') d
),
spend as (
    select sum(s.spend * r.usd_per_unit) as spend
    from ad_spend s
    join rate_on r on r.currency_code = s.currency_code and r.day = s.day, bounds b
    where s.day between b.first_day and b.last_day
),
leads as (
    -- HubSpot contacts; Salesforce leads, and contacts not converted from a lead
    select count(*) as leads from (
        select created_at from raw_hubspot.contacts where not archived
        union all
        select created_date from raw_salesforce.leads where not is_deleted
        union all
        select created_date from raw_salesforce.contacts
        where not is_deleted and id not in (
            select converted_contact_id from raw_salesforce.leads
            where not is_deleted and converted_contact_id is not null)
    ) l, bounds b
    where (l.created_at at time zone 'UTC')::date between b.first_day and b.last_day
),
won as (
    select d.id, d.amount::numeric as amount, d.deal_currency_code as currency_code,
           (d.closedate::timestamptz at time zone 'UTC')::date as closed_day
    from raw_hubspot.deals d
    join raw_hubspot.deal_pipeline_stages st on st.stage_id = d.dealstage and st.pipeline_id = d.pipeline
    where not d.archived and st.is_closed = 'true' and st.probability::numeric = 1
    union all
    select o.id, o.amount, o.currency_iso_code, o.close_date
    from raw_salesforce.opportunities o where o.is_won and not o.is_deleted
),
won_revenue as (
    select sum(w.amount * r.usd_per_unit) as won_revenue
    from won w join rate_on r on r.currency_code = w.currency_code and r.day = w.closed_day, bounds b
    where w.closed_day between b.first_day and b.last_day
),
first_wins as (
    select 'hubspot:' || dc.company_id as account, min(w.closed_day) as first_day
    from won w join raw_hubspot.deal_companies dc on dc.deal_id = w.id
    group by 1
    union all
    select 'salesforce:' || o.account_id, min(o.close_date)
    from raw_salesforce.opportunities o where o.is_won and not o.is_deleted
    group by 1
),
new_customers as (
    select count(*) as new_customers from first_wins f, bounds b where f.first_day between b.first_day and b.last_day
)
select spend, leads, won_revenue, new_customers from spend, leads, won_revenue, new_customers
"""


def test_hubspot_leads_take_their_first_sales_touch_from_the_engagements(pipeline_run, sandbox, sql):
    """fct_leads' first touch of each HubSpot lead equals the earliest sales touch among its
    loaded engagements, worked out here from the sandbox's own records."""
    def moment(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    hub = sandbox.company.hubspot
    created = {c.id: moment(c.properties["createdate"]) for c in hub.contacts if not c.archived}
    expected: dict[str, datetime] = {}
    for kind, records in hub.engagements.items():
        loaded = {i for (i,) in sql(f"select id from raw_hubspot.{kind} where not archived")}
        assert loaded, f"no {kind} loaded"
        for record in records:
            props = record.properties
            if record.id not in loaded or not props["hubspot_owner_id"] or props.get("hs_email_direction") == "INCOMING_EMAIL":
                continue
            if kind == "meetings" and (props["hs_meeting_outcome"] or "COMPLETED") != "COMPLETED":
                continue
            if kind == "tasks" and props["hs_task_status"] != "COMPLETED":
                continue
            at = moment(props["hs_task_completion_date"] if kind == "tasks" else props["hs_timestamp"])
            for contact in hub.associations[(kind, "contacts")][record.id]:
                if contact in created and at >= created[contact]:
                    expected[contact] = min(expected.get(contact, at), at)
    rows = sql(f"select source_lead_id, first_sales_touch_at, speed_to_lead_hours, has_sales_touch_tracking "
               f"from {settings.PUBLISHED_SCHEMA}.fct_leads where source_system = 'hubspot'")
    assert rows and all(tracked for *_, tracked in rows)
    touched = {lead: first for lead, first, _, _ in rows if first is not None}
    assert touched == {lead: at for lead, at in expected.items() if lead in {r[0] for r in rows}}
    assert 0.7 < len(touched) / len(rows) < 0.95  # most leads are worked, not all
    for lead, first, hours, _ in rows:
        if first is not None:
            assert abs(float(hours) - (first - created[lead]).total_seconds() / 3600) < 1e-6


def test_headline_numbers_equal_an_independent_computation_over_raw(pipeline_run, sql):
    spend, leads, won_revenue, new_customers = sql(INDEPENDENT_HEADLINE)[0]
    headline = scorecard.headline()
    assert len(headline["months"]) == 6
    assert headline["leads"] == leads
    assert headline["new_customers"] == new_customers
    # Converted amounts are summed unrounded; compare to the cent.
    assert round(headline["spend"], 2) == round(spend, 2)
    assert round(headline["won_revenue"], 2) == round(won_revenue, 2)
    assert headline["spend"] > 0 and headline["won_revenue"] > 0


def test_metricflow_answers_with_the_same_numbers_as_the_marts(pipeline_run, sql):
    import subprocess
    import sys
    from pathlib import Path

    funnelhouse = str(Path(sys.executable).parent / "funnelhouse")
    out = subprocess.run(
        [funnelhouse, "metrics", "query", "--metrics", "spend,leads", "--group-by", "metric_time__month",
         "--order", "metric_time__month", "--csv", "/dev/stdout"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {line.split(",")[0][:7]: line.split(",")[1:] for line in out.stdout.splitlines() if line[:2] == "20"}
    marts = sql(f"select to_char(date_day, 'YYYY-MM'), sum(spend), sum(leads) from {settings.PUBLISHED_SCHEMA}.fct_funnel_daily "
                "group by 1 order by 1")
    assert len(rows) >= 24
    for month, spend, leads in marts:
        if month in rows:
            assert round(float(rows[month][0]), 2) == round(float(spend), 2), month
            assert int(float(rows[month][1])) == leads, month


def test_scorecard_renders_every_month_and_channel(pipeline_run):
    text = scorecard.scorecard()
    assert "paid_search" in text and "organic_search" in text
    assert text.count("\n") > 15


def assert_bi_reads(expected_rows: int) -> None:
    conn = psycopg2.connect(layout.bi_url())
    try:
        with conn.cursor() as cur:
            cur.execute(f"select count(*), count(*) filter (where spend < 0) from {settings.PUBLISHED_SCHEMA}.fct_ad_spend_daily")
            assert cur.fetchone() == (expected_rows, 0)
    finally:
        conn.close()


@pytest.fixture
def alert_webhook(monkeypatch):
    """A local webhook receiver wired up as the `funnelhouse_alerts` connection."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AIRFLOW_CONN_FUNNELHOUSE_ALERTS",
                       json.dumps({"conn_type": "http", "host": f"http://127.0.0.1:{server.server_port}/hook"}))
    yield received
    server.shutdown()


def test_a_missing_fx_rate_fails_the_build_naming_currency_and_date(pipeline_run, sandbox, sql, alert_webhook):
    before = fingerprint(sql)
    customer = sql("select customer_id from raw_google_ads.customers where currency_code = 'EUR' limit 1")[0][0]
    # An account re-created in a currency the rate table does not cover.
    sql("update raw_google_ads.customers set currency_code = 'JPY' where customer_id = %s", (customer,))
    try:
        with pytest.raises(DagRunFailed, match=TRANSFORM_DAG):
            run_pipeline(sandbox, say=lambda line: None, dag_ids=(TRANSFORM_DAG,))
    finally:
        sql("update raw_google_ads.customers set currency_code = 'EUR' where customer_id = %s", (customer,))
    assert fingerprint(sql) == before
    assert [(a["dag_id"], a["task_id"]) for a in alert_webhook] == [(TRANSFORM_DAG, "dbt_build")]
    error = alert_webhook[0]["error"]
    assert "assert_fx_coverage" in error
    assert "JPY" in error and re.search(r"20\d\d-\d\d-\d\d", error)


def test_bad_raw_data_fails_the_build_and_rerunning_the_interval_restores_the_same_numbers(pipeline_run, sandbox, sql):
    before = fingerprint(sql)
    raw_counts = {t: sql(f"select count(*) from {t}")[0][0]
                  for t in ("raw_hubspot.contacts", "raw_hubspot.deals", "raw_google_ads.campaign_stats")}
    last_day = sql("select max(date) from raw_google_ads.campaign_stats")[0][0]
    # A negative spend inside the lookback window, as a broken feed would deliver.
    sql("update raw_google_ads.campaign_stats set cost_micros = -5000000 "
        "where ctid = (select ctid from raw_google_ads.campaign_stats where date = %s limit 1)", (last_day,))

    with pytest.raises(DagRunFailed, match=TRANSFORM_DAG):
        run_pipeline(sandbox, say=lambda line: None, dag_ids=(TRANSFORM_DAG,))
    assert fingerprint(sql) == before
    assert_bi_reads(before["fct_ad_spend_daily"][0])

    # Rerunning the same interval re-reads the lookback window and replaces the bad partition;
    # everything else loads exactly as before (no duplicates), and the same numbers are published.
    run_pipeline(sandbox, say=lambda line: None)
    assert sql("select count(*) from raw_google_ads.campaign_stats where cost_micros < 0")[0][0] == 0
    assert {t: sql(f"select count(*) from {t}")[0][0] for t in raw_counts} == raw_counts
    assert fingerprint(sql) == before


def test_a_failed_audit_blocks_publish_and_names_what_broke(pipeline_run, sandbox, sql, alert_webhook):
    before = fingerprint(sql)
    audited_until = sql("select max(validated_at) from audit.expectation_results")[0][0]
    # A fan-out bug in a model: one Google Ads spend row duplicated in the build the audit checks.
    sql(f"insert into {settings.BUILD_SCHEMA}.fct_ad_spend_daily "
        f"select * from {settings.BUILD_SCHEMA}.fct_ad_spend_daily where platform = 'google_ads' "
        f"order by date_day desc limit 1")

    # The transform DAG over that build: the audit fails, publish never runs.
    with pytest.raises(DagRunFailed, match=TRANSFORM_DAG):
        run_pipeline(sandbox, say=lambda line: None, dag_ids=(TRANSFORM_DAG,), skip_tasks="dbt_build")
    assert fingerprint(sql) == before
    assert_bi_reads(before["fct_ad_spend_daily"][0])
    # The failure hook alerted once, naming the task and what broke; the audit is not retried.
    assert [(a["dag_id"], a["task_id"]) for a in alert_webhook] == [(TRANSFORM_DAG, "audit")]
    message = alert_webhook[0]["error"]
    assert "fct_ad_spend_daily" in message
    assert "expect_column_values_to_be_unique(column=ad_spend_id)" in message
    assert "equal the raw Google Ads data (cost_micros / 10^6) to the cent" in message
    assert "Data Docs: file://" in message
    recorded = dict(sql("select expectation, observed_value from audit.expectation_results "
                        "where validated_at > %s and not success", (audited_until,)))
    # Both copies of the duplicated row are unexpected.
    assert recorded["expect_column_values_to_be_unique(column=ad_spend_id)"] == "2"

    # With the bad row gone, the next run's audit passes and publishes the same numbers again.
    sql(f"delete from {settings.BUILD_SCHEMA}.fct_ad_spend_daily a using {settings.BUILD_SCHEMA}.fct_ad_spend_daily b "
        f"where a.ad_spend_id = b.ad_spend_id and a.ctid > b.ctid")
    published = sql("select count(*) from audit.publish_log")[0][0]
    run_pipeline(sandbox, say=lambda line: None, dag_ids=(TRANSFORM_DAG,), skip_tasks="dbt_build")
    assert sql("select count(*) from audit.publish_log")[0][0] == published + 1
    assert fingerprint(sql) == before


def test_a_stale_source_blocks_the_audit(pipeline_run, sql):
    from funnelhouse import validate

    sql("update raw_hubspot.contacts set _extracted_at = _extracted_at - interval '3 days'")
    try:
        with pytest.raises(validate.AuditFailed, match="HubSpot was loaded within the last 36 hours"):
            validate.audit("planted-stale")
    finally:
        sql("update raw_hubspot.contacts set _extracted_at = _extracted_at + interval '3 days'")
    assert validate.audit("after-stale").blocking_failures == []


def test_a_source_that_stopped_loading_blocks_the_audit(pipeline_run, sql):
    from funnelhouse import validate

    sql("update audit.load_ledger set loaded_at = loaded_at - interval '3 days' where source = 'meta_ads'")
    try:
        with pytest.raises(validate.AuditFailed, match=r"every API source .*\(freshness\)") as failure:
            validate.audit("planted-stale-meta")
        assert "meta_ads" in str(failure.value)
    finally:
        sql("update audit.load_ledger set loaded_at = loaded_at + interval '3 days' where source = 'meta_ads'")


def test_a_broken_attribution_weight_blocks_the_audit(pipeline_run, sql):
    from funnelhouse import validate

    build = settings.BUILD_SCHEMA
    deal, model = sql(f"select deal_id, attribution_model from {build}.fct_attribution_touches limit 1")[0]
    sql(f"update {build}.fct_attribution_touches set weight = weight / 2 "
        f"where ctid = (select ctid from {build}.fct_attribution_touches where deal_id = %s and attribution_model = %s limit 1)",
        (deal, model))
    with pytest.raises(validate.AuditFailed, match="fct_attribution_touches: weights sum to exactly 1 per deal and model") as failure:
        validate.audit("planted-weight")
    assert deal in str(failure.value)


def test_published_marts_carry_no_plain_email(pipeline_run, sql):
    columns = sql("select table_name, column_name from information_schema.columns where table_schema = %s",
                  (settings.PUBLISHED_SCHEMA,))
    assert columns
    assert [c for c in columns if "email" in c[1] and c[1] != "email_hash"] == []
    assert sql(f"select count(*) from {settings.PUBLISHED_SCHEMA}.fct_leads where email_hash like '%%@%%'")[0][0] == 0
    assert sql(f"select count(*) from {settings.PUBLISHED_SCHEMA}.fct_leads where email_hash is not null")[0][0] > 0
