"""Loading into the raw layer: one dlt pipeline per source, into its own raw schema."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from funnelhouse import settings, warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadSummary:
    source: str
    load_id: str | None
    rows: dict[str, int]

    def __str__(self) -> str:
        streams = ", ".join(f"{table}={count}" for table, count in sorted(self.rows.items())) or "no rows"
        return f"{self.source}: {streams}"


def configure_dlt() -> None:
    """dlt settings that hold for every load: no telemetry, fast uncompressed files."""
    settings.disable_telemetry()
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")


def pipeline(source_name: str, dsn: str | None = None) -> Any:
    import dlt

    configure_dlt()
    return dlt.pipeline(
        pipeline_name=f"funnelhouse_{source_name}",
        destination=dlt.destinations.postgres(credentials=warehouse.normalise(dsn or warehouse.url())),
        dataset_name=settings.RAW_SCHEMAS[source_name],
        pipelines_dir=str(settings.home() / "dlt"),
    )


def run(source_name: str, source: Any, dsn: str | None = None) -> LoadSummary:
    """Extract, normalise and load one source; data and cursor state commit together."""
    pipe = pipeline(source_name, dsn)
    info = pipe.run(source)
    info.raise_on_failed_jobs()
    counts = pipe.last_trace.last_normalize_info.row_counts if pipe.last_trace.last_normalize_info else {}
    rows = {table: count for table, count in counts.items() if not table.startswith("_dlt")}
    summary = LoadSummary(source_name, info.loads_ids[-1] if info.loads_ids else None, rows)
    log.info("loaded %s", summary)
    return summary
