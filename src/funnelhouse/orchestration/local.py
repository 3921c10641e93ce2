"""Running the project's DAGs on this machine: `dag.test()` for the demo and
tests, `airflow standalone` for the UI. Airflow metadata lives in the
warehouse server's `airflow` database unless AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
says otherwise.

Airflow reads its configuration when first imported, so `configure()` must
run before anything imports airflow.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from funnelhouse import settings, warehouse

log = logging.getLogger(__name__)


def airflow_home() -> Path:
    path = Path(os.environ.get("AIRFLOW_HOME") or settings.home() / "airflow")
    path.mkdir(parents=True, exist_ok=True)
    return path


def configure(connections: dict[str, dict[str, Any]] | None = None) -> dict[str, str]:
    """Set the environment Airflow needs; returns what was set (values may be secret)."""
    import warnings

    settings.disable_telemetry()
    # A deprecation inside Airflow's own imports; nothing a user can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    env = {
        "AIRFLOW_HOME": str(airflow_home()),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.project_root() / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__API__PORT": os.environ.get("AIRFLOW__API__PORT", "8080"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    }
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        metadata = warehouse.url("airflow")
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata.replace("postgresql://", "postgresql+psycopg2://", 1)
    if not os.environ.get("AIRFLOW_CONN_FUNNELHOUSE_WAREHOUSE"):
        dsn = warehouse.url()
        env["AIRFLOW_CONN_FUNNELHOUSE_WAREHOUSE"] = json.dumps(_postgres_connection(dsn))
    for conn_id, body in (connections or {}).items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(body)
    os.environ.update(env)
    return env


def _postgres_connection(dsn: str) -> dict[str, Any]:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(dsn)
    return {
        "conn_type": "postgres",
        "host": parts.hostname,
        "port": parts.port,
        "login": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "schema": parts.path.lstrip("/"),
    }


def migrate() -> None:
    """Create or upgrade the Airflow metadata database (skipped when already current), then the pools."""
    from importlib.metadata import version

    stamp = airflow_home() / f".migrated-{version('apache-airflow-core')}"
    target = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if not (stamp.exists() and stamp.read_text() == _fingerprint(target)):
        airflow = Path(sys.executable).parent / "airflow"
        proc = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            raise RuntimeError("airflow db migrate failed:\n" + "\n".join(proc.stderr.splitlines()[-20:]))
        stamp.write_text(_fingerprint(target))
    ensure_pools()


def ensure_pools() -> list[tuple[str, int, bool]]:
    """Create the vendor API pools the DAGs name. A scheduler never runs a task whose pool is
    missing (dag.test() does not check); existing pools keep the size an operator gave them.
    Returns (pool, slots, created) per pool."""
    from airflow.models.pool import Pool

    from funnelhouse.orchestration.dag_support import POOLS

    outcome = []
    for pool in POOLS.values():
        existing = Pool.get_pool(pool.name)
        if existing is None:
            Pool.create_or_update_pool(pool.name, pool.slots, pool.description, include_deferred=False)
        outcome.append((pool.name, pool.slots if existing is None else existing.slots, existing is None))
    return outcome


def _fingerprint(target: str) -> str:
    return warehouse.redact(target)


def load_dags() -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.project_root() / "dags"))
    if bag.import_errors:
        raise RuntimeError("DAG import errors:\n" + "\n".join(f"{k}: {v}" for k, v in bag.import_errors.items()))
    return bag.dags


def run_dag(dag: Any, logical_date: datetime, skip_tasks: str | None = None) -> Any:
    """Run a whole DAG in-process; returns the DagRun (check its state: a failed run does not raise)."""
    return dag.test(logical_date=logical_date, run_after=logical_date, mark_success_pattern=skip_tasks)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]
