"""Runs the dbt project in dbt_project/ against the warehouse's build schema."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from funnelhouse import settings, warehouse

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    pass


@dataclass(frozen=True)
class DbtResult:
    command: str
    counts: dict[str, int]
    failures: list[str]

    def __str__(self) -> str:
        return f"dbt {self.command}: " + ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))


def project_dir() -> Path:
    return settings.project_root() / "dbt_project"


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
            "FUNNELHOUSE_RAW_HUBSPOT_SCHEMA": settings.RAW_SCHEMAS["hubspot"],
            "FUNNELHOUSE_RAW_GOOGLE_ADS_SCHEMA": settings.RAW_SCHEMAS["google_ads"],
            "FUNNELHOUSE_RAW_FILES_SCHEMA": settings.RAW_SCHEMAS["files"],
        }
    )
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run(command: str = "build", *args: str, dsn: str | None = None, schema: str = settings.BUILD_SCHEMA) -> DbtResult:
    """Run one dbt command; raises DbtError naming every failed node."""
    target = settings.home() / "dbt" / "target"
    argv = [
        dbt_executable(), command,
        "--project-dir", str(project_dir()),
        "--profiles-dir", str(project_dir()),
        "--target-path", str(target),
        "--log-path", str(settings.home() / "dbt" / "logs"),
        *args,
    ]
    proc = subprocess.run(argv, env=dbt_env(dsn, schema), capture_output=True, text=True, cwd=project_dir())
    for line in proc.stdout.splitlines():
        log.info("%s", line)
    result = _read_results(command, target / "run_results.json")
    if proc.returncode != 0:
        detail = "\n".join(result.failures) or _tail(proc.stdout + proc.stderr)
        raise DbtError(f"dbt {command} failed:\n{detail}")
    return result


def _read_results(command: str, path: Path) -> DbtResult:
    if not path.exists():
        return DbtResult(command, {}, [])
    body = json.loads(path.read_text())
    counts: dict[str, int] = {}
    failures = []
    for res in body.get("results", []):
        counts[res["status"]] = counts.get(res["status"], 0) + 1
        if res["status"] in ("error", "fail"):
            message = (res.get("message") or "").strip().replace("\n", " ")
            failures.append(f"  {res['unique_id']}: {message[:500]}")
    return DbtResult(command, counts, failures)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
