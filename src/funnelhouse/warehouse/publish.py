"""Publish: make an audited build visible to BI in one atomic step.

The marts are copied from the build schema into a fresh schema, and in the
same transaction that schema takes the published name. A BI query sees all
old marts or all new ones, never a mix; a failure anywhere rolls back and
leaves the previous published marts as they were.
"""

from __future__ import annotations

import json
import logging

from psycopg2 import sql

from funnelhouse import settings, warehouse
from funnelhouse.warehouse.layout import grant_published

log = logging.getLogger(__name__)


def publish(run_id: str, models: tuple[str, ...] = settings.PUBLISHED_MODELS, dsn: str | None = None) -> dict[str, int]:
    published = settings.PUBLISHED_SCHEMA
    incoming, outgoing = f"{published}__incoming", f"{published}__outgoing"
    counts: dict[str, int] = {}
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('funnelhouse.publish'))")
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(incoming)))
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(incoming)))
        for model in models:
            cur.execute(
                sql.SQL("create table {}.{} as table {}.{}").format(
                    sql.Identifier(incoming), sql.Identifier(model),
                    sql.Identifier(settings.BUILD_SCHEMA), sql.Identifier(model),
                )
            )
            cur.execute(sql.SQL("select count(*) from {}.{}").format(sql.Identifier(incoming), sql.Identifier(model)))
            counts[model] = cur.fetchone()[0]
        grant_published(cur, incoming)
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(outgoing)))
        cur.execute("select 1 from pg_namespace where nspname = %s", (published,))
        if cur.fetchone():
            cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(published), sql.Identifier(outgoing)))
        cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(incoming), sql.Identifier(published)))
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(outgoing)))
        cur.execute(
            sql.SQL("insert into {}.publish_log (run_id, models, row_counts) values (%s, %s, %s)").format(
                sql.Identifier(settings.AUDIT_SCHEMA)
            ),
            (run_id, list(models), json.dumps(counts)),
        )
    log.info("published %s", ", ".join(f"{m} ({n} rows)" for m, n in counts.items()))
    return counts
