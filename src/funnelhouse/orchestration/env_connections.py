"""The vendor Airflow connections, from `FUNNELHOUSE_<VENDOR>_*` environment variables.

`funnelhouse connections --output FILE` writes them for `airflow connections
import FILE` (docker/'s init job does exactly that), so vendor secrets travel
from one container's environment into Airflow's encrypted metadata database.

Each vendor is a table of variables and where each lands in its connection
(`login`, `password`, `host` or `extra.<key>`). A vendor whose variables are all
empty stays undefined; one that is half configured is an error naming every
missing variable. docker/.env.example documents each variable; a test holds
the two lists equal.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple


class Variable(NamedTuple):
    name: str
    field: str  # login | password | host | extra.<key>
    required: bool = False


VENDORS: dict[str, tuple[Variable, ...]] = {
    "funnelhouse_hubspot": (
        Variable("FUNNELHOUSE_HUBSPOT_TOKEN", "password", required=True),
        Variable("FUNNELHOUSE_HUBSPOT_BASE_URL", "host"),
    ),
    "funnelhouse_google_ads": (
        Variable("FUNNELHOUSE_GOOGLE_ADS_CLIENT_ID", "login", required=True),
        Variable("FUNNELHOUSE_GOOGLE_ADS_CLIENT_SECRET", "password", required=True),
        Variable("FUNNELHOUSE_GOOGLE_ADS_DEVELOPER_TOKEN", "extra.developer_token", required=True),
        Variable("FUNNELHOUSE_GOOGLE_ADS_REFRESH_TOKEN", "extra.refresh_token", required=True),
        Variable("FUNNELHOUSE_GOOGLE_ADS_CUSTOMER_IDS", "extra.customer_ids"),
        Variable("FUNNELHOUSE_GOOGLE_ADS_LOGIN_CUSTOMER_ID", "extra.login_customer_id"),
        Variable("FUNNELHOUSE_GOOGLE_ADS_TOKEN_URI", "extra.token_uri"),
        Variable("FUNNELHOUSE_GOOGLE_ADS_BASE_URL", "host"),
        Variable("FUNNELHOUSE_GOOGLE_ADS_LOOKBACK_DAYS", "extra.lookback_days"),
        Variable("FUNNELHOUSE_GOOGLE_ADS_START_DATE", "extra.start_date"),
    ),
    "funnelhouse_meta_ads": (
        Variable("FUNNELHOUSE_META_ADS_ACCESS_TOKEN", "password", required=True),
        Variable("FUNNELHOUSE_META_ADS_ACCOUNT_IDS", "extra.account_ids", required=True),
        Variable("FUNNELHOUSE_META_ADS_APP_ID", "login"),
        Variable("FUNNELHOUSE_META_ADS_APP_SECRET", "extra.app_secret"),
        Variable("FUNNELHOUSE_META_ADS_BASE_URL", "host"),
        Variable("FUNNELHOUSE_META_ADS_LOOKBACK_DAYS", "extra.lookback_days"),
        Variable("FUNNELHOUSE_META_ADS_START_DATE", "extra.start_date"),
    ),
    "funnelhouse_linkedin_ads": (
        Variable("FUNNELHOUSE_LINKEDIN_ADS_ACCESS_TOKEN", "password", required=True),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_ACCOUNT_IDS", "extra.account_ids"),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_CLIENT_ID", "login"),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_CLIENT_SECRET", "extra.client_secret"),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_REFRESH_TOKEN", "extra.refresh_token"),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_BASE_URL", "host"),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_LOOKBACK_DAYS", "extra.lookback_days"),
        Variable("FUNNELHOUSE_LINKEDIN_ADS_START_DATE", "extra.start_date"),
    ),
    "funnelhouse_microsoft_ads": (
        Variable("FUNNELHOUSE_MICROSOFT_ADS_CLIENT_ID", "login", required=True),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_DEVELOPER_TOKEN", "extra.developer_token", required=True),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_REFRESH_TOKEN", "extra.refresh_token", required=True),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_CUSTOMER_ID", "extra.customer_id", required=True),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_ACCOUNT_IDS", "extra.account_ids", required=True),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_CLIENT_SECRET", "password"),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_LOOKBACK_DAYS", "extra.lookback_days"),
        Variable("FUNNELHOUSE_MICROSOFT_ADS_START_DATE", "extra.start_date"),
    ),
    "funnelhouse_salesforce": (
        Variable("FUNNELHOUSE_SALESFORCE_CLIENT_ID", "login", required=True),
        Variable("FUNNELHOUSE_SALESFORCE_CLIENT_SECRET", "password", required=True),
        Variable("FUNNELHOUSE_SALESFORCE_REFRESH_TOKEN", "extra.refresh_token"),
        Variable("FUNNELHOUSE_SALESFORCE_LOGIN_URL", "host"),
        Variable("FUNNELHOUSE_SALESFORCE_API_VERSION", "extra.api_version"),
        Variable("FUNNELHOUSE_SALESFORCE_OBJECTS", "extra.objects"),
    ),
}


def variable_names() -> list[str]:
    return [variable.name for variables in VENDORS.values() for variable in variables]


class HalfConfigured(ValueError):
    pass


def from_environment(environ: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """{conn_id: connection} for every vendor with any variable set, as `airflow connections import` reads it."""
    environ = os.environ if environ is None else environ
    conns: dict[str, dict[str, Any]] = {}
    for conn_id, variables in VENDORS.items():
        values = {variable: environ.get(variable.name, "").strip() for variable in variables}
        if not any(values.values()):
            continue
        missing = [variable.name for variable, value in values.items() if variable.required and not value]
        if missing:
            raise HalfConfigured(f"{conn_id} is half configured; set {', '.join(missing)}")
        conn: dict[str, Any] = {"conn_type": "http"}
        for variable, value in values.items():
            if not value:
                continue
            if variable.field.startswith("extra."):
                conn.setdefault("extra", {})[variable.field.removeprefix("extra.")] = value
            else:
                conn[variable.field] = value
        conns[conn_id] = conn
    return conns
