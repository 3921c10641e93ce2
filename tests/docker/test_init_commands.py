"""The compose stack's init job, run for real outside Docker: the same
`funnelhouse` and `airflow` commands against the test warehouse and Airflow
metadata database, so the stack adds no code path the tests do not run."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def metadata(dsn):
    from funnelhouse.orchestration import local

    local.migrate()


def test_vendor_connections_from_env_reach_airflow_without_printing_secrets(metadata, tmp_path):
    secret = "pat-na1-compose-init-secret"
    target = tmp_path / "connections.json"
    out = run("funnelhouse", "connections", "--output", str(target),
              env={"FUNNELHOUSE_HUBSPOT_TOKEN": secret, "FUNNELHOUSE_HUBSPOT_BASE_URL": "http://hubspot.internal:8701"})
    assert secret not in out.stdout + out.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["funnelhouse_hubspot"]["password"] == secret

    imported = run("airflow", "connections", "import", "--overwrite", str(target))
    assert secret not in imported.stdout + imported.stderr
    shown = json.loads(run("airflow", "connections", "get", "funnelhouse_hubspot", "-o", "json").stdout)
    assert shown[0]["host"] == "http://hubspot.internal:8701"


def test_pools_are_created_as_the_init_job_does(metadata):
    from funnelhouse.orchestration.dag_support import POOLS

    resized = POOLS["meta_ads"].name
    run("airflow", "pools", "set", resized, "1", "sized by an operator")
    out = run("funnelhouse", "pools").stdout
    pools = {pool["pool"]: pool for pool in json.loads(run("airflow", "pools", "list", "-o", "json").stdout)}
    for source, pool in POOLS.items():
        assert pool.name in out, source
        expected = 1 if pool.name == resized else pool.slots
        assert int(pools[pool.name]["slots"]) == expected, pool.name
    assert f"{resized}" in out and "kept" in out
    run("airflow", "pools", "set", resized, str(POOLS["meta_ads"].slots), POOLS["meta_ads"].description)


def test_warehouse_start_against_an_external_url_only_bootstraps(dsn, sql):
    out = run("funnelhouse", "warehouse", "start", env={"FUNNELHOUSE_WAREHOUSE_URL": dsn})
    assert "nothing to start" in out.stdout
    assert sql("select count(*) from pg_roles where rolname = 'funnelhouse_bi'")[0][0] == 1
