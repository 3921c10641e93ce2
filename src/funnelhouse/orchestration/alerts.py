"""The alerting hook every task gets as `on_failure_callback`.

It always logs one line naming the DAG, task, run and error. If an Airflow
connection `funnelhouse_alerts` exists, it also POSTs that as JSON to the
connection's host (a Slack/Teams/PagerDuty-style incoming webhook URL).
Exception messages are already free of secrets (see sources/http.py); the
webhook URL itself is never logged.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

log = logging.getLogger(__name__)

ALERTS_CONNECTION = "funnelhouse_alerts"


def alert_payload(context: dict[str, Any]) -> dict[str, Any]:
    ti = context.get("task_instance") or context.get("ti")
    error = context.get("exception")
    return {
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": context.get("run_id") or getattr(ti, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": str(error)[:4000] if error else None,
        "text": f"funnelhouse: {getattr(ti, 'dag_id', '?')}.{getattr(ti, 'task_id', '?')} failed: "
                + (str(error).splitlines()[0][:300] if error else "no exception recorded"),
    }


def on_failure(context: dict[str, Any]) -> None:
    payload = alert_payload(context)
    log.error("%s (run %s)", payload["text"], payload["run_id"])
    url = _webhook_url()
    if not url:
        return
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except Exception as exc:  # an alert that cannot be sent must not mask the task's own failure
        log.warning("could not deliver the failure alert to the %s webhook: %s", ALERTS_CONNECTION, type(exc).__name__)


def _webhook_url() -> str | None:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(ALERTS_CONNECTION)
    except AirflowNotFoundException:
        return None
    host = conn.host or ""
    if not host:
        return None
    if "://" not in host:
        host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
    return host
