"""Load throughput of the raw layer's high-volume path against a plain COPY.

Streams N synthetic Google Ads stat rows (default 1,000,000) in 50,000-row
Arrow chunks through the project's own load path (`load.destination` and the
campaign_stats resource hints: Parquet, merge, delete-insert on (customer,
day)) into an empty raw table, and, in the same run, the same rows as CSV
through a plain `COPY` into a fresh table. Each side runs in its own
process, so each peak RSS is its own.

    .venv/bin/python bench/load_throughput.py [--rows N]

Last line: ratio_vs_copy=<dlt rows/s ÷ COPY rows/s>. Target: >= 0.6.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import resource
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from queue import Empty
from typing import Iterator

CHUNK = 50_000
DROP_SCHEMAS = "drop schema if exists bench_dlt, bench_dlt_staging, bench_copy cascade"
CUSTOMERS, CAMPAIGNS = 10, 137


def chunks(rows: int) -> Iterator["pa.Table"]:  # noqa: F821
    """Deterministic stats rows with a unique (customer, campaign, day) key."""
    import numpy as np
    import pyarrow as pa

    from funnelhouse.sources.google_ads import STATS_SCHEMA

    epoch = date(2024, 1, 1)
    extracted = datetime(2026, 11, 29, tzinfo=timezone.utc)
    customer_ids = np.array([f"{1000000000 + c}" for c in range(CUSTOMERS)], dtype=object)
    campaign_ids = np.array([f"{5000 + c}" for c in range(CAMPAIGNS)], dtype=object)
    for start in range(0, rows, CHUNK):
        i = np.arange(start, min(start + CHUNK, rows))
        days = (i // (CUSTOMERS * CAMPAIGNS)).astype("int32") + (epoch - date(1970, 1, 1)).days
        clicks = (i * 7919) % 500
        yield pa.table(
            {
                "customer_id": customer_ids[i % CUSTOMERS],
                "campaign_id": campaign_ids[(i // CUSTOMERS) % CAMPAIGNS],
                "date": pa.array(days, pa.date32()),
                "impressions": clicks * 20 + 7,
                "clicks": clicks,
                "cost_micros": clicks * 1_230_000,
                "conversions": (clicks % 11) / 4.0,
                "conversions_value": (clicks % 11) * 37.5,
                "_extracted_at": pa.array([extracted] * len(i), pa.timestamp("us", tz="UTC")),
            },
            schema=STATS_SCHEMA,
        )


def run_dlt(rows: int, dsn: str, queue: mp.Queue) -> None:
    import dlt

    from funnelhouse import load
    from funnelhouse.sources.google_ads import STATS_HINTS

    load.configure_dlt()
    with tempfile.TemporaryDirectory(prefix="funnelhouse-bench-") as pipelines_dir:
        pipe = dlt.pipeline(
            pipeline_name=f"bench_load_{time.time_ns()}",
            destination=load.destination(dsn),
            dataset_name="bench_dlt",
            pipelines_dir=pipelines_dir,
        )
        started = time.perf_counter()
        info = pipe.run(dlt.resource(chunks(rows), **STATS_HINTS))
        elapsed = time.perf_counter() - started
    formats = sorted({job.job_file_info.file_format for package in info.load_packages
                      for job in package.jobs["completed_jobs"] if not job.job_file_info.table_name.startswith("_dlt")})
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, ",".join(formats)))


def run_copy(rows: int, dsn: str, queue: mp.Queue) -> None:
    import psycopg2
    import pyarrow.csv as pacsv

    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("drop table if exists bench_copy.campaign_stats; create schema if not exists bench_copy")
        cur.execute(
            "create table bench_copy.campaign_stats (customer_id text, campaign_id text, date date, impressions bigint,"
            " clicks bigint, cost_micros bigint, conversions double precision, conversions_value double precision,"
            " _extracted_at timestamptz)"
        )
    started = time.perf_counter()
    with conn, conn.cursor() as cur:
        for table in chunks(rows):
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
            buffer.seek(0)
            cur.copy_expert("copy bench_copy.campaign_stats from stdin with (format csv)", buffer)
    elapsed = time.perf_counter() - started
    conn.close()
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "csv"))


def measure(target, rows: int, dsn: str) -> tuple[float, int, str]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(rows, dsn, queue))
    proc.start()
    while True:
        try:
            result = queue.get(timeout=1)
            break
        except Empty:
            if not proc.is_alive():
                raise SystemExit(f"{target.__name__} failed (exit code {proc.exitcode}); its traceback is above")
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    from funnelhouse import settings, warehouse

    settings.disable_telemetry()
    dsn = warehouse.url()
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(DROP_SCHEMAS)

    copy_s, copy_rss, _ = measure(run_copy, args.rows, dsn)
    dlt_s, dlt_rss, formats = measure(run_dlt, args.rows, dsn)
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from bench_dlt.campaign_stats")
        loaded = cur.fetchone()[0]
        cur.execute(DROP_SCHEMAS)
    assert loaded == args.rows, f"dlt loaded {loaded} of {args.rows} rows"

    print(f"rows={args.rows} chunk={CHUNK}")
    print(f"copy:        {copy_s:7.2f} s  {args.rows / copy_s:10,.0f} rows/s  peak_rss={copy_rss / 1024:.0f} MiB")
    print(f"funnelhouse: {dlt_s:7.2f} s  {args.rows / dlt_s:10,.0f} rows/s  peak_rss={dlt_rss / 1024:.0f} MiB  file_format={formats}")
    print(f"ratio_vs_copy={copy_s / dlt_s:.2f}")


if __name__ == "__main__":
    main()
