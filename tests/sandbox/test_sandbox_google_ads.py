"""Google Ads imitation over real HTTP: OAuth, auth headers, GAQL, stream shape, errors, faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import requests

from funnelhouse.sandbox import Sandbox
from funnelhouse.sandbox import google_ads as google_ads_module

Headers = Callable[[Sandbox], dict[str, str]]
REPORT = ("SELECT customer.id, campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, "
          "metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '{0}' AND '{1}'")
ACCOUNT = "SELECT customer.id FROM customer"


def _stream(sb: Sandbox, http: requests.Session, customer_id: str, query: str, headers: dict[str, str]) -> requests.Response:
    return http.post(f"{sb.google_ads.base_url}/v21/customers/{customer_id}/googleAds:searchStream",
                     headers=headers, json={"query": query})


def _error_code(body: Any) -> dict[str, str]:
    error = (body[0] if isinstance(body, list) else body)["error"]
    return error["details"][0]["errors"][0]["errorCode"]


def test_oauth_token_endpoint(sandbox: Sandbox, http: requests.Session) -> None:
    creds, url = sandbox.credentials, f"{sandbox.google_ads.base_url}/token"
    form = {"grant_type": "refresh_token", "client_id": creds["google_ads_client_id"],
            "client_secret": creds["google_ads_client_secret"], "refresh_token": "1//revoked"}
    response = http.post(url, data=form)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    good = http.post(url, data={**form, "refresh_token": creds["google_ads_refresh_token"]}).json()
    assert good["expires_in"] == 3599 and good["token_type"] == "Bearer" and good["access_token"]
    logged = [r for r in sandbox.google_ads.requests if r.path == "/token"][-1]
    assert logged.body["refresh_token"] == "***" and logged.body["client_secret"] == "***"


def test_auth_headers_are_required(sandbox: Sandbox, http: requests.Session, google_ads_headers: Headers) -> None:
    customer, headers = sandbox.company.google_ads.customers[0].id, google_ads_headers(sandbox)
    no_bearer = _stream(sandbox, http, customer, ACCOUNT, {"developer-token": headers["developer-token"]})
    assert no_bearer.status_code == 401 and no_bearer.json()["error"]["status"] == "UNAUTHENTICATED"
    no_dev = _stream(sandbox, http, customer, ACCOUNT, {"Authorization": headers["Authorization"]})
    assert no_dev.status_code == 400 and _error_code(no_dev.json()) == {"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"}
    wrong_dev = _stream(sandbox, http, customer, ACCOUNT, {**headers, "developer-token": "x" * 22})
    assert wrong_dev.status_code == 401 and _error_code(wrong_dev.json()) == {"authenticationError": "DEVELOPER_TOKEN_INVALID"}
    stranger = _stream(sandbox, http, "1234567890", ACCOUNT, headers)
    assert stranger.status_code == 403 and _error_code(stranger.json()) == {"authorizationError": "USER_PERMISSION_DENIED"}
    old = http.post(f"{sandbox.google_ads.base_url}/v16/customers/{customer}/googleAds:searchStream", headers=headers,
                    json={"query": ACCOUNT})
    assert old.status_code == 404 and old.json()["error"]["status"] == "NOT_FOUND"
    listed = http.get(f"{sandbox.google_ads.base_url}/v21/customers:listAccessibleCustomers", headers=headers).json()
    assert listed["resourceNames"] == [f"customers/{c.id}" for c in sandbox.company.google_ads.customers]


def test_report_stream_shape_and_totals(sandbox: Sandbox, http: requests.Session, google_ads_headers: Headers) -> None:
    customer = sandbox.company.google_ads.customers[1]
    response = _stream(sandbox, http, customer.id, REPORT.format("2025-01-01", "2026-11-28"), google_ads_headers(sandbox))
    assert response.status_code == 200
    batches = response.json()
    rows = [row for batch in batches for row in batch["results"]]
    assert all(len(batch["results"]) <= 10_000 and batch["requestId"] for batch in batches)
    assert batches[0]["fieldMask"] == ("customer.id,campaign.id,segments.date,metrics.impressions,metrics.clicks,"
                                       "metrics.costMicros,metrics.conversions,metrics.conversionsValue")
    row = rows[0]
    assert row["customer"] == {"resourceName": f"customers/{customer.id}", "id": customer.id}
    assert row["campaign"]["resourceName"] == f"customers/{customer.id}/campaigns/{row['campaign']['id']}"
    assert all(isinstance(row["metrics"][k], str) for k in ("impressions", "clicks", "costMicros"))
    assert all(isinstance(row["metrics"][k], float) for k in ("conversions", "conversionsValue"))
    stats = [s for s in sandbox.company.google_ads.stats if s.customer_id == customer.id and s.date >= date(2025, 1, 1)]
    assert len(rows) == len(stats)
    assert sum(int(r["metrics"]["costMicros"]) for r in rows) == sum(s.cost_micros for s in stats)


def test_stream_splits_into_batches(sandbox: Sandbox, http: requests.Session, google_ads_headers: Headers,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(google_ads_module, "BATCH_ROWS", 500)
    customer = sandbox.company.google_ads.customers[0].id
    query = REPORT.split(" WHERE ")[0] + " WHERE segments.date >= '2026-01-01' AND segments.date <= '2026-11-28'"
    batches = _stream(sandbox, http, customer, query, google_ads_headers(sandbox)).json()
    sizes = [len(b["results"]) for b in batches]
    stats = sandbox.company.google_ads.stats
    expected = sum(1 for s in stats if s.customer_id == customer and s.date >= date(2026, 1, 1))
    assert len(batches) > 1 and max(sizes) == 500 and sum(sizes) == expected
    assert len({b["requestId"] for b in batches}) == 1


def test_attribute_queries(sandbox: Sandbox, http: requests.Session, google_ads_headers: Headers) -> None:
    customer, headers = sandbox.company.google_ads.customers[2], google_ads_headers(sandbox)
    fields = "customer.id, customer.currency_code, customer.time_zone, customer.descriptive_name"
    account = _stream(sandbox, http, customer.id, f"SELECT {fields} FROM customer", headers).json()
    assert account[0]["results"][0]["customer"]["currencyCode"] == "GBP"
    assert account[0]["results"][0]["customer"]["timeZone"] == "Europe/London"
    fields = "campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type"
    campaigns = _stream(sandbox, http, customer.id, f"SELECT {fields} FROM campaign", headers).json()
    got = {r["campaign"]["id"]: r["campaign"] for r in campaigns[0]["results"]}
    expected = [c for c in sandbox.company.google_ads.campaigns if c.customer_id == customer.id]
    assert set(got) == {c.id for c in expected}
    assert all(got[c.id]["status"] == c.status and got[c.id]["advertisingChannelType"] == "SEARCH" for c in expected)


def test_query_errors(sandbox: Sandbox, http: requests.Session, google_ads_headers: Headers) -> None:
    customer, headers = sandbox.company.google_ads.customers[0].id, google_ads_headers(sandbox)
    cases = {
        "SELECT campaign.id, segments.date, metrics.clicks FROM campaign": "EXPECTED_FILTERS_ON_DATE_RANGE",
        "SELECT campaign.id, segments.date FROM campaign WHERE segments.date >= '2026-01-01'": "EXPECTED_FILTERS_ON_DATE_RANGE",
        "SELECT campaign.nme FROM campaign": "UNRECOGNIZED_FIELD",
        "SELECT campaign.id FROM keyword_view": "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
    }
    for query, code in cases.items():
        response = _stream(sandbox, http, customer, query, headers)
        assert response.status_code == 400, query
        body = response.json()
        assert isinstance(body, list) and body[0]["error"]["status"] == "INVALID_ARGUMENT"
        assert _error_code(body) == {"queryError": code}, query


def test_restatement_and_faults(small_sandbox: Sandbox, http: requests.Session, google_ads_headers: Headers) -> None:
    server, headers = small_sandbox.google_ads, google_ads_headers(small_sandbox)
    stat = next(s for s in reversed(small_sandbox.company.google_ads.stats) if s.clicks)
    query = REPORT.format(stat.date, stat.date) + f" AND campaign.id = {stat.campaign_id}"
    before = _stream(small_sandbox, http, stat.customer_id, query, headers).json()[0]["results"][0]["metrics"]
    server.restate(stat.date, stat.campaign_id, extra_conversions=2)
    after = _stream(small_sandbox, http, stat.customer_id, query, headers).json()[0]["results"][0]["metrics"]
    assert after["conversions"] == pytest.approx(before["conversions"] + 2)

    server.faults.add("/v21/customers/*/googleAds:searchStream", status=429, times=2)
    for _ in range(2):
        limited = _stream(small_sandbox, http, stat.customer_id, query, headers)
        assert limited.status_code == 429
        failure = limited.json()[0]["error"]
        assert failure["status"] == "RESOURCE_EXHAUSTED"
        assert failure["details"][0]["errors"][0]["details"]["quotaErrorDetails"]["retryDelay"] == "37s"
    assert _stream(small_sandbox, http, stat.customer_id, query, headers).status_code == 200
    statuses = [r.status for r in server.requests if r.path.endswith(":searchStream")]
    assert statuses[-3:] == [429, 429, 200]
    assert all(r.headers["developer-token"] == "***" for r in server.requests if "developer-token" in r.headers)

    server.expire_access_tokens()
    expired = _stream(small_sandbox, http, stat.customer_id, query, headers)
    assert expired.status_code == 401 and _error_code(expired.json()) == {"authenticationError": "OAUTH_TOKEN_EXPIRED"}
