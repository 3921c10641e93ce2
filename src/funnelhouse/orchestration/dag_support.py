"""What the Airflow DAGs share: assets, default arguments, connection ids.

Kept import-cheap: DAG files import this at parse time.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from airflow.sdk import Asset, AssetAll

START_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
DAILY_CRON = "0 0 * * *"

# Airflow connection ids; `AIRFLOW_CONN_<ID>` environment variables work too.
CONNECTIONS = {
    "hubspot": "funnelhouse_hubspot",
    "google_ads": "funnelhouse_google_ads",
    "meta_ads": "funnelhouse_meta_ads",
    "linkedin_ads": "funnelhouse_linkedin_ads",
    "microsoft_ads": "funnelhouse_microsoft_ads",
    "salesforce": "funnelhouse_salesforce",
    "warehouse": "funnelhouse_warehouse",
}

# The API sources, each with an extract DAG `funnelhouse_extract_<source>`.
SOURCES = ("hubspot", "google_ads", "meta_ads", "linkedin_ads", "microsoft_ads", "salesforce")
RAW_ASSETS = {source: Asset(name=f"raw_{source}", uri=f"funnelhouse://warehouse/raw_{source}") for source in SOURCES}
PUBLISHED_MARTS = Asset(name="published_marts", uri="funnelhouse://warehouse/marts")


def enabled_sources() -> tuple[str, ...]:
    """The sources this deployment extracts: `FUNNELHOUSE_SOURCES` (comma-separated), else every one.

    Only their extract DAGs exist, and the transform waits for exactly their raw assets.
    """
    configured = os.environ.get("FUNNELHOUSE_SOURCES", "")
    chosen = tuple(dict.fromkeys(name.strip().lower() for name in configured.split(",") if name.strip()))
    unknown = [name for name in chosen if name not in SOURCES]
    if unknown:
        raise ValueError(f"FUNNELHOUSE_SOURCES names unknown source(s) {', '.join(unknown)}; "
                         f"known: {', '.join(SOURCES)}")
    return chosen or SOURCES


def all_raw_assets() -> AssetAll:
    """The transform's schedule: a fresh raw asset from every enabled source."""
    return AssetAll(*(RAW_ASSETS[source] for source in enabled_sources()))


class Pool(NamedTuple):
    name: str
    slots: int
    description: str


# One Airflow pool per vendor API, sized to what its rate limit tolerates at once
# (source -> pool). `orchestration.local.migrate()` creates the missing ones.
POOLS = {
    "hubspot": Pool("hubspot_api", 1, "HubSpot CRM API: search allows about 5 requests/s per token, shared by "
                    "every run with that token"),
    "google_ads": Pool("google_ads_api", 2, "Google Ads API: operations count against the developer token's "
                       "daily quota; RESOURCE_TEMPORARILY_EXHAUSTED past a short-term rate"),
    "meta_ads": Pool("meta_ads_api", 2, "Meta Marketing API: calls count against each ad account's hourly budget"),
    "linkedin_ads": Pool("linkedin_ads_api", 1, "LinkedIn Marketing API: small, unpublished daily limits"),
    "microsoft_ads": Pool("microsoft_ads_api", 2, "Microsoft Advertising: CallRateExceeded (117) past a few calls/s"),
    "salesforce": Pool("salesforce_api", 1, "Salesforce: one daily API allowance, shared with the org's other "
                       "integrations"),
}


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
