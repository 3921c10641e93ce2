"""Meta Marketing API imitation over real HTTP: auth, versions, shapes, paging, async runs, errors, faults."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests

from funnelhouse.sandbox import Sandbox
from funnelhouse.sandbox import meta as meta_module

FIELDS = "account_id,campaign_id,date_start,date_stop,impressions,clicks,spend,actions,action_values"


def _get(sb: Sandbox, http: requests.Session, path: str, token: str | None = "header", **params) -> requests.Response:
    headers = {}
    if token == "header":
        headers["Authorization"] = f"Bearer {sb.credentials['meta_access_token']}"
    elif token:
        params["access_token"] = token
    return http.get(f"{sb.meta.base_url}/v24.0/{path}", params=params, headers=headers)


def _error(response: requests.Response) -> dict:
    return response.json()["error"]


def test_auth_versions_and_the_account(sandbox: Sandbox, http: requests.Session) -> None:
    account = sandbox.company.meta.accounts[0]
    assert _error(_get(sandbox, http, f"act_{account.id}", token=None))["code"] == 104
    bad = _get(sandbox, http, f"act_{account.id}", token="EAAB-not-a-token")
    assert bad.status_code == 400 and _error(bad)["code"] == 190 and _error(bad)["type"] == "OAuthException"
    old = http.get(f"{sandbox.meta.base_url}/v19.0/act_{account.id}",
                   headers={"Authorization": f"Bearer {sandbox.credentials['meta_access_token']}"})
    assert _error(old)["code"] == 2635
    body = _get(sandbox, http, f"act_{account.id}", token=sandbox.credentials["meta_access_token"],
                fields="id,account_id,name,currency,timezone_name,amount_spent").json()
    assert body["id"] == f"act_{account.id}" and body["currency"] == "EUR" and body["timezone_name"] == "Europe/Berlin"
    assert body["amount_spent"].isdigit()  # minor units, as a string
    unknown = _get(sandbox, http, f"act_{account.id}", fields="id,budget_remaning")
    assert unknown.status_code == 400 and "nonexisting field (budget_remaning)" in _error(unknown)["message"]
    stranger = _get(sandbox, http, "act_1234")
    assert _error(stranger)["code"] == 100 and _error(stranger)["error_subcode"] == 33


def test_campaign_paging_follows_absolute_next_links(sandbox: Sandbox, http: requests.Session) -> None:
    account = sandbox.company.meta.accounts[0]
    token = sandbox.credentials["meta_access_token"]
    first = _get(sandbox, http, f"act_{account.id}/campaigns", token=token, fields="id,name,status", limit=1,
                 effective_status=json.dumps(["ACTIVE", "PAUSED", "ARCHIVED"])).json()
    seen = [c["id"] for c in first["data"]]
    link = first["paging"]["next"]
    assert link.startswith(sandbox.meta.base_url) and "access_token=" in link  # the token rides in next
    while link:
        page = http.get(link).json()
        seen += [c["id"] for c in page["data"]]
        link = page.get("paging", {}).get("next")
    assert sorted(seen) == sorted(c.id for c in sandbox.company.meta.campaigns)
    assert "cursors" in page["paging"] and "next" not in page["paging"]
    too_big = _get(sandbox, http, f"act_{account.id}/campaigns", limit=meta_module.MAX_LIMIT + 1)
    assert too_big.status_code == 400 and _error(too_big)["code"] == 100


def test_insight_rows_carry_strings_local_days_and_no_empty_actions(sandbox: Sandbox, http: requests.Session) -> None:
    account = sandbox.company.meta.accounts[0]
    window = {"since": "2026-10-01", "until": "2026-10-31"}
    body = _get(sandbox, http, f"act_{account.id}/insights", level="campaign", time_increment=1, fields=FIELDS,
                time_range=json.dumps(window), limit=500).json()
    rows = body["data"]
    stats = sandbox.meta.stats(account.id, date(2026, 10, 1), date(2026, 10, 31))
    assert len(rows) == len(stats) and "next" not in body.get("paging", {})
    assert all(isinstance(r[k], str) for r in rows for k in ("impressions", "clicks", "spend"))
    assert sum(Decimal(r["spend"]) for r in rows) == sum(s.spend for s in stats)
    assert all(r["date_start"] == r["date_stop"] and "2026-10-01" <= r["date_start"] <= "2026-10-31" for r in rows)
    assert any("actions" not in r for r in rows) or all(r["actions"] for r in rows)
    assert all("actions" not in r or r["actions"] for r in rows)  # absent, never []
    assert str(ZoneInfo(account.time_zone)) == "Europe/Berlin"


def test_insight_limits_and_attribution_windows(sandbox: Sandbox, http: requests.Session,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meta_module, "SYNC_ROW_CAP", 500)
    account = sandbox.company.meta.accounts[0]
    everything = _get(sandbox, http, f"act_{account.id}/insights", level="campaign", time_increment=1, fields=FIELDS,
                      time_range=json.dumps({"since": "2024-12-01", "until": "2026-11-28"}))
    assert everything.status_code == 500 and _error(everything)["code"] == 1  # ask a report run instead
    deprecated = _get(sandbox, http, f"act_{account.id}/insights", fields=FIELDS,
                      action_attribution_windows=json.dumps(["7d_view"]))
    assert deprecated.status_code == 400 and _error(deprecated)["code"] == 100
    wrong_field = _get(sandbox, http, f"act_{account.id}/insights", fields="spend,roas")
    assert "roas is not valid for fields param" in _error(wrong_field)["message"]


def test_report_runs_move_through_their_states(small_sandbox: Sandbox, http: requests.Session) -> None:
    server, account = small_sandbox.meta, small_sandbox.company.meta.accounts[0]
    headers = {"Authorization": f"Bearer {small_sandbox.credentials['meta_access_token']}"}
    params = {"level": "campaign", "time_increment": "1", "fields": FIELDS,
              "time_range": json.dumps({"since": "2025-01-01", "until": "2026-11-28"})}
    run_id = http.post(f"{server.base_url}/v24.0/act_{account.id}/insights", data=params,
                       headers=headers).json()["report_run_id"]
    early = http.get(f"{server.base_url}/v24.0/{run_id}/insights", headers=headers)
    assert early.status_code == 400
    states = [http.get(f"{server.base_url}/v24.0/{run_id}", headers=headers).json() for _ in range(5)]
    assert [s["async_status"] for s in states] == ["Job Not Started", "Job Started", "Job Running", "Job Completed",
                                                   "Job Completed"]
    assert states[2]["async_percent_completion"] == 100  # sits at 100% before it completes
    page = http.get(f"{server.base_url}/v24.0/{run_id}/insights", params={"limit": 100}, headers=headers).json()
    assert len(page["data"]) == 100 and page["paging"]["next"].startswith(f"{server.base_url}/v24.0/{run_id}/insights")
    server.fail_next_jobs(1)
    run_id = http.post(f"{server.base_url}/v24.0/act_{account.id}/insights", data=params,
                       headers=headers).json()["report_run_id"]
    final = [http.get(f"{server.base_url}/v24.0/{run_id}", headers=headers).json()["async_status"] for _ in range(4)]
    assert final[-1] == "Job Failed"


def test_usage_headers_rate_limits_and_faults(small_sandbox: Sandbox, http: requests.Session) -> None:
    server, account = small_sandbox.meta, small_sandbox.company.meta.accounts[0]
    headers = {"Authorization": f"Bearer {small_sandbox.credentials['meta_access_token']}"}
    url = f"{server.base_url}/v24.0/act_{account.id}/insights"
    ok = http.get(url, headers=headers)
    assert {"x-app-usage", "x-ad-account-usage", "x-business-use-case-usage", "x-fb-ads-insights-throttle"} <= set(
        k.lower() for k in ok.headers)
    server.throttle(80004, regain_minutes=3)
    limited = http.get(url, headers=headers)
    assert limited.status_code == 400 and _error(limited)["code"] == 80004 and _error(limited)["is_transient"]
    usage = json.loads(limited.headers["x-business-use-case-usage"])[account.id][0]
    assert usage["estimated_time_to_regain_access"] == 3 and usage["call_count"] == 100
    server.faults.add("/v24.0/act_*/insights", truncate=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(url, headers=headers)
    server.faults.add("/v24.0/act_*/insights", status=401)
    expired = http.get(url, headers=headers)
    assert _error(expired)["code"] == 190 and _error(expired)["error_subcode"] == 463
    assert "www-authenticate" in {k.lower() for k in expired.headers}


def test_token_exchange_renews_a_valid_token_only(small_sandbox: Sandbox, http: requests.Session) -> None:
    server, creds = small_sandbox.meta, small_sandbox.credentials
    form = {"grant_type": "fb_exchange_token", "client_id": creds["meta_app_id"], "client_secret": creds["meta_app_secret"],
            "fb_exchange_token": creds["meta_access_token"]}
    fresh = http.post(f"{server.base_url}/v24.0/oauth/access_token", data=form).json()
    assert fresh["token_type"] == "bearer" and fresh["access_token"] != creds["meta_access_token"]
    logged = [r for r in server.requests if r.path.endswith("/oauth/access_token")][-1]
    assert logged.body["client_secret"] == "***" and logged.body["fb_exchange_token"] == "***"
    server.expire_access_tokens()
    refused = http.post(f"{server.base_url}/v24.0/oauth/access_token",
                        data={**form, "fb_exchange_token": fresh["access_token"]})
    assert _error(refused)["code"] == 190
