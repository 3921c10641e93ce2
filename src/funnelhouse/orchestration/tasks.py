"""The work each Airflow task does. DAG files stay thin and call these.

Deterministic failures (bad credentials, a failed dbt build, a failed
audit) raise AirflowFailException so Airflow does not retry what cannot
succeed; transient ones (network, rate limits past the client's own
retries) raise normally and are retried with backoff.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from funnelhouse.orchestration.dag_support import CONNECTIONS

log = logging.getLogger(__name__)


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def warehouse_dsn() -> str:
    """The `funnelhouse_warehouse` connection if defined, else FUNNELHOUSE_WAREHOUSE_URL / the embedded server."""
    from funnelhouse import warehouse

    conn = _connection(CONNECTIONS["warehouse"])
    if conn is not None:
        return warehouse.normalise(conn.get_uri())
    return warehouse.url()


# source name -> (module, its config class, its dlt source); imported only when a task runs
SOURCES = {
    "hubspot": ("funnelhouse.sources.hubspot", "HubSpotConfig", "hubspot_source"),
    "google_ads": ("funnelhouse.sources.google_ads", "GoogleAdsConfig", "google_ads_source"),
    "meta_ads": ("funnelhouse.sources.meta_ads", "MetaAdsConfig", "meta_ads_source"),
    "linkedin_ads": ("funnelhouse.sources.linkedin_ads", "LinkedInAdsConfig", "linkedin_ads_source"),
    "microsoft_ads": ("funnelhouse.sources.microsoft_ads", "MicrosoftAdsConfig", "microsoft_ads_source"),
    "salesforce": ("funnelhouse.sources.salesforce", "SalesforceConfig", "salesforce_source"),
}


def _source(name: str, until: datetime) -> Any:
    import importlib

    from airflow.sdk.exceptions import AirflowFailException

    conn = _connection(CONNECTIONS[name])
    if conn is None:
        raise AirflowFailException(f"Airflow connection '{CONNECTIONS[name]}' is not defined")
    module_name, config_class, source_function = SOURCES[name]
    module = importlib.import_module(module_name)
    try:
        config = getattr(module, config_class).from_connection(conn)
    except ValueError as exc:
        raise AirflowFailException(str(exc)) from None
    return getattr(module, source_function)(config, until)


def extract(name: str, data_interval_end: datetime) -> dict[str, int]:
    """Load one source's changes up to the end of the data interval into its raw schema."""
    from airflow.sdk.exceptions import AirflowFailException

    from funnelhouse import load
    from funnelhouse.sources.http import ApiError
    from funnelhouse.warehouse.layout import bootstrap

    dsn = warehouse_dsn()
    bootstrap(dsn)
    try:
        summary = load.run(name, _source(name, data_interval_end), dsn)
    except Exception as exc:  # dlt wraps extraction errors; find the vendor's
        cause = _root(exc)
        if (isinstance(cause, ApiError) and not cause.retryable and cause.status and 400 <= cause.status < 500
                and cause.status != 429):
            raise AirflowFailException(str(cause)) from None
        raise
    log.info("%s", summary)
    return summary.rows


def _root(exc: BaseException) -> BaseException:
    """The vendor's error under dlt's wrapping: the first ApiError down the chain, else the deepest error.

    The deepest is not always the vendor's: an ApiError raised inside a generator can carry
    an unrelated exception (a StopIteration) as its context."""
    from funnelhouse.sources.http import ApiError

    while not isinstance(exc, ApiError) and (exc.__cause__ is not None or exc.__context__ is not None):
        exc = exc.__cause__ or exc.__context__
    return exc


def build(run_id: str) -> dict[str, int]:
    from airflow.sdk.exceptions import AirflowFailException

    from funnelhouse import transform
    from funnelhouse.warehouse.layout import bootstrap

    dsn = warehouse_dsn()
    bootstrap(dsn)
    try:
        result = transform.run(*transform.PRODUCTION_BUILD, dsn=dsn)
    except transform.DbtError as exc:
        raise AirflowFailException(str(exc)) from None
    log.info("%s", result)
    return result.counts


def audit(run_id: str) -> dict[str, int]:
    from airflow.sdk.exceptions import AirflowFailException

    from funnelhouse import validate

    try:
        report = validate.audit(run_id, dsn=warehouse_dsn())
    except validate.AuditFailed as exc:
        raise AirflowFailException(str(exc)) from None
    return {"expectations": len(report.outcomes), "warnings": len(report.warnings)}


def publish(run_id: str) -> dict[str, int]:
    from funnelhouse.warehouse.publish import publish as publish_marts

    return publish_marts(run_id, dsn=warehouse_dsn())
