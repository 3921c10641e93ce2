"""The LinkedIn Ads connector against the LinkedIn sandbox over HTTP, into the real warehouse.

The truth is the sandbox company's own stats: whatever the run went through
(faults, restatements, a crash), raw must end up holding exactly them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from datetime import date, timedelta
from decimal import Decimal
from fnmatch import fnmatch
from types import SimpleNamespace

import pytest
from ad_platform_support import UNTIL, fast_retries, root

from funnelhouse import load
from funnelhouse.sandbox import Sandbox, start_sandbox
from funnelhouse.sandbox.linkedin import parse_restli, raw_params
from funnelhouse.sources.http import ApiError
from funnelhouse.sources.linkedin_ads import LinkedInAdsConfig, linkedin_ads_source

SOURCE = "linkedin_ads"
END = date(2026, 11, 29)  # the UTC day the interval ends in


@pytest.fixture(scope="module")
def box():
    with start_sandbox(scale=0.3, seed=22) as sandbox:
        yield sandbox


def config(box: Sandbox, **overrides) -> LinkedInAdsConfig:
    creds = box.credentials
    base = LinkedInAdsConfig(
        access_token=creds["linkedin_access_token"], client_id=creds["linkedin_client_id"],
        client_secret=creds["linkedin_client_secret"], refresh_token=creds["linkedin_refresh_token"],
        base_url=box.linkedin.base_url, token_url=f"{box.linkedin.base_url}/oauth/v2/accessToken",
        page_size=1, slice_days=90, retry=fast_retries(),
    )
    return dataclasses.replace(base, **overrides)


def run(box: Sandbox, dsn: str, **overrides) -> load.LoadSummary:
    return load.run(SOURCE, linkedin_ads_source(config(box, **overrides), UNTIL), dsn)


def expected(box: Sandbox, since: date = date(2000, 1, 1), until: date = END) -> list[tuple]:
    rows = []
    for account in box.company.linkedin.accounts:
        for s in box.linkedin.stats(account.id, since, until):
            rows.append((s.account_id, s.campaign_id, s.date, s.impressions, s.clicks, s.spend,
                         float(round(s.conversions)), float(s.conversion_value)))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


def window_rows(box: Sandbox) -> int:
    return len(expected(box, END - timedelta(days=6)))


def analytics(box: Sandbox) -> list:
    return [r for r in box.linkedin.requests if r.path == "/rest/adAnalytics"]


def date_range(call) -> tuple[date, date]:
    """The dateRange an analytics call asked for, parsed from the query as sent."""
    window = parse_restli(raw_params(call.raw_query)["dateRange"])
    return tuple(date(int(d["year"]), int(d["month"]), int(d["day"])) for d in (window["start"], window["end"]))


@pytest.fixture(scope="module")
def loaded(box, dsn, reset):
    reset(SOURCE)
    box.linkedin.clear_requests()
    return run(box, dsn), box.linkedin.requests


def test_first_run_pages_campaigns_and_reads_the_history_in_slices(box, loaded, raw_stats, sql):
    summary, requests = loaded
    rows = expected(box)
    assert raw_stats(SOURCE) == rows and summary.rows["campaign_stats"] == len(rows)
    assert all(isinstance(r[5], Decimal) for r in rows)
    # Campaign search paged one campaign at a time, each page asking for the token the last one
    # gave, once per run (the stats reuse it).
    account = box.company.linkedin.accounts[0]
    searches = [r for r in requests if r.path == f"/rest/adAccounts/{account.id}/adCampaigns"]
    campaigns = box.company.linkedin.campaigns
    offsets = [int(base64.urlsafe_b64decode(r.query["pageToken"][0] + "==").decode().split(":")[1])
               for r in searches if "pageToken" in r.query]
    assert offsets == list(range(1, len(campaigns))) and len(searches) == len(campaigns)
    assert all(r.query["pageSize"] == ["1"] for r in searches)
    # Analytics in 90-day slices covering the history without a gap or an overlap, with the
    # mandatory headers and Rest.li 2.0 syntax: structure raw, URNs encoded inside List(...).
    calls = [r for r in requests if r.path == "/rest/adAnalytics"]
    windows = [date_range(r) for r in calls]
    assert windows[0][0] == END - timedelta(days=760) and windows[-1][1] == END
    assert all(b[0] - a[1] == timedelta(days=1) and (a[1] - a[0]).days == 89 for a, b in zip(windows, windows[1:]))
    assert len(calls) == -(-761 // 90)
    for call in calls:
        assert call.headers["linkedin-version"] == "202610" and call.headers["x-restli-protocol-version"] == "2.0.0"
        assert "campaigns=List(urn%3Ali%3AsponsoredCampaign%3A" in call.raw_query
    assert sql("select account_id, currency_code, time_zone from raw_linkedin_ads.accounts") == [
        (account.id, "USD", "UTC")]
    assert sorted(sql("select campaign_id, campaign_name, status from raw_linkedin_ads.campaigns")) == sorted(
        (c.id, c.name, c.status) for c in campaigns)


def test_second_run_reads_the_last_seven_days_and_loads_only_them(box, loaded, dsn, raw_stats):
    box.linkedin.clear_requests()
    summary = run(box, dsn)
    calls = analytics(box)
    assert len(calls) == 1 and date_range(calls[0]) == (END - timedelta(days=6), END)
    urns = parse_restli(raw_params(calls[0].raw_query)["campaigns"])
    assert sorted(urns) == sorted(f"urn:li:sponsoredCampaign:{c.id}" for c in box.company.linkedin.campaigns)
    assert summary.rows["campaign_stats"] == window_rows(box)
    assert raw_stats(SOURCE) == expected(box)


def test_a_restated_day_is_replaced_not_duplicated(box, loaded, dsn, raw_stats):
    day = END - timedelta(days=3)
    changed = box.linkedin.restate(day, extra_conversions=2, spend_delta=Decimal("1.234567"))
    assert changed
    run(box, dsn)
    rows = raw_stats(SOURCE)
    assert rows == expected(box)
    assert sorted(r[5] for r in rows if r[2] == day) == sorted(s.spend for s in changed)


FAULTS = {
    "429 with Retry-After": dict(status=429, headers={"Retry-After": "1"}),
    "429 without Retry-After (as LinkedIn sends it)": dict(status=429),
    "504": dict(status=504),
    "timeout": dict(status=200, delay=1.5),
    "truncated body": dict(truncate=True),
    "401 expired token after 3 calls": dict(status=401, skip=3),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_transient_faults_are_survived_and_raw_equals_the_truth(box, loaded, dsn, raw_stats, kind):
    box.linkedin.clear_requests()
    box.linkedin.faults.clear()
    pattern = "/rest/*" if "401" in kind else "/rest/adAnalytics"
    box.linkedin.faults.add(pattern, **FAULTS[kind])
    summary = run(box, dsn)
    assert summary.rows["campaign_stats"] == window_rows(box)
    assert raw_stats(SOURCE) == expected(box)
    assert len(box.linkedin.faults) == 0
    assert len([r for r in box.linkedin.requests if fnmatch(r.path, pattern)]) >= 2  # the faulted call, again
    refreshes = [r for r in box.linkedin.requests if r.path == "/oauth/v2/accessToken"]
    assert len(refreshes) == ("401" in kind)


def test_expired_tokens_are_refreshed_and_the_refresh_secrets_never_logged(box, loaded, dsn, raw_stats):
    box.linkedin.clear_requests()
    box.linkedin.expire_access_tokens()
    run(box, dsn)
    assert raw_stats(SOURCE) == expected(box)
    refresh = [r for r in box.linkedin.requests if r.path == "/oauth/v2/accessToken"]
    assert len(refresh) == 1 and refresh[0].body["refresh_token"] == "***" and refresh[0].body["client_secret"] == "***"


@pytest.mark.parametrize("status", [400, 403])
def test_a_client_error_fails_at_once_with_the_vendor_message_and_no_secret(box, loaded, dsn, caplog, status):
    caplog.set_level(logging.DEBUG)
    box.linkedin.clear_requests()
    box.linkedin.faults.clear()
    box.linkedin.faults.add("/rest/adAnalytics", status=status)
    with pytest.raises(Exception) as failure:
        run(box, dsn)
    error = root(failure.value)
    assert isinstance(error, ApiError) and error.status == status
    assert ("Invalid argument" if status == 400 else "Not enough permissions to access") in str(error)
    assert len(analytics(box)) == 1
    for name in ("linkedin_access_token", "linkedin_client_secret", "linkedin_refresh_token"):
        secret = box.credentials[name]
        assert secret not in str(failure.value) and secret not in caplog.text


def test_an_unpinned_or_sunset_version_fails_with_linkedins_message(box, loaded, dsn):
    with pytest.raises(Exception) as failure:
        run(box, dsn, api_version="202301")
    error = root(failure.value)
    assert isinstance(error, ApiError) and error.status == 426 and "202301 is not active" in str(error)


def test_new_fields_and_archived_campaigns_load(box, loaded, dsn, sql):
    campaign = box.company.linkedin.campaigns[0]
    box.linkedin.archive_campaign(campaign.id)
    box.linkedin.add_field("viralImpressions", lambda stat: stat.impressions // 10)
    box.linkedin.add_field("politicalIntent", "NOT_DECLARED", where="campaigns")
    try:
        run(box, dsn)
    finally:
        box.linkedin.extra_fields = {"stats": {}, "campaigns": {}}
    counts = sql("select count(*), count(viral_impressions) from raw_linkedin_ads.campaign_stats "
                 "where date >= %s", (END - timedelta(days=6),))[0]
    assert counts[0] == counts[1] > 0
    assert sql("select status, political_intent from raw_linkedin_ads.campaigns where campaign_id = %s",
               (campaign.id,)) == [("ARCHIVED", "NOT_DECLARED")]


def test_a_crash_mid_extraction_then_a_rerun_ends_as_an_undisturbed_run(box, dsn, reset, raw_stats, sql):
    reset(SOURCE)
    box.linkedin.faults.clear()
    box.linkedin.faults.add("/rest/adAnalytics", status=500, skip=3, times=10)
    with pytest.raises(Exception):
        run(box, dsn)
    if sql("select to_regclass('raw_linkedin_ads.campaign_stats') is not null")[0][0]:
        assert sql("select count(*) from raw_linkedin_ads.campaign_stats") == [(0,)]
    box.linkedin.faults.clear()
    run(box, dsn)
    rows = raw_stats(SOURCE)
    assert rows == expected(box) and len(rows) == len({r[:3] for r in rows})


def test_config_from_an_airflow_connection_keeps_secrets_out_of_reprs_and_errors():
    conn = SimpleNamespace(conn_id="funnelhouse_linkedin_ads", host=None, schema=None, port=None, login="client",
                           password="AQV-very-secret",
                           extra=json.dumps({"account_ids": ["urn:li:sponsoredAccount:5", "6"], "lookback_days": "10",
                                             "client_secret": "cs-very-secret", "refresh_token": "AQW-very-secret"}))
    cfg = LinkedInAdsConfig.from_connection(conn)
    assert cfg.account_ids == ("5", "6") and cfg.lookback_days == 10 and cfg.base_url == "https://api.linkedin.com"
    assert cfg.client_id == "client" and "very-secret" not in repr(cfg)
    with pytest.raises(ValueError, match="access token") as missing:
        LinkedInAdsConfig.from_connection(SimpleNamespace(**{**vars(conn), "password": None}))
    assert "very-secret" not in str(missing.value)
