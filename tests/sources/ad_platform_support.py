"""Helpers of the ad-platform connector tests (fixtures are in conftest.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from funnelhouse.sources.http import RetryPolicy

# The end of the data interval every run covers: the sandbox history ends on 2026-11-28.
UNTIL = datetime(2026, 11, 30, tzinfo=timezone.utc)
STATS_COLUMNS = "account_id, campaign_id, date, impressions, clicks, spend, conversions, conversion_value"


def fast_retries(**overrides: float) -> RetryPolicy:
    """Retries that wait milliseconds, so fault tests stay fast; the attempts stay real."""
    return RetryPolicy(**{"max_attempts": 4, "base_delay": 0.01, "max_delay": 0.05, "timeout": 1.0, **overrides})


def root(exc: BaseException) -> BaseException:
    """The vendor error under dlt's wrapping, found as the Airflow task finds it."""
    from funnelhouse.orchestration.tasks import _root

    return _root(exc)
