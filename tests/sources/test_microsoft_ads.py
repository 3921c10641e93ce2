"""The Microsoft Advertising connector against the Microsoft sandbox over HTTP, into the real warehouse.

The truth is the sandbox company's own stats: whatever the run went through
(faults, restatements, a crash), raw must end up holding exactly them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date, timedelta
from fnmatch import fnmatch
from types import SimpleNamespace

import pytest
from ad_platform_support import UNTIL, fast_retries, root

from funnelhouse import load
from funnelhouse.sandbox import Sandbox, start_sandbox
from funnelhouse.sources.http import ApiError
from funnelhouse.sources.microsoft_ads import MicrosoftAdsConfig, microsoft_ads_source

SOURCE = "microsoft_ads"
END = date(2026, 11, 29)  # the Los Angeles day the interval ends in
SUBMIT, POLL = "/Reporting/v13/GenerateReport/Submit", "/Reporting/v13/GenerateReport/Poll"


@pytest.fixture(scope="module")
def box():
    with start_sandbox(scale=0.3, seed=23) as sandbox:
        yield sandbox


def config(box: Sandbox, **overrides) -> MicrosoftAdsConfig:
    creds, account, url = box.credentials, box.company.microsoft_ads.accounts[0], box.microsoft_ads.base_url
    base = MicrosoftAdsConfig(
        client_id=creds["microsoft_ads_client_id"], refresh_token=creds["microsoft_ads_refresh_token"],
        developer_token=creds["microsoft_ads_developer_token"], customer_id=account.customer_id,
        account_ids=(account.id,), token_url=f"{url}/common/oauth2/v2.0/token", reporting_url=url, customer_url=url,
        campaign_url=url, poll_interval=0.01, retry=fast_retries(),
    )
    return dataclasses.replace(base, **overrides)


def run(box: Sandbox, dsn: str, **overrides) -> load.LoadSummary:
    return load.run(SOURCE, microsoft_ads_source(config(box, **overrides), UNTIL), dsn)


def expected(box: Sandbox, since: date = date(2000, 1, 1), until: date = END) -> list[tuple]:
    rows = []
    for account in box.company.microsoft_ads.accounts:
        for s in box.microsoft_ads.stats(account.id, since, until):
            # Revenue is "--" (not available) on days without conversions: null in raw.
            value = float(s.conversion_value) if s.conversions else None
            rows.append((s.account_id, s.campaign_id, s.date, s.impressions, s.clicks, s.spend, s.conversions, value))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


def window_rows(box: Sandbox) -> int:
    return len(expected(box, END - timedelta(days=29)))


def paths(box: Sandbox) -> list[str]:
    return [r.path for r in box.microsoft_ads.requests]


@pytest.fixture(scope="module")
def loaded(box, dsn, reset):
    reset(SOURCE)
    box.microsoft_ads.clear_requests()
    return run(box, dsn), box.microsoft_ads.requests


def test_first_run_submits_polls_downloads_and_cleans_the_csv(box, loaded, raw_stats, sql):
    summary, requests = loaded
    rows = expected(box)
    assert raw_stats(SOURCE) == rows and summary.rows["campaign_stats"] == len(rows)
    # The CSV said "1,234" and "--": both came out as numbers and nulls.
    assert max(r[3] for r in rows) >= 1000 and any(r[7] is None for r in rows)
    # Submit once, poll through Pending to Success, then GET the pre-signed URL without our auth.
    flow = [r.path for r in requests if r.path.startswith(("/Reporting", "/ReportDownload"))]
    pending = box.microsoft_ads.pending_polls
    assert flow[: pending + 3] == [SUBMIT] + [POLL] * (pending + 1) + [flow[pending + 2]]
    assert flow[pending + 2].startswith("/ReportDownload/")
    download = next(r for r in requests if r.path.startswith("/ReportDownload/"))
    assert "authorization" not in download.headers and "developertoken" not in download.headers
    assert download.query["sig"] == ["***"]
    submitted = next(r for r in requests if r.path == SUBMIT).body["ReportRequest"]
    assert submitted["Aggregation"] == "Daily" and submitted["Time"]["ReportTimeZone"] == "PacificTimeUSCanadaTijuana"
    start = END - timedelta(days=760)
    assert submitted["Time"]["CustomDateRangeStart"] == {"Day": start.day, "Month": start.month, "Year": start.year}
    assert all(r.headers["developertoken"] == "***" and r.headers["authorization"] == "Bearer ***"
               for r in requests if r.path.startswith(("/Reporting", "/Campaign", "/Customer")))
    account = box.company.microsoft_ads.accounts[0]
    assert sql("select account_id, currency_code, time_zone, report_time_zone from raw_microsoft_ads.accounts") == [
        (account.id, "USD", "America/Los_Angeles", "PacificTimeUSCanadaTijuana")]
    assert sorted(sql("select campaign_id, campaign_name, status from raw_microsoft_ads.campaigns")) == sorted(
        (c.id, c.name, c.status) for c in box.company.microsoft_ads.campaigns)


def test_second_run_reports_the_last_thirty_days_and_loads_only_them(box, loaded, dsn, raw_stats):
    box.microsoft_ads.clear_requests()
    summary = run(box, dsn)
    submitted = next(r for r in box.microsoft_ads.requests if r.path == SUBMIT).body["ReportRequest"]["Time"]
    start = END - timedelta(days=29)
    assert submitted["CustomDateRangeStart"] == {"Day": start.day, "Month": start.month, "Year": start.year}
    assert submitted["CustomDateRangeEnd"] == {"Day": END.day, "Month": END.month, "Year": END.year}
    assert summary.rows["campaign_stats"] == window_rows(box)
    assert raw_stats(SOURCE) == expected(box)


def test_a_restated_day_is_replaced_not_duplicated(box, loaded, dsn, raw_stats):
    day = END - timedelta(days=10)
    changed = box.microsoft_ads.restate(day, extra_conversions=1.5)
    assert changed
    run(box, dsn)
    rows = raw_stats(SOURCE)
    assert rows == expected(box)
    assert sorted(r[6] for r in rows if r[2] == day) == sorted(s.conversions for s in changed)


CALL_RATE = {"TrackingId": "t-1", "Type": "AdApiFaultDetail", "Errors": [
    {"Code": 117, "Detail": None, "ErrorCode": "CallRateExceeded", "Message": "You have exceeded the number of calls "
     "that you can make in a minute.", "Type": "AdApiError"}]}
EXPIRED_URL = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
               '<Message>Signed expiry time has passed.</Message></Error>')
FAULTS = {
    "429 with Retry-After": ("/Reporting/*", dict(status=429, headers={"Retry-After": "1"})),
    "429 without Retry-After": ("/Reporting/*", dict(status=429)),
    "CallRateExceeded (117) as HTTP 400": (SUBMIT, dict(status=400, body=CALL_RATE)),
    "500 InternalError": (POLL, dict(status=500, skip=1)),
    "timeout": (SUBMIT, dict(status=200, delay=1.5)),
    "truncated report download": ("/ReportDownload/*", dict(truncate=True)),
    "expired download URL": ("/ReportDownload/*", dict(status=403, body=EXPIRED_URL,
                                                      headers={"Content-Type": "application/xml"})),
    "401 expired token after 2 calls": ("/*/v13/*", dict(status=401, skip=2)),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_transient_faults_are_survived_and_raw_equals_the_truth(box, loaded, dsn, raw_stats, kind):
    box.microsoft_ads.clear_requests()
    box.microsoft_ads.faults.clear()
    pattern, fault = FAULTS[kind]
    box.microsoft_ads.faults.add(pattern, **fault)
    summary = run(box, dsn)
    assert summary.rows["campaign_stats"] == window_rows(box)
    assert raw_stats(SOURCE) == expected(box)
    assert len(box.microsoft_ads.faults) == 0
    log = paths(box)
    assert len([p for p in log if fnmatch(p, pattern)]) >= 2  # the faulted call was made again
    if "401" in kind:
        assert log.count("/common/oauth2/v2.0/token") == 2  # the first token, then the refresh
    if kind == "expired download URL":
        download = max(i for i, p in enumerate(log) if p.startswith("/ReportDownload/"))
        assert log[download - 1] == POLL  # a fresh URL was asked for


def test_a_report_that_ends_in_error_is_submitted_again(box, loaded, dsn, raw_stats):
    box.microsoft_ads.clear_requests()
    box.microsoft_ads.fail_next_reports(1)
    run(box, dsn)
    assert paths(box).count(SUBMIT) == 2
    assert raw_stats(SOURCE) == expected(box)


def test_a_refresh_token_that_no_longer_works_fails_with_the_vendor_message(box, loaded, dsn, caplog):
    caplog.set_level(logging.DEBUG)
    server = box.microsoft_ads
    saved = set(server._refresh_tokens)
    server.revoke_refresh_tokens()
    try:
        with pytest.raises(Exception) as failure:
            run(box, dsn)
    finally:
        server._refresh_tokens |= saved
    error = root(failure.value)
    assert isinstance(error, ApiError) and error.status == 400 and "AADSTS70000" in str(error)
    refresh_token = box.credentials["microsoft_ads_refresh_token"]
    assert refresh_token not in str(failure.value) and refresh_token not in caplog.text


@pytest.mark.parametrize("status", [400, 403])
def test_a_client_error_fails_at_once_with_the_vendor_message_and_no_secret(box, loaded, dsn, caplog, status):
    caplog.set_level(logging.DEBUG)
    box.microsoft_ads.clear_requests()
    box.microsoft_ads.faults.clear()
    box.microsoft_ads.faults.add(SUBMIT, status=status)
    with pytest.raises(Exception) as failure:
        run(box, dsn)
    error = root(failure.value)
    assert isinstance(error, ApiError) and error.status == status
    assert ("The report request is null." if status == 400 else "not represent a authorized developer") in str(error)
    assert paths(box).count(SUBMIT) == 1
    for name in ("microsoft_ads_refresh_token", "microsoft_ads_developer_token"):
        secret = box.credentials[name]
        assert secret not in str(failure.value) and secret not in caplog.text


def test_new_fields_and_deleted_campaigns_load(box, loaded, dsn, sql):
    campaign = box.company.microsoft_ads.campaigns[0]
    box.microsoft_ads.archive_campaign(campaign.id)  # Microsoft deletes: it drops out of the campaign list
    box.microsoft_ads.add_field("TopImpressionRatePercent", lambda stat: f"{stat.clicks % 100}.00%")
    box.microsoft_ads.add_field("NewCustomerAcquisitionGoalId", "6012", where="campaigns")
    try:
        run(box, dsn)
    finally:
        box.microsoft_ads.extra_fields = {"stats": {}, "campaigns": {}}
    counts = sql("select count(*), count(top_impression_rate_percent) from raw_microsoft_ads.campaign_stats "
                 "where date >= %s", (END - timedelta(days=29),))[0]
    assert counts[0] == counts[1] > 0
    assert sql("select campaign_name, status from raw_microsoft_ads.campaigns where campaign_id = %s",
               (campaign.id,)) == [(campaign.name, "Deleted")]
    others = sql("select new_customer_acquisition_goal_id from raw_microsoft_ads.campaigns where campaign_id <> %s",
                 (campaign.id,))
    assert others and all(value == "6012" for (value,) in others)


def test_a_crash_mid_extraction_then_a_rerun_ends_as_an_undisturbed_run(box, dsn, reset, raw_stats, sql):
    reset(SOURCE)
    box.microsoft_ads.faults.clear()
    box.microsoft_ads.faults.add(POLL, status=503, skip=1, times=10)
    with pytest.raises(Exception):
        run(box, dsn)
    if sql("select to_regclass('raw_microsoft_ads.campaign_stats') is not null")[0][0]:
        assert sql("select count(*) from raw_microsoft_ads.campaign_stats") == [(0,)]
    box.microsoft_ads.faults.clear()
    run(box, dsn)
    rows = raw_stats(SOURCE)
    assert rows == expected(box) and len(rows) == len({r[:3] for r in rows})


def test_config_from_an_airflow_connection_keeps_secrets_out_of_reprs_and_errors():
    conn = SimpleNamespace(conn_id="funnelhouse_microsoft_ads", host=None, schema=None, port=None, login="app-id",
                           password=None, extra=json.dumps({
                               "developer_token": "dev-very-secret", "refresh_token": "M.C5-very-secret",
                               "customer_id": 123, "account_ids": "456 789", "lookback_days": 45}))
    cfg = MicrosoftAdsConfig.from_connection(conn)
    assert cfg.account_ids == ("456", "789") and cfg.customer_id == "123" and cfg.lookback_days == 45
    assert cfg.reporting_url == "https://reporting.api.bingads.microsoft.com" and cfg.client_secret is None
    assert "very-secret" not in repr(cfg)
    with pytest.raises(ValueError, match="customer_id") as missing:
        MicrosoftAdsConfig.from_connection(SimpleNamespace(**{**vars(conn), "extra": json.dumps(
            {"developer_token": "dev-very-secret", "refresh_token": "M.C5-very-secret", "account_ids": "1"})}))
    assert "very-secret" not in str(missing.value)
