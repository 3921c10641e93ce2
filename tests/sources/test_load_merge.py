"""The partition replace of Arrow stats (`funnelhouse.load.postgres`) against the real warehouse:
a load SIGKILLed right after its staging COPY committed, then resumed, stages the file twice;
the merge notices and ends exactly where an undisturbed load ends. Tables created when Arrow
rows still carried `_dlt_id` take the new rows."""

from __future__ import annotations

import multiprocessing as mp
import shutil
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest

SCHEMA = "raw_merge_check"
PIPELINE = "funnelhouse_merge_check"
EXTRACTED = datetime(2026, 11, 29, tzinfo=timezone.utc)
COLUMNS = "customer_id, campaign_id, date, impressions, clicks, cost_micros, conversions, conversions_value"


def stats_rows(days: range, clicks_bonus: int = 0, dropped: tuple = ()) -> list[tuple]:
    rows = []
    for customer in ("111", "222"):
        for campaign in ("7", "8", "9"):
            for day in days:
                key = (customer, campaign, date(2026, 11, 1) + timedelta(days=day))
                if key not in dropped:
                    clicks = day + int(campaign) + clicks_bonus
                    rows.append((*key, clicks * 10, clicks, clicks * 1_000_000, clicks / 4, clicks * 2.5))
    return sorted(rows)


def pipeline(dsn: str):
    import dlt

    from funnelhouse import load, settings

    load.configure_dlt()
    return dlt.pipeline(pipeline_name=PIPELINE, destination=load.destination(dsn), dataset_name=SCHEMA,
                        pipelines_dir=str(settings.home() / "dlt"))


def stats_table(rows: list[tuple]) -> pa.Table:
    from funnelhouse.sources.google_ads import STATS_SCHEMA

    names = COLUMNS.split(", ")
    return pa.table({**{name: [r[i] for r in rows] for i, name in enumerate(names)},
                     "_extracted_at": [EXTRACTED] * len(rows)}, schema=STATS_SCHEMA)


def load_rows(dsn: str, rows: list[tuple]) -> None:
    import dlt

    from funnelhouse.sources.google_ads import STATS_HINTS

    pipeline(dsn).run(dlt.resource([stats_table(rows)], **STATS_HINTS)).raise_on_failed_jobs()


def load_then_die_after_staging(dsn: str, rows: list[tuple]) -> None:
    """The child: SIGKILLs itself the moment the staging COPY has committed, before dlt records the job."""
    import os
    import signal

    from funnelhouse.load import postgres

    copy = postgres.StreamedParquetCopy.run

    def copy_then_die(self) -> None:
        copy(self)
        os.kill(os.getpid(), signal.SIGKILL)

    postgres.StreamedParquetCopy.run = copy_then_die
    load_rows(dsn, rows)


@pytest.fixture
def fresh(sql):
    from funnelhouse import settings

    def reset() -> None:
        sql(f"drop schema if exists {SCHEMA}, {SCHEMA}_staging cascade")
        shutil.rmtree(settings.home() / "dlt" / PIPELINE, ignore_errors=True)

    reset()
    yield reset
    reset()


def test_a_load_killed_after_its_staging_copy_resumes_to_exactly_the_undisturbed_rows(fresh, sql, dsn):
    history = stats_rows(range(10))
    dropped = (("222", "8", date(2026, 11, 9)),)
    restated = stats_rows(range(6, 10), clicks_bonus=5, dropped=dropped)  # the lookback re-read: 4 days
    expected = sorted([r for r in history if r[2] < date(2026, 11, 7)] + restated)

    load_rows(dsn, history)
    child = mp.get_context("spawn").Process(target=load_then_die_after_staging, args=(dsn, restated))
    child.start()
    child.join(timeout=300)
    assert child.exitcode == -9, f"the loading child ended with {child.exitcode}, not by SIGKILL"
    # The staged rows committed; the partitions they replace did not change.
    assert sql(f"select count(*) from {SCHEMA}_staging.campaign_stats")[0][0] == len(restated)
    assert sql(f"select {COLUMNS} from {SCHEMA}.campaign_stats order by 1, 2, 3") == history

    pipe = pipeline(dsn)
    assert len(pipe.list_normalized_load_packages()) == 1
    pipe.load().raise_on_failed_jobs()  # resumes the package: the COPY runs again
    assert sql(f"select count(*) from {SCHEMA}_staging.campaign_stats")[0][0] == 2 * len(restated)
    assert sql(f"select {COLUMNS} from {SCHEMA}.campaign_stats order by 1, 2, 3") == expected

    fresh()  # the same two loads, undisturbed
    load_rows(dsn, history)
    load_rows(dsn, restated)
    assert sql(f"select {COLUMNS} from {SCHEMA}.campaign_stats order by 1, 2, 3") == expected
    assert sql(f"select count(*) from {SCHEMA}_staging.campaign_stats")[0][0] == len(restated)


def test_a_table_whose_rows_carried_dlt_id_takes_the_new_rows(fresh, sql, dsn, monkeypatch):
    """Raw stats created when Arrow rows still got a `_dlt_id` (NOT NULL, UNIQUE) are replaced as usual."""
    import dlt

    from funnelhouse import settings
    from funnelhouse.sources.google_ads import STATS_HINTS

    history = stats_rows(range(5))
    restated = stats_rows(range(3, 5), clicks_bonus=2)
    with monkeypatch.context() as before:
        before.setenv("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")
        old = dlt.pipeline(pipeline_name=PIPELINE, destination=dlt.destinations.postgres(credentials=dsn),
                           dataset_name=SCHEMA, pipelines_dir=str(settings.home() / "dlt"))
        old.run(dlt.resource([stats_table(history)], **{**STATS_HINTS, "file_format": "csv"})).raise_on_failed_jobs()
    assert sql(f"select count(_dlt_id) from {SCHEMA}.campaign_stats")[0][0] == len(history)

    load_rows(dsn, restated)
    expected = sorted([r for r in history if r[2] < date(2026, 11, 4)] + restated)
    assert sql(f"select {COLUMNS} from {SCHEMA}.campaign_stats order by 1, 2, 3") == expected
    assert sql("select count(*) from pg_constraint where conrelid = any(%s::regclass[]) and contype = 'u'",
               ([f"{SCHEMA}.campaign_stats", f"{SCHEMA}_staging.campaign_stats"],))[0][0] == 0
