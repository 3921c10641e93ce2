"""The Google Ads connector against the sandbox over real HTTP, into the real warehouse:
history then lookback windows, restatements replacing old numbers, faults, OAuth refresh."""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from funnelhouse import load, settings
from funnelhouse.sandbox import start_sandbox
from funnelhouse.sources.google_ads import GoogleAdsConfig, google_ads_source
from funnelhouse.sources.http import ApiError, RetryPolicy

UNTIL = datetime(2026, 11, 29, tzinfo=timezone.utc)
LAST_DAY = date(2026, 11, 28)
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, timeout=2.0)


@pytest.fixture
def box():
    with start_sandbox(scale=0.3, seed=5) as sandbox:
        yield sandbox


def fresh_raw(sql) -> None:
    sql("drop schema if exists raw_google_ads cascade")
    shutil.rmtree(settings.home() / "dlt" / "funnelhouse_google_ads", ignore_errors=True)


def extract(box, retry=FAST, **overrides):
    creds = box.credentials
    config = GoogleAdsConfig(
        developer_token=creds["google_ads_developer_token"], client_id=creds["google_ads_client_id"],
        client_secret=creds["google_ads_client_secret"], refresh_token=creds["google_ads_refresh_token"],
        base_url=box.google_ads.base_url, token_uri=box.google_ads.base_url + "/token", retry=retry,
    )
    for key, value in overrides.items():
        object.__setattr__(config, key, value)
    return load.run("google_ads", google_ads_source(config, UNTIL))


def stats(sql) -> list[tuple]:
    return sql("select customer_id, campaign_id, date, impressions, clicks, cost_micros, conversions, conversions_value "
               "from raw_google_ads.campaign_stats order by 1, 2, 3")


def expected(box) -> list[tuple]:
    rows = [(s.customer_id, s.campaign_id, s.date, s.impressions, s.clicks, s.cost_micros, s.conversions, s.conversions_value)
            for s in box.company.google_ads.stats]
    return sorted(rows)


def windows(box) -> list[tuple[str, str]]:
    found = []
    for r in box.google_ads.requests:
        if r.path.endswith("googleAds:searchStream") and "segments.date" in r.body["query"]:
            found.append(re.search(r"BETWEEN '([\d-]+)' AND '([\d-]+)'", r.body["query"]).groups())
    return found


def test_history_first_then_only_the_lookback_and_restatements_replace_old_numbers(box, sql, dsn):
    fresh_raw(sql)
    extract(box)
    assert stats(sql) == expected(box)
    assert set(windows(box)) == {((LAST_DAY - timedelta(days=760)).isoformat(), LAST_DAY.isoformat())}

    restated_day = LAST_DAY - timedelta(days=3)
    changed = box.google_ads.restate(restated_day, extra_conversions=2.0, clicks_delta=-1)
    assert changed
    box.google_ads.clear_requests()
    summary = extract(box)
    # The second run re-reads the 30-day lookback only, and replaces those days whole.
    assert set(windows(box)) == {((LAST_DAY - timedelta(days=29)).isoformat(), LAST_DAY.isoformat())}
    assert summary.rows["campaign_stats"] == sum(1 for s in box.company.google_ads.stats if s.date >= LAST_DAY - timedelta(days=29))
    assert stats(sql) == expected(box)


def test_a_day_the_platform_dropped_disappears_on_the_next_run(box, sql, dsn):
    fresh_raw(sql)
    extract(box)
    gone = [s for s in box.company.google_ads.stats if s.date == LAST_DAY - timedelta(days=1)][0]
    box.google_ads.drop_stat(gone)  # an invalid-traffic row removed by the platform
    extract(box)
    assert stats(sql) == expected(box)


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "times": 2, "body": {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Too many requests.",
                                                    "details": [{"errors": [{"details": {"quotaErrorDetails": {"retryDelay": "0.02s"}}}]}]}}},
        {"status": 500, "times": 2},
        {"status": 503, "times": 1, "skip": 1},
        {"truncate": True, "status": 200, "times": 1},
        {"disconnect": True, "times": 1},
    ],
    ids=["429-retryDelay", "500", "503", "truncated-body", "connection-reset"],
)
def test_every_fault_is_survived_with_identical_raw_data(box, sql, dsn, fault):
    fresh_raw(sql)
    box.google_ads.faults.add("/v21/customers/*/googleAds:searchStream", method="POST", **fault)
    # A slow backoff: only a honoured 0.02 s retryDelay keeps this run fast.
    rate_limited = fault.get("status") == 429
    started = time.monotonic()
    extract(box, retry=RetryPolicy(max_attempts=4, base_delay=2.0, max_delay=5.0, timeout=2.0) if rate_limited else FAST)
    if rate_limited:
        assert time.monotonic() - started < 3.0
    assert stats(sql) == expected(box)


def test_an_access_token_expiring_mid_run_is_refreshed_once(box, sql, dsn):
    fresh_raw(sql)
    # The third call finds the token expired (access tokens live an hour; long backfills outlive them).
    box.google_ads.faults.add("/v21/customers/*/googleAds:searchStream", method="POST", status=401, times=1, skip=2)
    box.google_ads.clear_requests()
    extract(box)
    paths = [r.path for r in box.google_ads.requests]
    assert paths.count("/token") == 2  # once at the start, once after the 401
    assert stats(sql) == expected(box)


def test_a_bad_request_fails_at_once_with_the_vendor_message_and_no_secret(box, sql, dsn, caplog):
    fresh_raw(sql)
    box.google_ads.faults.add("/v21/customers/*/googleAds:searchStream", method="POST", status=403, times=10)
    box.google_ads.clear_requests()
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as failure:
        extract(box)
    text = str(failure.value)
    cause = failure.value
    while not isinstance(cause, ApiError) and (cause.__cause__ or cause.__context__):
        cause = cause.__cause__ or cause.__context__
    assert isinstance(cause, ApiError) and cause.status == 403
    assert len([r for r in box.google_ads.requests if r.path.endswith("searchStream")]) == 1
    for secret in box.credentials.values():
        assert secret not in text and secret not in caplog.text
    assert secret not in json.dumps([r.headers for r in box.google_ads.requests])
