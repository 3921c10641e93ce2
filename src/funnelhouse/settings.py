"""Where funnelhouse keeps its state, and the names every layer agrees on."""

from __future__ import annotations

import os
from pathlib import Path

# Schemas of the warehouse, in the order data flows through them.
RAW_SCHEMAS = {
    "hubspot": "raw_hubspot",
    "google_ads": "raw_google_ads",
    "meta_ads": "raw_meta_ads",
    "linkedin_ads": "raw_linkedin_ads",
    "microsoft_ads": "raw_microsoft_ads",
    "salesforce": "raw_salesforce",
    "files": "raw_files",
}
BUILD_SCHEMA = "build"  # dbt writes here; BI cannot read it
PUBLISHED_SCHEMA = "marts"  # the only schema BI can read
AUDIT_SCHEMA = "audit"  # audit results, publish log
BI_ROLE = "funnelhouse_bi"

# The marts publish copies from the build schema into the published one.
PUBLISHED_MODELS = (
    "dim_date",
    "dim_channel",
    "dim_campaign",
    "dim_account",
    "dim_owner",
    "fct_ad_spend_daily",
    "fct_leads",
    "fct_deals",
    "fct_attribution_touches",
    "fct_funnel_daily",
    "fct_funnel_monthly",
    "fct_channel_performance_monthly",
    "fct_lead_cohorts",
    "fct_mql_cohorts",
    "fct_kpi_scorecard",
    "fct_spend_reconciliation",
    "fct_revenue_reconciliation",
    "fct_revenue_reconciliation_monthly",
)

# Telemetry of every tool in the stack stays off.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "false",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "SCARF_ANALYTICS": "false",
}


def project_root() -> Path:
    """The checkout: dags/, dbt_project/ and expectations/ live here."""
    env = os.environ.get("FUNNELHOUSE_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def home() -> Path:
    """Local state: embedded PostgreSQL, dlt pipelines, audit docs, reports."""
    env = os.environ.get("FUNNELHOUSE_HOME")
    path = Path(env) if env else project_root() / ".funnelhouse"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def disable_telemetry() -> None:
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
