"""One warehouse per test run, shared fixtures for the expensive builds.

The test run gets its own funnelhouse home (embedded PostgreSQL, dlt state,
Airflow metadata) under .funnelhouse/test-run, wiped at the start, so tests
never touch the demo's warehouse. Airflow's environment is set here, before
anything imports Airflow.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# FUNNELHOUSE_TEST_HOME lets two test runs on one checkout keep apart.
TEST_HOME = Path(os.environ.get("FUNNELHOUSE_TEST_HOME") or ROOT / ".funnelhouse" / "test-run").resolve()
SANDBOX_SCALE = 0.5


def pytest_configure(config: pytest.Config) -> None:
    if config.option.collectonly:
        return
    os.environ.pop("FUNNELHOUSE_WAREHOUSE_URL", None)
    os.environ.pop("FUNNELHOUSE_SOURCES", None)  # every source's DAG, whatever the shell says
    for var in [v for v in os.environ if v.startswith("AIRFLOW")]:
        os.environ.pop(var)
    from funnelhouse import settings

    if TEST_HOME.exists():
        from funnelhouse.warehouse import embedded

        os.environ["FUNNELHOUSE_HOME"] = str(TEST_HOME)
        embedded.stop()
        shutil.rmtree(TEST_HOME)
    os.environ["FUNNELHOUSE_HOME"] = str(TEST_HOME)
    os.environ["FUNNELHOUSE_RETRY_DELAY_SECONDS"] = "1"
    settings.disable_telemetry()
    from funnelhouse.orchestration import local

    local.configure()


def pytest_unconfigure(config: pytest.Config) -> None:
    if os.environ.get("FUNNELHOUSE_HOME") == str(TEST_HOME):
        import sys

        from funnelhouse.warehouse import embedded

        if "airflow.settings" in sys.modules:  # close Airflow's pooled connections before the server goes
            sys.modules["airflow.settings"].dispose_orm()

        embedded.stop()


@pytest.fixture(scope="session")
def dsn() -> str:
    from funnelhouse import warehouse
    from funnelhouse.warehouse import layout

    url = warehouse.url()
    layout.bootstrap(url)
    return url


@pytest.fixture(scope="session")
def sandbox():
    from funnelhouse.sandbox import start_sandbox

    with start_sandbox(scale=SANDBOX_SCALE) as box:
        yield box


@pytest.fixture(scope="session")
def pipeline_run(dsn, sandbox) -> dict[str, str]:
    """The whole pipeline, once, from an empty raw layer: every extract DAG, then build → audit → publish."""
    from funnelhouse import settings, warehouse
    from funnelhouse.demo import run_pipeline

    # The connector tests before this leave their own companies' raw data and dlt state
    # (cursors, windows) behind; the pipeline starts where a new deployment does.
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        for schema in settings.RAW_SCHEMAS.values():
            cur.execute(f'drop schema if exists "{schema}" cascade')
    shutil.rmtree(settings.home() / "dlt", ignore_errors=True)
    return run_pipeline(sandbox, say=lambda line: None)


@pytest.fixture(scope="session")
def sql(dsn):
    """Run one statement as the warehouse owner; returns its rows."""
    from funnelhouse import warehouse

    def run(statement: str, params: tuple = ()) -> list[tuple]:
        with warehouse.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

    return run
