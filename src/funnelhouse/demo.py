"""The demo: the real DAGs, run in order against the sandbox company.

extract (every source) → dbt build → audit → publish, each DAG through
`dag.test()`, then the scorecard from the published marts.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

from funnelhouse import settings

# The sandbox company's history ends the day before this; runs cover the day before it.
DEMO_LOGICAL_DATE = datetime(2026, 11, 29, tzinfo=timezone.utc)
EXTRACT_DAGS = (
    "funnelhouse_extract_hubspot", "funnelhouse_extract_google_ads", "funnelhouse_extract_meta_ads",
    "funnelhouse_extract_linkedin_ads", "funnelhouse_extract_microsoft_ads", "funnelhouse_extract_salesforce",
)
TRANSFORM_DAG = "funnelhouse_transform"


class DagRunFailed(RuntimeError):
    pass


def sandbox_connections(sandbox: Any) -> dict[str, dict[str, Any]]:
    """Airflow connections pointing at the sandbox servers, with its per-start secrets."""
    creds, company = sandbox.credentials, sandbox.company
    return {
        "funnelhouse_hubspot": {
            "conn_type": "http",
            "host": sandbox.hubspot.base_url,
            "password": creds["hubspot_access_token"],
        },
        "funnelhouse_google_ads": {
            "conn_type": "http",
            "host": sandbox.google_ads.base_url,
            "login": creds["google_ads_client_id"],
            "password": creds["google_ads_client_secret"],
            "extra": {
                "developer_token": creds["google_ads_developer_token"],
                "refresh_token": creds["google_ads_refresh_token"],
                "token_uri": sandbox.google_ads.base_url + "/token",
            },
        },
        "funnelhouse_meta_ads": {
            "conn_type": "http",
            "host": sandbox.meta.base_url,
            "login": creds["meta_app_id"],
            "password": creds["meta_access_token"],
            "extra": {
                "account_ids": [a.id for a in company.meta.accounts],
                "app_secret": creds["meta_app_secret"],
                "poll_interval": 0.2,  # the sandbox finishes report runs in a few polls
            },
        },
        "funnelhouse_linkedin_ads": {
            "conn_type": "http",
            "host": sandbox.linkedin.base_url,
            "login": creds["linkedin_client_id"],
            "password": creds["linkedin_access_token"],
            "extra": {
                "account_ids": [a.id for a in company.linkedin.accounts],
                "client_secret": creds["linkedin_client_secret"],
                "refresh_token": creds["linkedin_refresh_token"],
                "token_url": sandbox.linkedin.base_url + "/oauth/v2/accessToken",
            },
        },
        "funnelhouse_microsoft_ads": {
            "conn_type": "http",
            "host": sandbox.microsoft_ads.base_url,
            "login": creds["microsoft_ads_client_id"],
            "extra": {
                "developer_token": creds["microsoft_ads_developer_token"],
                "refresh_token": creds["microsoft_ads_refresh_token"],
                "customer_id": company.microsoft_ads.accounts[0].customer_id,
                "account_ids": [a.id for a in company.microsoft_ads.accounts],
                "token_url": sandbox.microsoft_ads.base_url + "/common/oauth2/v2.0/token",
                "poll_interval": 0.2,
            },
        },
        "funnelhouse_salesforce": {
            "conn_type": "http",
            "host": sandbox.salesforce.base_url,  # the login URL; data calls go to the instance_url it returns
            "login": creds["salesforce_client_id"],
            "password": creds["salesforce_client_secret"],
            "extra": {"refresh_token": creds["salesforce_refresh_token"]},
        },
    }


# Display names of the sandbox servers (their `name`).
SANDBOX_VENDORS = {"hubspot": "HubSpot", "google_ads": "Google Ads", "meta": "Meta", "linkedin": "LinkedIn",
                   "microsoft_ads": "Microsoft Ads", "salesforce": "Salesforce"}
# The sandbox company's counts the demo prints, a line each: ad platforms, then the CRMs.
SANDBOX_SUMMARY = (
    ("ads_stat_rows", "meta_stat_rows", "linkedin_stat_rows", "microsoft_ads_stat_rows"),
    ("hubspot_contacts", "hubspot_deals", "hubspot_deals_won", "salesforce_leads", "salesforce_opportunities",
     "salesforce_opportunities_won"),
)


def run_pipeline(sandbox: Any, logical_date: datetime = DEMO_LOGICAL_DATE,
                 say: Callable[[str], None] = print, dag_ids: tuple[str, ...] | None = None,
                 skip_tasks: str | None = None) -> dict[str, str]:
    """Run the DAGs once against a started sandbox; returns {dag_id: run_id}. Raises on a failed run.

    `skip_tasks` is a regex of task ids marked successful without running.
    """
    from funnelhouse.orchestration import local

    local.configure(sandbox_connections(sandbox))
    local.migrate()
    dags = local.load_dags()
    run_ids = {}
    for dag_id in dag_ids or (*EXTRACT_DAGS, TRANSFORM_DAG):
        if dag_id not in dags:
            raise DagRunFailed(f"{dag_id} is not defined: FUNNELHOUSE_SOURCES="
                               f"{os.environ.get('FUNNELHOUSE_SOURCES', '')!r} leaves its source out")
        started = time.monotonic()
        run = local.run_dag(dags[dag_id], logical_date, skip_tasks)
        state = str(run.state).split(".")[-1].lower()
        say(f"  {dag_id:<34} {state:<8} {time.monotonic() - started:6.1f}s")
        if state != "success":
            raise DagRunFailed(f"{dag_id} run {run.run_id} ended {state}; see the task log above")
        run_ids[dag_id] = run.run_id
    return run_ids


def main(scale: float = 1.0) -> int:
    from funnelhouse.report.scorecard import scorecard
    from funnelhouse.sandbox import start_sandbox
    from funnelhouse.warehouse import embedded, is_external, layout, redact, url

    settings.disable_telemetry()
    started = time.monotonic()
    if not is_external():
        embedded.start()
    print(f"warehouse  {redact(url())}")
    layout.bootstrap()
    with start_sandbox(scale=scale) as sandbox:
        summary = sandbox.company.summary()
        host = urlsplit(sandbox.hubspot.base_url).hostname
        apis = [f"{SANDBOX_VENDORS[server.name]} :{urlsplit(server.base_url).port}" for server in sandbox.servers]
        print(f"sandbox    APIs on {host}: " + ", ".join(apis))
        for shown in SANDBOX_SUMMARY:
            print("           " + ", ".join(f"{k}={summary[k]}" for k in shown if k in summary))
        print("running the DAGs (dag.test):")
        try:
            run_pipeline(sandbox)
        except DagRunFailed as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            return 1
    print()
    print(scorecard())
    print()
    print(f"done in {time.monotonic() - started:.0f}s; BI connection: `funnelhouse bi-credentials`")
    return 0
