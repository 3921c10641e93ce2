"""Microsoft Advertising imitation over real HTTP: OAuth, headers, report flow, the CSV as Microsoft writes it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
import requests

from funnelhouse.sandbox import Sandbox

SUBMIT, POLL = "/Reporting/v13/GenerateReport/Submit", "/Reporting/v13/GenerateReport/Poll"
COLUMNS = ["TimePeriod", "AccountId", "CampaignId", "Impressions", "Clicks", "Spend", "Conversions", "Revenue"]


@pytest.fixture(scope="module")
def ms_headers(http: requests.Session) -> Callable[[Sandbox], dict[str, str]]:
    def make(sb: Sandbox) -> dict[str, str]:
        creds, account = sb.credentials, sb.company.microsoft_ads.accounts[0]
        token = http.post(f"{sb.microsoft_ads.base_url}/common/oauth2/v2.0/token", data={
            "grant_type": "refresh_token", "client_id": creds["microsoft_ads_client_id"],
            "refresh_token": creds["microsoft_ads_refresh_token"], "scope": "https://ads.microsoft.com/msads.manage",
        }).json()["access_token"]
        return {"Authorization": f"Bearer {token}", "DeveloperToken": creds["microsoft_ads_developer_token"],
                "CustomerId": account.customer_id, "CustomerAccountId": account.id}

    return make


def _request(sb: Sandbox, start: tuple[int, int, int] = (2026, 11, 1), end: tuple[int, int, int] = (2026, 11, 28),
             **overrides) -> dict:
    def day(ymd: tuple[int, int, int]) -> dict[str, int]:
        return {"Year": ymd[0], "Month": ymd[1], "Day": ymd[2]}

    request = {"Type": "CampaignPerformanceReportRequest", "ReportName": "test", "Format": "Csv",
               "Aggregation": "Daily", "Columns": COLUMNS,
               "Scope": {"AccountIds": [int(sb.company.microsoft_ads.accounts[0].id)]},
               "Time": {"CustomDateRangeStart": day(start), "CustomDateRangeEnd": day(end),
                        "ReportTimeZone": "PacificTimeUSCanadaTijuana"}}
    return {"ReportRequest": {**request, **overrides}}


def _run(sb: Sandbox, http: requests.Session, headers: dict[str, str], body: dict) -> dict:
    request_id = http.post(sb.microsoft_ads.base_url + SUBMIT, json=body, headers=headers).json()["ReportRequestId"]
    for _ in range(sb.microsoft_ads.pending_polls):
        pending = http.post(sb.microsoft_ads.base_url + POLL, json={"ReportRequestId": request_id}, headers=headers)
        assert pending.json()["ReportRequestStatus"] == {"ReportDownloadUrl": None, "Status": "Pending"}
    return http.post(sb.microsoft_ads.base_url + POLL, json={"ReportRequestId": request_id},
                     headers=headers).json()["ReportRequestStatus"]


def test_oauth_rotates_refresh_tokens_and_keeps_the_old_one_valid(sandbox: Sandbox, http: requests.Session) -> None:
    creds, url = sandbox.credentials, f"{sandbox.microsoft_ads.base_url}/common/oauth2/v2.0/token"
    form = {"grant_type": "refresh_token", "client_id": creds["microsoft_ads_client_id"],
            "refresh_token": creds["microsoft_ads_refresh_token"]}
    first = http.post(url, data=form).json()
    assert first["refresh_token"] != creds["microsoft_ads_refresh_token"] and first["expires_in"] == 3600
    assert http.post(url, data={**form, "refresh_token": first["refresh_token"]}).status_code == 200
    assert http.post(url, data=form).status_code == 200
    bad = http.post(url, data={**form, "refresh_token": "M.C5-nope"}).json()
    assert bad["error"] == "invalid_grant" and bad["error_codes"] == [70000]


def test_headers_are_required(sandbox: Sandbox, http: requests.Session, ms_headers) -> None:
    headers, url = ms_headers(sandbox), sandbox.microsoft_ads.base_url + SUBMIT
    no_token = http.post(url, json=_request(sandbox), headers={**headers, "Authorization": ""}).json()
    assert no_token["Type"] == "AdApiFaultDetail" and no_token["Errors"][0]["Code"] == 105
    wrong_dev = http.post(url, json=_request(sandbox), headers={**headers, "DeveloperToken": "X" * 16})
    assert wrong_dev.status_code == 401 and wrong_dev.json()["Errors"][0]["ErrorCode"] == "InvalidCredentials"
    no_account = {k: v for k, v in headers.items() if k != "CustomerAccountId"}
    assert http.post(url, json=_request(sandbox), headers=no_account).json()["Errors"][0]["Code"] == 106


def test_report_validation(sandbox: Sandbox, http: requests.Session, ms_headers) -> None:
    headers, url = ms_headers(sandbox), sandbox.microsoft_ads.base_url + SUBMIT
    cases = {
        2028: _request(sandbox, Columns=["CampaignId", "Clicks"]),
        2021: _request(sandbox, Columns=["TimePeriod", "Clickz"]),
        2100: _request(sandbox, Time={**_request(sandbox)["ReportRequest"]["Time"], "ReportTimeZone": "EasternTimeUSCanada"}),
        2015: _request(sandbox, start=(2020, 1, 1)),
    }
    for code, body in cases.items():
        response = http.post(url, json=body, headers=headers).json()
        assert response["Type"] == "ApiFaultDetail" and response["OperationErrors"][0]["Code"] == code, code


def test_the_report_is_a_zip_holding_microsofts_csv(sandbox: Sandbox, http: requests.Session, ms_headers) -> None:
    status = _run(sandbox, http, ms_headers(sandbox), _request(sandbox))
    assert status["Status"] == "Success" and status["ReportDownloadUrl"].startswith(sandbox.microsoft_ads.base_url)
    with_auth = http.get(status["ReportDownloadUrl"], headers={"Authorization": "Bearer x"})
    assert with_auth.status_code == 400 and "<Code>InvalidAuthenticationInfo</Code>" in with_auth.text
    archive = http.get(status["ReportDownloadUrl"])
    assert archive.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        (name,) = zipped.namelist()
        raw = zipped.read(name)
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"Report Name: test"' and any(line.startswith('"Rows: ') for line in lines[:10])
    header = lines.index('"' + '","'.join(COLUMNS) + '"')
    rows = lines[header + 1:]
    assert rows[-1] == "" and rows[-2].startswith('"\u00a92026 Microsoft Corporation')
    assert rows[-4].startswith('"Total"')
    data = rows[:-4]
    assert all(line.startswith('"2026-11-') for line in data)
    assert any('"--"' in line for line in data) and any('","1,' in line for line in data)


def test_empty_reports_expired_urls_and_failures(small_sandbox: Sandbox, http: requests.Session, ms_headers) -> None:
    server, headers = small_sandbox.microsoft_ads, ms_headers(small_sandbox)
    empty = _run(small_sandbox, http, headers, _request(small_sandbox, start=(2024, 6, 1), end=(2024, 6, 30)))
    before_history = min(s.date for s in small_sandbox.company.microsoft_ads.stats)
    assert before_history.isoformat() > "2024-06-30" and empty == {"ReportDownloadUrl": None, "Status": "Success"}
    server.url_ttl = 0
    status = _run(small_sandbox, http, headers, _request(small_sandbox))
    assert http.get(status["ReportDownloadUrl"]).status_code == 403
    server.fail_next_reports(1)
    assert _run(small_sandbox, http, headers, _request(small_sandbox))["Status"] == "Error"
    server.faults.add(SUBMIT, status=429)
    limited = http.post(server.base_url + SUBMIT, json=_request(small_sandbox), headers=headers)
    assert limited.status_code == 429 and limited.json()["Errors"][0]["ErrorCode"] == "CallRateExceeded"
