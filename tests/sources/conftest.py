"""Fixtures of the ad-platform connector tests: a clean slate per source (raw schema
and dlt pipeline state dropped) and the raw stats as rows."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from ad_platform_support import STATS_COLUMNS


@pytest.fixture(scope="module")
def reset(sql: Callable[..., list[tuple]]) -> Callable[[str], None]:
    """Forget everything a source loaded: its raw schema and its dlt pipeline (state included)."""
    from funnelhouse import settings

    def run(source: str) -> None:
        sql(f"drop schema if exists {settings.RAW_SCHEMAS[source]} cascade")
        shutil.rmtree(settings.home() / "dlt" / f"funnelhouse_{source}", ignore_errors=True)

    return run


@pytest.fixture(scope="module")
def raw_stats(sql: Callable[..., list[tuple]]) -> Callable[[str], list[tuple]]:
    """The raw campaign_stats rows of a source, in key order."""
    from funnelhouse import settings

    def rows(source: str) -> list[tuple]:
        schema = settings.RAW_SCHEMAS[source]
        return sql(f"select {STATS_COLUMNS} from {schema}.campaign_stats order by account_id, campaign_id, date")

    return rows
