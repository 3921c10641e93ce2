"""Kill-and-rerun support: run an extract in a child process, SIGKILL it at a chosen
moment, and read back what dlt committed.

Run as a script, this file is the child: it reads a JSON spec on stdin (secrets
never go on the command line) and loads one source through `funnelhouse.load.run`,
the path the Airflow extract task takes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import psycopg2

# The children's PostgreSQL sessions carry this application name (libpq reads PGAPPNAME), so
# the tests tell a killed extract's backends from any other session.
EXTRACT_APP = f"funnelhouse-extract-child-of-{os.getpid()}"


def start_extract(source: str, config: dict[str, Any], until: datetime, dsn: str) -> subprocess.Popen:
    """The extract of `source` in a fresh Python process; `config` holds the config class's fields
    (`retry` as RetryPolicy fields)."""
    # stderr goes to a file: a full pipe would stall the child and pass for a pause
    errors = tempfile.TemporaryFile("w+")
    child = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=errors, text=True, env={**os.environ, "PGAPPNAME": EXTRACT_APP})
    child.errors = errors  # type: ignore[attr-defined]
    assert child.stdin is not None
    child.stdin.write(json.dumps({"source": source, "config": config, "until": until.isoformat(), "dsn": dsn}))
    child.stdin.close()
    return child


def errors(child: subprocess.Popen) -> str:
    child.errors.seek(0)  # type: ignore[attr-defined]
    return child.errors.read()[-3000:]  # type: ignore[attr-defined]


def finish(child: subprocess.Popen, timeout: float = 300) -> str:
    """Wait for a child that must succeed; its output, or its stderr in the failure."""
    child.wait(timeout=timeout)  # stdin is closed already, and stdout carries one line
    assert child.stdout is not None
    out = child.stdout.read()
    child.stdout.close()
    assert child.returncode == 0, f"extract failed ({child.returncode}):\n{errors(child)}"
    child.errors.close()  # type: ignore[attr-defined]
    return out


def run_extract(source: str, config: dict[str, Any], until: datetime, dsn: str) -> str:
    """A whole extract in a fresh process, as a rerun after a kill is."""
    return finish(start_extract(source, config, until, dsn))


def wait_for(condition: Callable[[], Any], what: str, child: subprocess.Popen, timeout: float = 120) -> Any:
    """Poll until `condition()` is truthy; fails if the child exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if child.poll() is not None:
            raise AssertionError(f"the extract ended ({child.returncode}) before {what}:\n{errors(child)}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def sigkill(child: subprocess.Popen) -> None:
    """SIGKILL: no cleanup, no finally blocks, no atexit; as an OOM kill or a lost worker."""
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    if child.stdout is not None:
        child.stdout.close()
    child.errors.close()  # type: ignore[attr-defined]


@contextlib.contextmanager
def table_locked(dsn: str, table: str) -> Iterator[Callable[[], list[int]]]:
    """Hold an EXCLUSIVE lock on `table` until the block ends: reads go on, writes wait (as behind
    a long maintenance job).

    Yields a function listing the extract's backends waiting for the lock. On exit the lock
    is released and the sessions of a killed extract are waited out: PostgreSQL rolls back
    their open transactions when it finds the client gone. A session still open after a grace
    period (seen: one left idle in its transaction) is ended as a server-side idle timeout
    would end it; its transaction is rolled back all the same."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(f"lock table {table} in exclusive mode")

            def blocked() -> list[int]:
                cur.execute("select pg_stat_clear_snapshot()")  # else the activity view stays as first read
                cur.execute("select l.pid from pg_locks l join pg_stat_activity a using (pid) "
                            "where not l.granted and l.relation = %s::regclass and a.application_name = %s",
                            (table, EXTRACT_APP))
                return sorted({pid for (pid,) in cur.fetchall()})

            yield blocked
    finally:
        conn.rollback()
        conn.close()
    check = psycopg2.connect(dsn)
    check.autocommit = True
    try:
        with check.cursor() as cur:
            for grace in (20, 20):
                deadline = time.monotonic() + grace
                while time.monotonic() < deadline:
                    cur.execute("select pid from pg_stat_activity where application_name = %s", (EXTRACT_APP,))
                    alive = [pid for (pid,) in cur.fetchall()]
                    if not alive:
                        return
                    time.sleep(0.1)
                cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name = %s",
                            (EXTRACT_APP,))
            raise AssertionError(f"sessions of the killed extract are still alive: {alive}")
    finally:
        check.close()


def raw_fingerprint(sql: Callable[..., list[tuple]], schema: str, tables: tuple[str, ...],
                    run_stamps: tuple[str, ...] = ()) -> dict[str, str]:
    """Every table's rows without load metadata (columns starting with `_`, and `run_stamps`:
    columns stamped with the time of the run), as a row count and an order-independent hash:
    equal fingerprints, equal data, duplicates included."""
    prints = {}
    for table in tables:
        columns = [c for (c,) in sql("select column_name from information_schema.columns where table_schema = %s "
                                     "and table_name = %s and column_name not like '\\_%%' order by 1", (schema, table))
                   if c not in run_stamps]
        cols = ", ".join(f'"{c}"' for c in columns)
        prints[table] = sql(f"select count(*) || ':' || md5(coalesce(string_agg(md5(row({cols})::text), '' "
                            f"order by md5(row({cols})::text)), '')) from {schema}.{table}")[0][0]
    return prints


def committed_state(sql: Callable[..., list[tuple]], schema: str, pipeline_name: str) -> dict[str, Any] | None:
    """The dlt state a fresh worker would restore: the newest one stored by a completed load."""
    from dlt.common.versioned_state import decompress_state

    if not sql("select 1 from information_schema.tables where table_schema = %s and table_name = '_dlt_loads'",
               (schema,)):
        return None
    rows = sql(f"select s.state from {schema}._dlt_pipeline_state s join {schema}._dlt_loads l "
               f"on l.load_id = s._dlt_load_id where s.pipeline_name = %s and l.status = 0 "
               f"order by l.load_id desc limit 1", (pipeline_name,))
    return decompress_state(rows[0][0]) if rows else None


def local_pipeline(pipeline_name: str) -> tuple[dict[str, Any] | None, int]:
    """The state in the pipeline's working directory, and how many normalized packages wait there
    to be loaded (what the next run on this worker loads before extracting)."""
    import dlt
    from dlt.pipeline.exceptions import CannotRestorePipelineException

    from funnelhouse import settings

    try:
        pipe = dlt.attach(pipeline_name=pipeline_name, pipelines_dir=str(settings.home() / "dlt"))
    except CannotRestorePipelineException:
        return None, 0
    return dict(pipe.state), len(pipe.list_normalized_load_packages())


def resource_state(state: dict[str, Any] | None, source: str, resource: str) -> dict[str, Any]:
    return ((state or {}).get("sources", {}).get(source, {}).get("resources", {}).get(resource)) or {}


def main() -> None:
    spec = json.load(sys.stdin)
    from funnelhouse import load
    from funnelhouse.sources.http import RetryPolicy

    config = dict(spec["config"])
    config["retry"] = RetryPolicy(**config.get("retry", {}))
    until = datetime.fromisoformat(spec["until"])
    if spec["source"] == "hubspot":
        from funnelhouse.sources.hubspot import HubSpotConfig, hubspot_source

        source = hubspot_source(HubSpotConfig(**config), until)
    elif spec["source"] == "google_ads":
        from funnelhouse.sources.google_ads import GoogleAdsConfig, google_ads_source

        source = google_ads_source(GoogleAdsConfig(**config), until)
    elif spec["source"] == "salesforce":
        from funnelhouse.sources.salesforce import SalesforceConfig, salesforce_source

        source = salesforce_source(SalesforceConfig(**config), until)
    else:
        raise SystemExit(f"no such source in this test helper: {spec['source']!r}")
    print(load.run(spec["source"], source, spec["dsn"]), flush=True)


if __name__ == "__main__":
    main()
