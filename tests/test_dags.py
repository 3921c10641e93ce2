"""DAG integrity: every file imports, and every DAG follows the house rules."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
EXTRACT = {f"funnelhouse_extract_{source}" for source in ("hubspot", "google_ads", "meta_ads", "linkedin_ads",
                                                          "microsoft_ads")}
EXPECTED = {*EXTRACT, "funnelhouse_transform"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == EXPECTED


def test_every_task_retries_at_least_twice_with_backoff_and_alerts_on_failure(dagbag):
    from funnelhouse.orchestration.alerts import on_failure

    for dag in dagbag.dags.values():
        for t in dag.tasks:
            assert t.retries >= 2, f"{dag.dag_id}.{t.task_id} retries {t.retries}"
            assert t.retry_exponential_backoff, f"{dag.dag_id}.{t.task_id} has no exponential backoff"
            callbacks = t.on_failure_callback if isinstance(t.on_failure_callback, list) else [t.on_failure_callback]
            assert on_failure in callbacks, f"{dag.dag_id}.{t.task_id} has no failure alert"


def test_every_dag_is_tagged_documented_and_has_a_utc_start(dagbag):
    for dag in dagbag.dags.values():
        assert "funnelhouse" in dag.tags
        assert dag.doc_md and dag.doc_md.strip()
        assert dag.start_date.utcoffset().total_seconds() == 0
        assert dag.catchup is False


def test_extract_dags_use_a_data_interval_timetable_and_produce_assets(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    from funnelhouse.orchestration.dag_support import RAW_ASSETS

    for dag_id in sorted(EXTRACT):
        dag = dagbag.dags[dag_id]
        source = dag_id.rsplit("_extract_", 1)[1]
        # A plain cron gives a zero-width interval in Airflow 3: loads would read nothing.
        assert isinstance(dag.timetable, CronDataIntervalTimetable)
        outlets = [o for t in dag.tasks for o in t.outlets]
        assert [o.uri for o in outlets] == [f"funnelhouse://warehouse/raw_{source}"]
        assert RAW_ASSETS[source].name == f"raw_{source}"


def test_ad_platform_extracts_run_in_their_api_pool(dagbag):
    from funnelhouse.orchestration.dag_support import POOLS

    for source, pool in POOLS.items():
        tasks = dagbag.dags[f"funnelhouse_extract_{source}"].tasks
        assert [t.pool for t in tasks] == [pool.name] and pool.name == f"{source}_api" and pool.slots >= 1


def test_transform_waits_for_every_raw_asset_and_publishes_after_audit(dagbag):
    dag = dagbag.dags["funnelhouse_transform"]
    condition = dag.timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"  # every source, not any one of them
    uris = {asset.uri for asset in condition.objects}
    assert uris == {"funnelhouse://warehouse/raw_hubspot", "funnelhouse://warehouse/raw_google_ads"}
    assert dag.get_task("publish").upstream_task_ids == {"audit"}
    assert dag.get_task("audit").upstream_task_ids == {"dbt_build"}


def test_dag_files_stay_thin(dagbag):
    heavy = ("great_expectations", "dlt", "dbt", "psycopg2", "pyarrow")
    for path in DAGS_DIR.glob("*.py"):
        top_level = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        for line in top_level:
            assert not any(f" {mod}" in line for mod in heavy), f"{path.name}: heavy import at parse time: {line}"
