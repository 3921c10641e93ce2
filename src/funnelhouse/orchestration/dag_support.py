"""What the Airflow DAGs share: assets, default arguments, connection ids.

Kept import-cheap: DAG files import this at parse time.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset

START_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
DAILY_CRON = "0 0 * * *"

# Airflow connection ids; `AIRFLOW_CONN_<ID>` environment variables work too.
CONNECTIONS = {
    "hubspot": "funnelhouse_hubspot",
    "google_ads": "funnelhouse_google_ads",
    "warehouse": "funnelhouse_warehouse",
}

RAW_ASSETS = {
    source: Asset(name=f"raw_{source}", uri=f"funnelhouse://warehouse/raw_{source}")
    for source in ("hubspot", "google_ads")
}
PUBLISHED_MARTS = Asset(name="published_marts", uri="funnelhouse://warehouse/marts")


def default_args() -> dict:
    from funnelhouse.orchestration.alerts import on_failure

    return {
        "owner": "funnelhouse",
        "retries": int(os.environ.get("FUNNELHOUSE_TASK_RETRIES", "2")),
        "retry_delay": timedelta(seconds=float(os.environ.get("FUNNELHOUSE_RETRY_DELAY_SECONDS", "300"))),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(hours=1),
        "on_failure_callback": on_failure,
    }
