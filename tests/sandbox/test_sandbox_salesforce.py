"""Salesforce imitation over real HTTP: OAuth, sessions, SOQL, paging, deletes, limits, faults."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import requests

from funnelhouse.sandbox import Sandbox, start_sandbox
from funnelhouse.sandbox.salesforce_org import salesforce_id

DATA = "/services/data/v62.0"
SF_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def login(sb: Sandbox, http: requests.Session, **form: str) -> requests.Response:
    creds = sb.credentials
    body = {"grant_type": "refresh_token", "client_id": creds["salesforce_client_id"],
            "client_secret": creds["salesforce_client_secret"], "refresh_token": creds["salesforce_refresh_token"]}
    return http.post(f"{sb.salesforce.base_url}/services/oauth2/token", data={**body, **form})


def headers(sb: Sandbox, http: requests.Session, batch: int | None = None) -> dict[str, str]:
    token = login(sb, http).json()["access_token"]
    extra = {"Sforce-Query-Options": f"batchSize={batch}"} if batch else {}
    return {"Authorization": f"Bearer {token}", **extra}


def query(sb: Sandbox, http: requests.Session, soql: str, endpoint: str = "query", **kw) -> requests.Response:
    return http.get(f"{sb.salesforce.base_url}{DATA}/{endpoint}", params={"q": soql}, headers=headers(sb, http, **kw))


@pytest.fixture()
def own(small_sandbox: Sandbox) -> Iterator[Sandbox]:
    yield small_sandbox


def test_token_answers_with_the_instance_url_and_bad_grants_are_refused(sandbox: Sandbox, http: requests.Session):
    body = login(sandbox, http).json()
    assert body["instance_url"] == sandbox.salesforce.base_url and body["token_type"] == "Bearer"
    assert body["access_token"].startswith(sandbox.company.salesforce.org_id[:15] + "!")
    assert body["issued_at"].isdigit()
    creds = login(sandbox, http, grant_type="client_credentials", refresh_token="")
    assert creds.status_code == 200 and creds.json()["access_token"] != body["access_token"]
    bad = login(sandbox, http, refresh_token="5Aep861-not-it")
    assert bad.status_code == 400 and bad.json() == {"error": "invalid_grant",
                                                     "error_description": "expired access/refresh token"}
    assert login(sandbox, http, client_secret="nope").json()["error"] == "invalid_client"


def test_data_calls_need_a_live_session(own: Sandbox, http: requests.Session):
    url = f"{own.salesforce.base_url}{DATA}/query"
    missing = http.get(url, params={"q": "SELECT Id FROM User"})
    assert missing.status_code == 401
    assert missing.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    auth = headers(own, http)
    assert http.get(url, params={"q": "SELECT Id FROM User"}, headers=auth).status_code == 200
    own.salesforce.expire_sessions()
    expired = http.get(url, params={"q": "SELECT Id FROM User"}, headers=auth)
    assert expired.status_code == 401 and expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_every_data_answer_reports_usage_and_the_daily_limit_is_enforced(own: Sandbox, http: requests.Session):
    auth = headers(own, http)
    url = f"{own.salesforce.base_url}{DATA}/limits"
    first = http.get(url, headers=auth)
    used = int(re.fullmatch(r"api-usage=(\d+)/100000", first.headers["Sforce-Limit-Info"]).group(1))
    assert first.json()["DailyApiRequests"] == {"Max": 100000, "Remaining": 100000 - used}
    own.salesforce.daily_limit = used + 1
    assert http.get(url, headers=auth).status_code == 200
    over = http.get(url, headers=auth)
    assert over.status_code == 403
    assert over.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_paging_follows_next_records_url_back_to_the_server(sandbox: Sandbox, http: requests.Session):
    auth = headers(sandbox, http, batch=200)
    url = f"{sandbox.salesforce.base_url}{DATA}/query"
    page = http.get(url, params={"q": "SELECT Id, Name, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"},
                    headers=auth).json()
    live = [r for r in sandbox.company.salesforce.records("Lead") if not r["IsDeleted"]]
    assert page["totalSize"] == len(live) > 400
    ids, pages = [], 0
    while True:
        pages += 1
        assert len(page["records"]) <= 200
        ids += [r["Id"] for r in page["records"]]
        if page["done"]:
            assert "nextRecordsUrl" not in page
            break
        assert re.fullmatch(DATA + r"/query/01g\w+-\d+", page["nextRecordsUrl"])
        page = http.get(sandbox.salesforce.base_url + page["nextRecordsUrl"], headers=auth).json()
    assert pages == -(-len(live) // 200) and len(set(ids)) == len(ids) == len(live)
    ordered = sorted(live, key=lambda r: (r["SystemModstamp"], r["Id"]))
    assert ids == [r["Id"] for r in ordered]


def test_batch_size_stays_within_salesforce_bounds(sandbox: Sandbox, http: requests.Session):
    soql = "SELECT Id FROM Lead"
    default = query(sandbox, http, soql).json()  # 2,000 by default: every live lead in one page
    assert default["done"] and len(default["records"]) == default["totalSize"] > 1000
    assert len(query(sandbox, http, soql, batch=50).json()["records"]) == 200  # 200 is the floor
    assert len(query(sandbox, http, soql, batch=300).json()["records"]) == 300


def test_records_have_the_rest_shape(sandbox: Sandbox, http: requests.Session):
    body = query(sandbox, http, "SELECT Id, Amount, IsWon, CloseDate, CreatedDate, SystemModstamp, Probability, "
                                "CampaignId FROM Opportunity LIMIT 50").json()
    assert body["done"] and body["totalSize"] == 50
    for record in body["records"]:
        assert record["attributes"] == {"type": "Opportunity", "url": f"{DATA}/sobjects/Opportunity/{record['Id']}"}
        assert set(record) == {"attributes", "Id", "Amount", "IsWon", "CloseDate", "CreatedDate", "SystemModstamp",
                               "Probability", "CampaignId"}  # nulls present, keys never dropped
        assert SF_DATETIME.match(record["CreatedDate"]) and SF_DATETIME.match(record["SystemModstamp"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", record["CloseDate"])
        assert isinstance(record["Amount"], float) and isinstance(record["IsWon"], bool)
        assert 0 <= record["Probability"] <= 100
    assert re.fullmatch(r"00Q[0-9A-Za-z]{15}", salesforce_id("00Q", 123456))


def test_query_hides_deleted_rows_and_query_all_returns_them(sandbox: Sandbox, http: requests.Session):
    soql = "SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true"
    assert query(sandbox, http, soql).json()["totalSize"] == 0
    deleted = query(sandbox, http, soql, "queryAll").json()
    expected = [r["Id"] for r in sandbox.company.salesforce.records("Lead") if r["IsDeleted"]]
    assert deleted["totalSize"] == len(expected) > 0
    assert all(r["IsDeleted"] is True for r in deleted["records"])


def test_datetime_filters_take_unquoted_literals_in_every_offset_form(sandbox: Sandbox, http: requests.Session):
    cut = datetime(2026, 1, 1, tzinfo=timezone.utc)
    expected = sum(1 for r in sandbox.company.salesforce.records("Lead") if r["SystemModstamp"] >= cut)
    for literal in ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", "2026-01-01T01:00:00+01:00",
                    "2026-01-01T00:00:00.000+0000"):
        body = query(sandbox, http, f"SELECT Id FROM Lead WHERE SystemModstamp >= {literal}", "queryAll").json()
        assert body["totalSize"] == expected, literal
    quoted = query(sandbox, http, "SELECT Id FROM Lead WHERE SystemModstamp >= '2026-01-01T00:00:00Z'")
    assert quoted.status_code == 400 and quoted.json()[0]["errorCode"] == "INVALID_FIELD"


@pytest.mark.parametrize("soql, status, code", [
    ("SELECT Id, Shoe_Size__c FROM Lead", 400, "INVALID_FIELD"),
    ("SELECT Id FROM Quote", 400, "INVALID_TYPE"),
    ("SELECT Id FROM Lead ORDER BY Nothing", 400, "INVALID_FIELD"),
    ("SELECT Id Lead", 400, "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead WHERE", 400, "MALFORMED_QUERY"),
    ("SELECT Id FROM Lead LIMIT ten", 400, "MALFORMED_QUERY"),
    ("SELECT Address FROM Lead", 400, "INVALID_FIELD"),
])
def test_bad_soql_gets_the_salesforce_error_array(sandbox: Sandbox, http: requests.Session, soql, status, code):
    response = query(sandbox, http, soql)
    assert response.status_code == status
    (error,) = response.json()
    assert error["errorCode"] == code and error["message"]


def test_unknown_api_version_and_expired_locators(own: Sandbox, http: requests.Session):
    auth = headers(own, http, batch=200)
    base = own.salesforce.base_url
    old = http.get(f"{base}/services/data/v12.0/query", params={"q": "SELECT Id FROM Lead"}, headers=auth)
    assert old.status_code == 404 and old.json()[0]["errorCode"] == "NOT_FOUND"
    assert "v62.0" in {v["url"].rsplit("/", 1)[1] for v in http.get(f"{base}/services/data/").json()}
    first = http.get(f"{base}{DATA}/query", params={"q": "SELECT Id FROM Lead"}, headers=auth).json()
    own.salesforce.expire_query_locators()
    gone = http.get(base + first["nextRecordsUrl"], headers=auth)
    assert gone.status_code == 400 and gone.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_describe_lists_custom_and_system_fields(sandbox: Sandbox, http: requests.Session):
    auth = headers(sandbox, http)
    base = f"{sandbox.salesforce.base_url}{DATA}"
    names = {o["name"] for o in http.get(f"{base}/sobjects", headers=auth).json()["sobjects"]}
    assert {"Lead", "Contact", "Account", "Opportunity", "OpportunityHistory", "Campaign", "CampaignMember", "User",
            "Task", "Event"} <= names
    fields = {f["name"]: f for f in http.get(f"{base}/sobjects/Lead/describe", headers=auth).json()["fields"]}
    assert fields["UTM_Campaign__c"]["custom"] and not fields["Email"]["custom"]
    assert fields["SystemModstamp"]["type"] == "datetime" and fields["IsDeleted"]["type"] == "boolean"
    history = http.get(f"{base}/sobjects/OpportunityHistory/describe", headers=auth).json()["fields"]
    history = {f["name"] for f in history}
    assert "SystemModstamp" in history and "LastModifiedDate" not in history
    assert http.get(f"{base}/sobjects/Quote/describe", headers=auth).status_code == 404


def test_mutations_update_delete_and_add_fields(own: Sandbox, http: requests.Session):
    server = own.salesforce
    lead = next(r for r in own.company.salesforce.records("Lead") if not r["IsDeleted"])
    before = lead["SystemModstamp"]
    server.update("Lead", lead["Id"], {"Status": "Marketing Qualified"})
    server.add_field("Lead", "Buying_Role__c", "picklist")
    server.update("Lead", lead["Id"], {"Buying_Role__c": "Champion"})
    (row,) = query(own, http, f"SELECT Id, Status, Buying_Role__c, SystemModstamp FROM Lead WHERE Id = '{lead['Id']}'")\
        .json()["records"]
    assert row["Status"] == "Marketing Qualified" and row["Buying_Role__c"] == "Champion"
    assert row["SystemModstamp"] > before.strftime("%Y-%m-%dT%H:%M:%S")
    server.delete("Lead", lead["Id"])
    soql = f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{lead['Id']}'"
    assert query(own, http, soql).json()["records"] == []
    assert query(own, http, soql, "queryAll").json()["records"][0]["IsDeleted"] is True
    created = server.create("Lead", {"LastName": "New", "Status": "Open - Not Contacted"})
    assert query(own, http, f"SELECT Id FROM Lead WHERE Id = '{created['Id']}'").json()["totalSize"] == 1


def test_faults_are_scripted_per_route(own: Sandbox, http: requests.Session):
    auth = headers(own, http)
    url = f"{own.salesforce.base_url}{DATA}/query"
    own.salesforce.faults.add(f"{DATA}/query", status=503, times=1)
    own.salesforce.faults.add(f"{DATA}/query", status=429, headers={"Retry-After": "3"}, times=1)
    first = http.get(url, params={"q": "SELECT Id FROM User"}, headers=auth)
    assert first.status_code == 503 and first.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    second = http.get(url, params={"q": "SELECT Id FROM User"}, headers=auth)
    assert second.status_code == 429 and second.headers["Retry-After"] == "3"
    assert http.get(url, params={"q": "SELECT Id FROM User"}, headers=auth).status_code == 200
    logged = [r for r in own.salesforce.requests if r.path == "/services/oauth2/token"]
    assert logged and all(r.body["client_secret"] == "***" and r.body["refresh_token"] == "***" for r in logged)
    assert all(r.headers.get("authorization", "Bearer ***") == "Bearer ***" for r in own.salesforce.requests)
