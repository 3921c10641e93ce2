"""The Google Ads connector against the sandbox over real HTTP, into the real warehouse:
history then lookback windows, restatements replacing old numbers, faults, OAuth refresh."""

from __future__ import annotations

import json
import logging
import re
import shutil
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
def test_every_fault_is_survived_with_identical_raw_data(box, sql, dsn, fault, monkeypatch):
    fresh_raw(sql)
    box.google_ads.faults.add("/v21/customers/*/googleAds:searchStream", method="POST", **fault)
    waits: list[float] = []
    chosen = RetryPolicy.delay
    monkeypatch.setattr(RetryPolicy, "delay", lambda policy, attempt, hint: waits.append(chosen(policy, attempt, hint)) or waits[-1])
    # A slow backoff (2-5 s): only the server's 0.02 s retryDelay, honoured, explains short waits.
    rate_limited = fault.get("status") == 429
    extract(box, retry=RetryPolicy(max_attempts=4, base_delay=2.0, max_delay=5.0, timeout=2.0) if rate_limited else FAST)
    if rate_limited:
        assert waits == [0.02, 0.02]
    else:
        assert len(waits) == fault["times"]
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


def test_a_sigkilled_extract_reruns_to_exactly_the_undisturbed_data(box, sql, dsn):
    """A real extract in a child process, SIGKILLed once while it reads the API and once while
    dlt loads; each time a fresh process reruns it, and the lookback window's partitions end
    exactly as an undisturbed run leaves them."""
    from kill_support import (committed_state, local_pipeline, raw_fingerprint, resource_state, run_extract, sigkill,
                              start_extract, table_locked, wait_for)

    creds = box.credentials
    config = {"developer_token": creds["google_ads_developer_token"], "client_id": creds["google_ads_client_id"],
              "client_secret": creds["google_ads_client_secret"], "refresh_token": creds["google_ads_refresh_token"],
              "base_url": box.google_ads.base_url, "token_uri": box.google_ads.base_url + "/token",
              "retry": {"max_attempts": 4, "base_delay": 0.01, "max_delay": 0.05, "timeout": 120.0}}
    tables = ("customers", "campaigns", "campaign_name_history", "campaign_stats")

    def fingerprint():  # a name's first_seen_at is the time of the run that first saw it
        return raw_fingerprint(sql, "raw_google_ads", tables, run_stamps=("first_seen_at",))

    streams = "/v21/customers/*/googleAds:searchStream"

    def last_loaded(state):
        return resource_state(state, "google_ads", "campaign_stats").get("last_loaded_date")

    fresh_raw(sql)
    extract(box)
    undisturbed = fingerprint()

    # 1. Killed while reading: the fourth searchStream call hangs.
    fresh_raw(sql)
    box.google_ads.clear_requests()
    box.google_ads.faults.add(streams, method="POST", status=200, delay=120, skip=3)
    child = start_extract("google_ads", config, UNTIL, dsn)
    wait_for(lambda: sum(r.path.endswith("searchStream") for r in box.google_ads.requests) >= 4,
             "the fourth searchStream call", child)
    sigkill(child)
    box.google_ads.faults.clear()
    assert committed_state(sql, "raw_google_ads", "funnelhouse_google_ads") is None
    local, pending = local_pipeline("funnelhouse_google_ads")
    assert last_loaded(local) is None and pending == 0
    run_extract("google_ads", config, UNTIL, dsn)
    assert fingerprint() == undisturbed
    assert stats(sql) == expected(box)

    # 2. Killed while loading: a restated day is extracted and normalised, then the
    # partition replace waits on a lock held elsewhere when the kill lands.
    before = stats(sql)
    committed = last_loaded(committed_state(sql, "raw_google_ads", "funnelhouse_google_ads"))
    assert committed == LAST_DAY.isoformat()
    assert box.google_ads.restate(LAST_DAY - timedelta(days=2), extra_conversions=3.0, clicks_delta=-2)
    with table_locked(dsn, "raw_google_ads.campaign_stats") as waiting:
        child = start_extract("google_ads", config, UNTIL, dsn)
        wait_for(waiting, "the load to wait on raw_google_ads.campaign_stats", child)
        sigkill(child)
        assert stats(sql) == before  # the restatement is not half-applied
        stored = committed_state(sql, "raw_google_ads", "funnelhouse_google_ads")
        assert last_loaded(stored) == committed
        assert resource_state(stored, "google_ads", "campaign_stats").get("last_window") == [
            (LAST_DAY - timedelta(days=760)).isoformat(), LAST_DAY.isoformat()]  # still the history's window
        local, pending = local_pipeline("funnelhouse_google_ads")
        assert pending == 1  # the worker's copy moved on only with the data it staged for loading
    run_extract("google_ads", config, UNTIL, dsn)
    assert stats(sql) == expected(box) != before
    rerun = fingerprint()
    fresh_raw(sql)  # the undisturbed run over the same vendor data
    extract(box)
    assert rerun == fingerprint()
