"""Runs the dbt project in dbt_project/ against the warehouse's build schema."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from funnelhouse import settings, warehouse

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    pass


DEADLOCK = "deadlock detected"
# What a scheduled build runs: seeds, models and data tests. dbt's unit tests check the SQL, not
# the data, and do not change between runs; `make test` runs them (tests/test_dbt_project.py).
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")


@dataclass(frozen=True)
class DbtResult:
    command: str
    counts: dict[str, int]
    failures: list[str]
    failure_relations: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"dbt {self.command}: " + ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))


def project_dir() -> Path:
    return settings.project_root() / "dbt_project"


def target_dir() -> Path:
    return settings.home() / "dbt" / "target"


def dbt_env(dsn: str | None = None, schema: str = settings.BUILD_SCHEMA) -> dict[str, str]:
    """The profile reads its connection from these variables (see dbt_project/profiles.yml)."""
    parts = urlsplit(warehouse.normalise(dsn or warehouse.url()))
    env = dict(os.environ)
    settings.disable_telemetry()
    env.update(settings.TELEMETRY_OFF)
    env.update(
        {
            "FUNNELHOUSE_DBT_HOST": parts.hostname or "127.0.0.1",
            "FUNNELHOUSE_DBT_PORT": str(parts.port or 5432),
            "FUNNELHOUSE_DBT_USER": unquote(parts.username or ""),
            "FUNNELHOUSE_DBT_PASSWORD": unquote(parts.password or ""),
            "FUNNELHOUSE_DBT_DBNAME": parts.path.lstrip("/") or "funnelhouse",
            "FUNNELHOUSE_DBT_SCHEMA": schema,
        }
    )
    # Every source's raw schema, as the dbt sources read it (`FUNNELHOUSE_RAW_<SOURCE>_SCHEMA`).
    env.update({f"FUNNELHOUSE_RAW_{name.upper()}_SCHEMA": raw for name, raw in settings.RAW_SCHEMAS.items()})
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run(command: str = "build", *args: str, dsn: str | None = None, schema: str = settings.BUILD_SCHEMA,
        target: Path | None = None) -> DbtResult:
    """Run one dbt command; raises DbtError naming every failed node."""
    target = target or target_dir()
    where = [
        "--project-dir", str(project_dir()),
        "--profiles-dir", str(project_dir()),
        "--target-path", str(target),
        "--log-path", str(settings.home() / "dbt" / "logs"),
    ]
    proc = _dbt([dbt_executable(), command, *where, *args], dsn, schema)
    result = _read_results(command, target / "run_results.json")
    if proc.returncode != 0 and any(DEADLOCK in failure for failure in result.failures):
        # Parallel threads replacing views that share parents can deadlock in the catalog;
        # PostgreSQL aborts one of them. `dbt retry` reruns the failed nodes and what they skipped.
        log.warning("dbt %s: a node lost a deadlock in PostgreSQL; retrying the failed nodes once", command)
        proc = _dbt([dbt_executable(), "retry", *where], dsn, schema)
        result = _read_results(command, target / "run_results.json")
    if proc.returncode != 0:
        detail = "\n".join(result.failures) or _tail(proc.stdout + proc.stderr)
        samples = _failure_samples(result.failure_relations, dsn)
        raise DbtError(f"dbt {command} failed:\n{detail}" + (f"\n{samples}" if samples else ""))
    return result


def _dbt(argv: list[str], dsn: str | None, schema: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, env=dbt_env(dsn, schema), capture_output=True, text=True, cwd=project_dir())
    for line in proc.stdout.splitlines():
        log.info("%s", line)
    return proc


def _failure_samples(relations: list[str], dsn: str | None, limit: int = 5) -> str:
    """The first rows a failing test stored (tests with store_failures name what broke: currency, date...)."""
    lines = []
    for relation in relations:
        try:
            with warehouse.connect(dsn or warehouse.url()) as conn, conn.cursor() as cur:
                cur.execute(f"select * from {relation} limit {limit}")
                columns = [d[0] for d in cur.description]
                rows = cur.fetchall()
        except Exception:  # the sample only decorates the message; the failure stands without it
            continue
        lines.append(f"  rows failing {relation}:")
        lines.extend("    " + ", ".join(f"{c}={v}" for c, v in zip(columns, row)) for row in rows)
    return "\n".join(lines)


def _read_results(command: str, path: Path) -> DbtResult:
    if not path.exists():
        return DbtResult(command, {}, [])
    body = json.loads(path.read_text())
    counts: dict[str, int] = {}
    failures, relations = [], []
    for res in body.get("results", []):
        counts[res["status"]] = counts.get(res["status"], 0) + 1
        if res["status"] in ("error", "fail"):
            message = (res.get("message") or "").strip().replace("\n", " ")
            failures.append(f"  {res['unique_id']}: {message[:500]}")
            if res["status"] == "fail" and res.get("relation_name"):
                relations.append(res["relation_name"])
    return DbtResult(command, counts, failures, relations)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
