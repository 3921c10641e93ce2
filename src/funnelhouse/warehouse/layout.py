"""Schemas, the read-only BI role, and the grants that keep BI on published marts only."""

from __future__ import annotations

import os

from psycopg2 import sql

from funnelhouse import settings, warehouse

AUDIT_DDL = """
create table if not exists {audit}.expectation_results (
    run_id text not null,
    suite text not null,
    model text not null,
    expectation text not null,
    severity text not null,
    success boolean not null,
    observed_value text,
    details text,
    validated_at timestamptz not null default now()
);
create table if not exists {audit}.load_ledger (
    load_id text,
    source text not null,
    table_name text not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null default 0,
    loaded_at timestamptz not null default now()
);
create table if not exists {audit}.publish_log (
    run_id text not null,
    published_at timestamptz not null default now(),
    models text[] not null,
    row_counts jsonb not null
);
"""


def bi_password() -> str | None:
    if os.environ.get("FUNNELHOUSE_BI_PASSWORD"):
        return os.environ["FUNNELHOUSE_BI_PASSWORD"]
    if warehouse.is_external():
        return None
    from funnelhouse.warehouse import embedded

    state = embedded.load_state()
    return state.bi_password if state else None


def bootstrap(dsn: str | None = None) -> None:
    """Create the schemas and the BI role; safe to run any number of times."""
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        # Serialise concurrent bootstraps (parallel DAG tasks) on one advisory lock.
        cur.execute("select pg_advisory_xact_lock(hashtext('funnelhouse.bootstrap'))")
        for schema in (settings.BUILD_SCHEMA, settings.PUBLISHED_SCHEMA, settings.AUDIT_SCHEMA):
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        cur.execute(AUDIT_DDL.format(audit=settings.AUDIT_SCHEMA))
        cur.execute("select 1 from pg_roles where rolname = %s", (settings.BI_ROLE,))
        role = sql.Identifier(settings.BI_ROLE)
        if cur.fetchone() is None:
            cur.execute(sql.SQL("create role {} nologin").format(role))
        password = bi_password()
        if password:
            cur.execute(sql.SQL("alter role {} login password {}").format(role, sql.Literal(password)))
        cur.execute("select current_database()")
        database = cur.fetchone()[0]
        cur.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role))
        cur.execute(sql.SQL("revoke all on schema public from {}").format(role))
        grant_published(cur, settings.PUBLISHED_SCHEMA)


def grant_published(cur, schema: str) -> None:
    role = sql.Identifier(settings.BI_ROLE)
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), role))
    cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(schema), role))


def bi_url() -> str:
    """A connection string for the read-only BI role."""
    password = bi_password()
    if not password:
        raise RuntimeError("no BI password: set FUNNELHOUSE_BI_PASSWORD (external warehouses) and rerun bootstrap")
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(warehouse.url())
    netloc = f"{settings.BI_ROLE}:{quote(password, safe='')}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
