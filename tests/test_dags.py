"""DAG integrity: every file imports, and every DAG follows the house rules."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
SOURCES = ("hubspot", "google_ads", "meta_ads", "linkedin_ads", "microsoft_ads", "salesforce")
EXTRACT = {f"funnelhouse_extract_{source}" for source in SOURCES}
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


def test_every_extract_task_runs_in_a_vendor_pool_that_migrate_creates(dagbag, dsn):
    """Each extract DAG's API tasks: a pool `migrate()` creates, retries with exponential
    backoff, its raw asset as outlet, and a data-interval timetable."""
    from airflow.models.pool import Pool
    from airflow.sdk import Asset, CronDataIntervalTimetable

    from funnelhouse.orchestration import local
    from funnelhouse.orchestration.dag_support import POOLS

    local.migrate()
    for pool in POOLS.values():  # a metadata database without the vendor pools, as before they existed
        if Pool.get_pool(pool.name) is not None:
            Pool.delete_pool(pool.name)
    local.migrate()
    created = {pool.pool: pool.slots for pool in Pool.get_pools()}

    assert set(POOLS) == {dag_id.rsplit("_extract_", 1)[1] for dag_id in EXTRACT}
    for dag_id in sorted(EXTRACT):
        dag = dagbag.dags[dag_id]
        source = dag_id.rsplit("_extract_", 1)[1]
        assert isinstance(dag.timetable, CronDataIntervalTimetable), dag_id
        assert dag.tasks, dag_id
        for t in dag.tasks:
            where = f"{dag_id}.{t.task_id}"
            assert t.pool == POOLS[source].name == f"{source}_api", f"{where} runs in pool {t.pool}"
            assert created.get(t.pool, 0) >= 1, f"{where}: pool {t.pool} not created by migrate()"
            assert created[t.pool] == POOLS[source].slots
            assert t.retries >= 2 and t.retry_exponential_backoff, f"{where}: retries {t.retries}, no backoff"
            assert [type(o) for o in t.outlets] == [Asset], f"{where}: outlets {t.outlets}"


def test_transform_waits_for_every_raw_asset_and_publishes_after_audit(dagbag):
    dag = dagbag.dags["funnelhouse_transform"]
    condition = dag.timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"  # every source, not any one of them
    uris = {asset.uri for asset in condition.objects}
    assert uris == {f"funnelhouse://warehouse/raw_{source}" for source in SOURCES}
    assert dag.get_task("publish").upstream_task_ids == {"audit"}
    assert dag.get_task("audit").upstream_task_ids == {"dbt_build"}


def test_a_deployment_extracts_only_the_sources_it_names(monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("FUNNELHOUSE_SOURCES", " salesforce, Meta_Ads ")
    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    assert set(bag.dags) == {"funnelhouse_extract_salesforce", "funnelhouse_extract_meta_ads", "funnelhouse_transform"}
    condition = bag.dags["funnelhouse_transform"].timetable.asset_condition
    assert {asset.uri for asset in condition.objects} == {"funnelhouse://warehouse/raw_salesforce",
                                                          "funnelhouse://warehouse/raw_meta_ads"}

    # A misspelt source is an import error naming it, not a silently missing DAG.
    monkeypatch.setenv("FUNNELHOUSE_SOURCES", "hubspot,google_adds")
    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert set(bag.import_errors) == {str(path) for path in DAGS_DIR.glob("*.py")}
    assert all("unknown source(s) google_adds; known: hubspot, google_ads" in error
               for error in bag.import_errors.values())


def test_dag_files_stay_thin(dagbag):
    heavy = ("great_expectations", "dlt", "dbt", "psycopg2", "pyarrow")
    for path in DAGS_DIR.glob("*.py"):
        top_level = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        for line in top_level:
            assert not any(f" {mod}" in line for mod in heavy), f"{path.name}: heavy import at parse time: {line}"
