"""LinkedIn Marketing API imitation over real HTTP: headers, Rest.li 2.0 syntax, paging, analytics, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import requests

from funnelhouse.sandbox import Sandbox
from funnelhouse.sandbox.linkedin import RestliSyntaxError, parse_restli


def _headers(sb: Sandbox, **overrides: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {sb.credentials['linkedin_access_token']}", "LinkedIn-Version": "202610",
               "X-Restli-Protocol-Version": "2.0.0", **overrides}
    return {k: v for k, v in headers.items() if v}


def _analytics(sb: Sandbox, window: str = "(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:28))",
               fields: str = "dateRange,pivotValues,impressions,clicks,costInLocalCurrency") -> str:
    urns = ",".join(f"urn%3Ali%3AsponsoredCampaign%3A{c.id}" for c in sb.company.linkedin.campaigns)
    return (f"{sb.linkedin.base_url}/rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
            f"&dateRange={window}&campaigns=List({urns})&fields={fields}")


def test_restli_parser() -> None:
    assert parse_restli("(start:(year:2026,month:5,day:1))") == {"start": {"year": "2026", "month": "5", "day": "1"}}
    assert parse_restli("List(urn%3Ali%3AsponsoredCampaign%3A1,urn%3Ali%3AsponsoredCampaign%3A2)") == [
        "urn:li:sponsoredCampaign:1", "urn:li:sponsoredCampaign:2"]
    for bad in ("List(urn:li:sponsoredCampaign:1)", "(start:(year:2026)", "List(a,b"):
        with pytest.raises(RestliSyntaxError):
            parse_restli(bad)


def test_mandatory_headers_and_tokens(sandbox: Sandbox, http: requests.Session) -> None:
    account = sandbox.company.linkedin.accounts[0]
    url = f"{sandbox.linkedin.base_url}/rest/adAccounts/{account.id}"
    assert http.get(url, headers=_headers(sandbox, **{"LinkedIn-Version": ""})).json()["code"] == "VERSION_MISSING"
    sunset = http.get(url, headers=_headers(sandbox, **{"LinkedIn-Version": "202401"}))
    assert sunset.status_code == 426 and sunset.json()["code"] == "NONEXISTENT_VERSION"
    no_restli = http.get(url, headers=_headers(sandbox, **{"X-Restli-Protocol-Version": ""}))
    assert no_restli.status_code == 400
    bad = http.get(url, headers=_headers(sandbox, Authorization="Bearer AQV-nope"))
    assert bad.status_code == 401 and bad.json() == {"status": 401, "serviceErrorCode": 65600,
                                                     "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"}
    body = http.get(url, headers=_headers(sandbox)).json()
    assert body["id"] == int(account.id) and body["currency"] == "USD"


def test_campaign_search_pages_by_token(sandbox: Sandbox, http: requests.Session) -> None:
    account = sandbox.company.linkedin.accounts[0]
    url = f"{sandbox.linkedin.base_url}/rest/adAccounts/{account.id}/adCampaigns?q=search&pageSize=1"
    seen, token = [], None
    while True:
        page = http.get(url + (f"&pageToken={token}" if token else ""), headers=_headers(sandbox)).json()
        seen += [e["id"] for e in page["elements"]]
        token = page["metadata"].get("nextPageToken")
        if not token:
            break
    assert sorted(seen) == sorted(int(c.id) for c in sandbox.company.linkedin.campaigns if c.status != "ARCHIVED")
    too_big = http.get(url.replace("pageSize=1", "pageSize=5000"), headers=_headers(sandbox))
    assert too_big.status_code == 400


def test_analytics_shape_and_strict_syntax(sandbox: Sandbox, http: requests.Session) -> None:
    response = http.get(_analytics(sandbox), headers=_headers(sandbox))
    assert response.status_code == 200
    body = response.json()
    assert body["paging"] == {"start": 0, "count": 10, "links": []}  # no paging: all in one answer
    element = body["elements"][0]
    assert isinstance(element["costInLocalCurrency"], str) and isinstance(element["impressions"], int)
    assert element["pivotValues"][0].startswith("urn:li:sponsoredCampaign:")
    assert element["dateRange"]["start"] == element["dateRange"]["end"]
    account = sandbox.company.linkedin.accounts[0]
    stats = sandbox.linkedin.stats(account.id, date(2026, 11, 1), date(2026, 11, 28))
    assert sum(Decimal(e["costInLocalCurrency"]) for e in body["elements"]) == sum(s.spend for s in stats)
    encoded = http.get(_analytics(sandbox).replace("dateRange=(", "dateRange=%28"), headers=_headers(sandbox))
    assert encoded.status_code == 400 and encoded.json()["code"] == "ILLEGAL_ARGUMENT"
    raw_colons = http.get(_analytics(sandbox).replace("%3A", ":"), headers=_headers(sandbox))
    assert raw_colons.status_code == 400
    many = ",".join(["impressions"] * 21)
    assert http.get(_analytics(sandbox, fields=many), headers=_headers(sandbox)).status_code == 400
    before = "(start:(year:2020,month:1,day:1),end:(year:2020,month:1,day:31))"
    assert http.get(_analytics(sandbox, window=before), headers=_headers(sandbox)).json()["elements"] == []


def test_throttling_and_refresh(small_sandbox: Sandbox, http: requests.Session) -> None:
    server, creds = small_sandbox.linkedin, small_sandbox.credentials
    server.daily_limit = 0
    limited = http.get(_analytics(small_sandbox), headers=_headers(small_sandbox))
    assert limited.status_code == 429 and limited.json()["code"] == "TOO_MANY_REQUESTS"
    assert "retry-after" not in {k.lower() for k in limited.headers}
    server.daily_limit = 100_000
    server.expire_access_tokens()
    expired = http.get(_analytics(small_sandbox), headers=_headers(small_sandbox))
    assert expired.status_code == 401 and expired.json()["code"] == "EXPIRED_ACCESS_TOKEN"
    fresh = http.post(f"{server.base_url}/oauth/v2/accessToken", data={
        "grant_type": "refresh_token", "refresh_token": creds["linkedin_refresh_token"],
        "client_id": creds["linkedin_client_id"], "client_secret": creds["linkedin_client_secret"]}).json()
    assert fresh["refresh_token"] == creds["linkedin_refresh_token"]  # LinkedIn does not rotate it
    ok = http.get(_analytics(small_sandbox), headers=_headers(small_sandbox, Authorization=f"Bearer {fresh['access_token']}"))
    assert ok.status_code == 200
