"""The embedded warehouse and the BI role, with real logins."""

from __future__ import annotations

import psycopg2
import pytest

from funnelhouse import settings, warehouse
from funnelhouse.warehouse import embedded, layout


def test_start_is_idempotent_and_listens_on_loopback_only(dsn):
    first = embedded.start()
    second = embedded.start()
    assert first == second
    assert embedded.is_running()
    assert "@127.0.0.1:" in dsn
    conf = (settings.home() / "pgdata" / "postgresql.conf").read_text()
    assert "listen_addresses = '127.0.0.1'" in conf


def test_password_is_generated_and_required(dsn):
    state = embedded.load_state()
    assert len(state.password) >= 24
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(state.url(password="wrong-password")).close()
    assert (settings.home() / "warehouse.json").stat().st_mode & 0o077 == 0


def test_redact_hides_the_password(dsn):
    state = embedded.load_state()
    assert state.password not in warehouse.redact(dsn)
    assert "***" in warehouse.redact(dsn)


def test_external_url_is_used_as_is_without_starting_anything(monkeypatch, dsn):
    monkeypatch.setenv("FUNNELHOUSE_WAREHOUSE_URL", dsn.replace("postgresql://", "postgres://"))
    assert warehouse.url() == dsn
    assert warehouse.url("airflow").endswith("/airflow")


def test_bootstrap_creates_the_schemas_and_is_repeatable(dsn, sql):
    layout.bootstrap(dsn)
    layout.bootstrap(dsn)
    schemas = {r[0] for r in sql("select nspname from pg_namespace")}
    assert {settings.BUILD_SCHEMA, settings.PUBLISHED_SCHEMA, settings.AUDIT_SCHEMA} <= schemas


def test_bi_role_reads_published_marts_only(pipeline_run, sql):
    conn = psycopg2.connect(layout.bi_url())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f"select count(*) from {settings.PUBLISHED_SCHEMA}.fct_funnel_daily")
            assert cur.fetchone()[0] > 0
            for table in ("raw_hubspot.contacts", "raw_google_ads.campaign_stats",
                          f"{settings.BUILD_SCHEMA}.fct_funnel_daily", f"{settings.AUDIT_SCHEMA}.expectation_results"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(f"select 1 from {table} limit 1")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"create table {settings.PUBLISHED_SCHEMA}.intruder (x int)")
    finally:
        conn.close()
