"""The Meta Ads connector against the Meta sandbox over HTTP, into the real warehouse.

The truth is the sandbox company's own stats: whatever the run went through
(faults, restatements, a crash), raw must end up holding exactly them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import math
import re
from datetime import date, timedelta
from fnmatch import fnmatch
from types import SimpleNamespace

import pytest

from funnelhouse import load
from funnelhouse.sandbox import Sandbox, start_sandbox
from funnelhouse.sources.http import ApiError
from funnelhouse.sources.meta_ads import MetaAdsConfig, meta_ads_source

from ad_platform_support import UNTIL, fast_retries, root

SOURCE = "meta_ads"
END = date(2026, 11, 30)  # the Berlin day the interval ends in
PAGE = 200


@pytest.fixture(scope="module")
def box():
    with start_sandbox(scale=0.3, seed=21) as sandbox:
        sandbox.meta.async_polls = 2
        yield sandbox


def config(box: Sandbox, **overrides) -> MetaAdsConfig:
    base = MetaAdsConfig(
        access_token=box.credentials["meta_access_token"], account_ids=tuple(a.id for a in box.company.meta.accounts),
        app_id=box.credentials["meta_app_id"], app_secret=box.credentials["meta_app_secret"],
        base_url=box.meta.base_url, page_limit=PAGE, poll_interval=0.01, retry=fast_retries(),
    )
    return dataclasses.replace(base, **overrides)


def run(box: Sandbox, dsn: str, **overrides) -> load.LoadSummary:
    return load.run(SOURCE, meta_ads_source(config(box, **overrides), UNTIL), dsn)


def expected(box: Sandbox, since: date = date(2000, 1, 1), until: date = END) -> list[tuple]:
    rows = []
    for account in box.company.meta.accounts:
        for s in box.meta.stats(account.id, since, until):
            rows.append((s.account_id, s.campaign_id, s.date, s.impressions, s.clicks, s.spend, s.conversions,
                         float(s.conversion_value)))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


def window_rows(box: Sandbox) -> int:
    return len(expected(box, END - timedelta(days=27)))


def insight_requests(box: Sandbox) -> list:
    return [r for r in box.meta.requests if r.path.endswith("/insights") and r.method == "GET"]


@pytest.fixture(scope="module")
def loaded(box, dsn, reset, raw_stats):
    """A first run: the whole history, through an async report run read in pages."""
    reset(SOURCE)
    box.meta.clear_requests()
    summary = run(box, dsn)
    return summary, box.meta.requests


def test_first_run_reads_the_history_through_a_paged_report_run(box, loaded, raw_stats, sql):
    summary, requests = loaded
    rows = expected(box)
    assert raw_stats(SOURCE) == rows
    assert summary.rows["campaign_stats"] == len(rows)
    # One report run over the whole history, polled until complete, then its pages
    # fetched by following paging.next: the after cursor of each page, in order.
    started = [r for r in requests if r.method == "POST" and r.path.endswith("/insights")]
    assert len(started) == 1
    window = json.loads(started[0].body["time_range"])
    assert window == {"since": (END - timedelta(days=760)).isoformat(), "until": END.isoformat()}
    polls = [r for r in requests if re.fullmatch(r"/v24\.0/\d+", r.path)]
    run_id = polls[0].path
    assert len(polls) == box.meta.async_polls + 1
    pages = [r for r in requests if r.path == f"{run_id}/insights"]
    assert len(pages) == math.ceil(len(rows) / PAGE) > 3
    cursors = [r.query.get("after", [None])[0] for r in pages]
    assert cursors == [None] + [base64.b64encode(str(PAGE * i - 1).encode()).decode().rstrip("=") + "ZD"
                                for i in range(1, len(pages))]
    assert all(r.query["limit"] == [str(PAGE)] for r in pages)
    # Accounts and campaigns, archived ones included, and every name seen.
    account = box.company.meta.accounts[0]
    assert sql("select account_id, currency_code, time_zone from raw_meta_ads.accounts") == [
        (account.id, "EUR", "Europe/Berlin")]
    campaigns = sql("select campaign_id, campaign_name, status from raw_meta_ads.campaigns order by 1")
    assert campaigns == sorted((c.id, c.name, c.status) for c in box.company.meta.campaigns)
    assert sql("select count(*) from raw_meta_ads.campaign_name_history")[0][0] == len(campaigns)
    types = dict(sql("select column_name, data_type from information_schema.columns "
                     "where table_schema = 'raw_meta_ads' and table_name = 'campaign_stats'"))
    assert types["spend"] == "numeric" and types["date"] == "date" and types["impressions"] == "bigint"


def test_second_run_reads_the_lookback_window_synchronously_and_loads_only_it(box, loaded, dsn, raw_stats):
    box.meta.clear_requests()
    summary = run(box, dsn)
    insights = insight_requests(box)
    assert not [r for r in box.meta.requests if r.method == "POST"]  # 28 days: no report run
    assert json.loads(insights[0].query["time_range"][0]) == {
        "since": (END - timedelta(days=27)).isoformat(), "until": END.isoformat()}
    assert summary.rows["campaign_stats"] == window_rows(box)
    assert raw_stats(SOURCE) == expected(box)


def test_a_restated_day_is_replaced_not_duplicated(box, loaded, dsn, raw_stats):
    day = date(2026, 11, 20)
    changed = box.meta.restate(day, extra_conversions=3)
    assert changed
    run(box, dsn)
    rows = raw_stats(SOURCE)
    assert rows == expected(box)
    assert [r[6] for r in rows if r[2] == day] == [s.conversions for s in sorted(changed, key=lambda s: s.campaign_id)]


FAULTS = {
    "429 with Retry-After": dict(status=429, headers={"Retry-After": "1"}),
    "429 without Retry-After": dict(status=429),
    "rate limit as HTTP 400, code 17": None,  # Meta's own throttling, scripted by throttle()
    "503": dict(status=503),
    "timeout": dict(status=200, delay=1.5),
    "truncated body": dict(truncate=True),
    "401 expired token after 2 calls": dict(status=401, skip=2),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_transient_faults_are_survived_and_raw_equals_the_truth(box, loaded, dsn, raw_stats, kind):
    box.meta.clear_requests()
    box.meta.faults.clear()
    pattern = "/v24.0/*" if "401" in kind else "/v24.0/act_*/insights"
    if FAULTS[kind] is None:
        box.meta.throttle(17, times=2, pattern=pattern)
    else:
        box.meta.faults.add(pattern, **FAULTS[kind])
    summary = run(box, dsn, page_limit=10)
    assert summary.rows["campaign_stats"] == window_rows(box)
    assert raw_stats(SOURCE) == expected(box)
    statuses = [r.status for r in box.meta.requests]
    assert len(box.meta.faults) == 0 and statuses[-1] == 200
    assert len([r for r in box.meta.requests if fnmatch(r.path, pattern)]) >= 2  # the faulted call, again
    if "401" in kind:
        assert [r.path for r in box.meta.requests].count("/v24.0/oauth/access_token") == 1


def test_a_failed_report_run_is_split_and_everything_still_loads(box, dsn, reset, raw_stats):
    reset(SOURCE)
    box.meta.clear_requests()
    box.meta.fail_next_jobs(1)
    run(box, dsn)
    started = [json.loads(r.body["time_range"]) for r in box.meta.requests if r.method == "POST"
               and r.path.endswith("/insights")]
    assert len(started) == 3  # the failed run, then its two halves
    assert started[1]["since"] == started[0]["since"] and started[2]["until"] == started[0]["until"]
    assert raw_stats(SOURCE) == expected(box)


def test_a_window_too_large_to_answer_at_once_is_read_as_a_report_run(box, loaded, dsn, raw_stats, monkeypatch):
    from funnelhouse.sandbox import meta

    # An account larger than this company's: its 28 days are more rows than Meta answers in one call.
    monkeypatch.setattr(meta, "SYNC_ROW_CAP", 50)
    accounts = box.company.meta.accounts
    assert all(len(box.meta.stats(a.id, END - timedelta(days=27), END)) > 50 for a in accounts)
    box.meta.clear_requests()
    run(box, dsn)
    refused = [r for r in insight_requests(box) if r.status == 500]
    started = [r for r in box.meta.requests if r.method == "POST" and r.path.endswith("/insights")]
    assert len(refused) == len(started) == len(accounts)  # one refused synchronous call, then a report run
    assert json.loads(started[0].body["time_range"])["since"] == (END - timedelta(days=27)).isoformat()
    assert raw_stats(SOURCE) == expected(box)


@pytest.mark.parametrize("status", [400, 403])
def test_a_client_error_fails_at_once_with_the_vendor_message_and_no_secret(box, loaded, dsn, caplog, status):
    caplog.set_level(logging.DEBUG)
    box.meta.clear_requests()
    box.meta.faults.clear()
    box.meta.faults.add("/v24.0/act_*/insights", status=status)
    with pytest.raises(Exception) as failure:
        run(box, dsn)
    error = root(failure.value)
    assert isinstance(error, ApiError) and error.status == status
    assert ("(#100) Invalid parameter" if status == 400 else "(#200) Ad account owner has NOT grant") in str(error)
    assert len(insight_requests(box)) == 1 and not error.retryable  # not retried, here or by Airflow
    for secret in (box.credentials["meta_access_token"], box.credentials["meta_app_secret"]):
        assert secret not in str(failure.value) and secret not in caplog.text


def test_a_rate_limit_outlasting_the_retries_is_left_for_airflow_to_retry(box, loaded, dsn):
    box.meta.faults.clear()
    box.meta.throttle(17, times=10, pattern="/v24.0/act_*/insights")
    try:
        with pytest.raises(Exception) as failure:
            run(box, dsn)
    finally:
        box.meta.faults.clear()
    error = root(failure.value)
    assert error.status == 400 and error.retryable and "(#17) User request limit reached" in str(error)


def test_usage_headers_near_the_limit_slow_the_run_down(box, loaded, dsn, raw_stats, caplog):
    caplog.set_level(logging.WARNING, logger="funnelhouse.sources.meta_ads")
    box.meta.hourly_call_budget = 10  # every call so far counts: usage reads 100%
    try:
        run(box, dsn)
    finally:
        box.meta.hourly_call_budget = 20_000
    assert "usage at 100% of the limit, pausing" in caplog.text
    assert raw_stats(SOURCE) == expected(box)


def test_an_expired_token_that_cannot_be_renewed_fails_without_leaking_it(box, loaded, dsn, caplog):
    caplog.set_level(logging.INFO)
    server = box.meta
    token = box.credentials["meta_access_token"]
    server.expire_access_tokens()
    try:
        with pytest.raises(Exception) as failure:
            run(box, dsn)
        error = root(failure.value)
        assert isinstance(error, ApiError) and "Session has expired" in str(error)
        assert token not in str(failure.value) and token not in caplog.text
    finally:
        server._tokens[token] = float("inf")  # the sandbox token is a system-user token again


def test_new_fields_and_archived_campaigns_load(box, loaded, dsn, sql):
    campaign = box.company.meta.campaigns[0]
    box.meta.archive_campaign(campaign.id)
    box.meta.add_field("quality_ranking", "ABOVE_AVERAGE")
    box.meta.add_field("smart_promotion_type", "GUIDED_CREATION", where="campaigns")
    try:
        run(box, dsn)
    finally:
        box.meta.extra_fields = {"stats": {}, "campaigns": {}}
    window = sql("select count(*), count(quality_ranking) from raw_meta_ads.campaign_stats "
                 "where date >= %s", (END - timedelta(days=27),))[0]
    assert window[0] == window[1] > 0
    assert sql("select status, smart_promotion_type from raw_meta_ads.campaigns where campaign_id = %s",
               (campaign.id,)) == [("ARCHIVED", "GUIDED_CREATION")]


def test_a_crash_mid_extraction_then_a_rerun_ends_as_an_undisturbed_run(box, dsn, reset, raw_stats, sql):
    reset(SOURCE)
    box.meta.faults.clear()
    # Pages 1-2 of the report's results load, then the API fails past every retry.
    box.meta.faults.add("/v24.0/*/insights", status=500, skip=2, times=10, method="GET")
    with pytest.raises(Exception):
        run(box, dsn)
    # Nothing of the failed run was loaded, and no state moved on without its data.
    if sql("select to_regclass('raw_meta_ads.campaign_stats') is not null")[0][0]:
        assert sql("select count(*) from raw_meta_ads.campaign_stats") == [(0,)]
    box.meta.faults.clear()
    run(box, dsn)
    rows = raw_stats(SOURCE)
    assert rows == expected(box)
    assert len(rows) == len({r[:3] for r in rows})  # no duplicate key
    # The committed state is the rerun's: the next run reads the lookback window again.
    state = sql("select count(*) from raw_meta_ads._dlt_pipeline_state")[0][0]
    assert state >= 1


def test_config_from_an_airflow_connection_keeps_secrets_out_of_reprs_and_errors():
    conn = SimpleNamespace(conn_id="funnelhouse_meta_ads", host="graph.example.test", schema="https", port=8443,
                           login="1234567890", password="EAAB-very-secret",
                           extra=json.dumps({"account_ids": "act_11, 22", "app_secret": "app-very-secret",
                                             "lookback_days": 14, "conversion_action_types": ["lead", "purchase"]}))
    cfg = MetaAdsConfig.from_connection(conn)
    assert cfg.account_ids == ("11", "22") and cfg.lookback_days == 14 and cfg.app_id == "1234567890"
    assert cfg.base_url == "https://graph.example.test:8443" and cfg.conversion_action_types == ("lead", "purchase")
    assert "very-secret" not in repr(cfg)
    with pytest.raises(ValueError, match="account_ids") as missing:
        MetaAdsConfig.from_connection(SimpleNamespace(**{**vars(conn), "extra": "{}"}))
    assert "very-secret" not in str(missing.value)
