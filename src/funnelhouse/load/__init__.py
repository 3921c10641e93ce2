"""Loading into the raw layer: one dlt pipeline per source, into its own raw schema."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Callable

from funnelhouse import settings, warehouse

log = logging.getLogger(__name__)

# With Airflow installed, dlt also looks every config key up as an Airflow
# Variable (one metadata query each, seconds per load). Credentials come from
# Airflow connections, never from Variables: turn that provider off. Set at
# import, because a source resolves its config before `pipeline()` runs.
os.environ.setdefault("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "false")


@dataclass(frozen=True)
class LoadSummary:
    source: str
    load_id: str | None
    rows: dict[str, int]

    def __str__(self) -> str:
        streams = ", ".join(f"{table}={count}" for table, count in sorted(self.rows.items())) or "no rows"
        return f"{self.source}: {streams}"


def configure_dlt() -> None:
    """dlt settings that hold for every load: no telemetry, fast uncompressed files.

    Arrow tables keep dlt's default of no `_dlt_id`: a random unique id per row
    costs a rewrite of every Parquet file and a unique index that dominated the
    load of 1M ad stat rows, and nothing reads it (their keys are their columns).
    """
    settings.disable_telemetry()
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")


def destination(dsn: str | None = None) -> Any:
    """dlt's PostgreSQL destination, with the counted merge of `load.postgres`."""
    from funnelhouse.load.postgres import raw_postgres

    return raw_postgres(credentials=warehouse.normalise(dsn or warehouse.url()))


def pipeline(source_name: str, dsn: str | None = None) -> Any:
    import dlt

    configure_dlt()
    return dlt.pipeline(
        pipeline_name=f"funnelhouse_{source_name}",
        destination=destination(dsn),
        dataset_name=settings.RAW_SCHEMAS[source_name],
        pipelines_dir=str(settings.home() / "dlt"),
    )


def run(
    source_name: str, source: Any, dsn: str | None = None,
    quarantined: Callable[[], dict[str, int]] | None = None,
) -> LoadSummary:
    """Extract, normalise and load one source; data and cursor state commit together.

    Every load is written to the ledger (`audit.load_ledger`): rows per table,
    and how many lines of each went to quarantine instead (`quarantined` is
    asked after extraction, when the counts are known).
    """
    pipe = pipeline(source_name, dsn)
    info = pipe.run(source)
    info.raise_on_failed_jobs()
    counts = pipe.last_trace.last_normalize_info.row_counts if pipe.last_trace.last_normalize_info else {}
    rows = {table: count for table, count in counts.items() if not table.startswith("_dlt")}
    summary = LoadSummary(source_name, info.loads_ids[-1] if info.loads_ids else None, rows)
    record_ledger(summary, quarantined() if quarantined else {}, dsn)
    log.info("loaded %s", summary)
    return summary


def record_ledger(summary: LoadSummary, quarantined: dict[str, int], dsn: str | None = None) -> None:
    from psycopg2 import sql

    tables = sorted(set(summary.rows) | set(quarantined))
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        for table in tables:
            cur.execute(
                sql.SQL(
                    "insert into {}.load_ledger (load_id, source, table_name, rows_loaded, rows_quarantined) "
                    "values (%s, %s, %s, %s, %s)"
                ).format(sql.Identifier(settings.AUDIT_SCHEMA)),
                (summary.load_id, summary.source, table, summary.rows.get(table, 0), quarantined.get(table, 0)),
            )
