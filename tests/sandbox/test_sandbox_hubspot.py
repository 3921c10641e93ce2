"""HubSpot imitation over real HTTP: auth, paging, properties, search, associations, faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import requests

from funnelhouse.sandbox import Sandbox

Headers = Callable[[Sandbox], dict[str, str]]


def _ms(text: str) -> int:
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_missing_or_wrong_token_is_401(sandbox: Sandbox, http: requests.Session) -> None:
    url = f"{sandbox.hubspot.base_url}/crm/v3/objects/contacts"
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        response = http.get(url, headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION" and body["correlationId"]
        assert "X-HubSpot-RateLimit-Remaining" in response.headers


def test_unknown_route_is_404(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    response = http.get(f"{sandbox.hubspot.base_url}/crm/v3/nothing/here", headers=hubspot_headers(sandbox))
    assert response.status_code == 404 and response.json()["status"] == "error"


def test_list_pages_follow_links_back_to_the_server(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    headers = hubspot_headers(sandbox)
    url: str | None = f"{sandbox.hubspot.base_url}/crm/v3/objects/deals?limit=100&properties=amount,deal_currency_code"
    ids: list[str] = []
    pages = 0
    while url:
        response = http.get(url, headers=headers)
        assert response.status_code == 200
        for name in ("Max", "Remaining", "Interval-Milliseconds", "Secondly", "Secondly-Remaining", "Daily", "Daily-Remaining"):
            assert f"X-HubSpot-RateLimit-{name}" in response.headers
        body = response.json()
        ids += [r["id"] for r in body["results"]]
        assert all(set(r["properties"]) == {"amount", "deal_currency_code", "createdate", "hs_object_id", "hs_lastmodifieddate"}
                   for r in body["results"])
        pages += 1
        url = body.get("paging", {}).get("next", {}).get("link")
        if url:
            assert url.startswith(sandbox.hubspot.base_url + "/crm/v3/objects/deals?")
            assert "properties=" in url and body["paging"]["next"]["after"] in url
    expected = [d.id for d in sandbox.company.hubspot.deals if not d.archived]
    assert pages == -(-len(expected) // 100) and pages > 3
    assert ids == sorted(expected, key=int) and len(set(ids)) == len(ids)


def test_limit_over_100_is_400(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    response = http.get(f"{sandbox.hubspot.base_url}/crm/v3/objects/contacts?limit=101", headers=hubspot_headers(sandbox))
    assert response.status_code == 400
    assert response.json()["status"] == "error" and response.json()["category"] == "VALIDATION_ERROR"


def test_default_properties_and_string_values(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    headers, base = hubspot_headers(sandbox), sandbox.hubspot.base_url
    default = http.get(f"{base}/crm/v3/objects/contacts?limit=5", headers=headers).json()["results"][0]
    assert set(default["properties"]) == {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}
    names = [p["name"] for p in http.get(f"{base}/crm/v3/properties/contacts", headers=headers).json()["results"]]
    assert {"utm_source", "utm_medium", "utm_campaign", "hs_analytics_source"} <= set(names)
    page = http.get(f"{base}/crm/v3/objects/contacts", headers=headers,
                    params={"limit": 100, "properties": ",".join(names + ["no_such_property"])}).json()
    for record in page["results"]:
        assert set(record["properties"]) == set(names)
        assert all(v is None or isinstance(v, str) for v in record["properties"].values())
        assert record["createdAt"] == record["properties"]["createdate"]
    deals = http.get(f"{base}/crm/v3/objects/deals?limit=100&properties=amount,hs_is_closed_won", headers=headers).json()
    assert all(isinstance(d["properties"]["amount"], str) for d in deals["results"])


def test_archived_list_holds_only_archived(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    body = http.get(f"{sandbox.hubspot.base_url}/crm/v3/objects/contacts?archived=true&limit=100",
                    headers=hubspot_headers(sandbox)).json()
    expected = [c.id for c in sandbox.company.hubspot.contacts if c.archived]
    assert expected and [r["id"] for r in body["results"]] == sorted(expected, key=int)[:100]
    assert all(r["archived"] is True and r["archivedAt"] for r in body["results"])


def test_search_filters_sorts_and_caps(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    url = f"{sandbox.hubspot.base_url}/crm/v3/objects/contacts/search"
    headers = hubspot_headers(sandbox)
    contacts = sandbox.company.hubspot.contacts
    since = sorted(_ms(c.properties["lastmodifieddate"]) for c in contacts)[len(contacts) // 2]
    query = {
        "filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(since)}]}],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["lastmodifieddate", "utm_campaign"], "limit": 200,
    }
    expected = [c for c in contacts if not c.archived and _ms(c.properties["lastmodifieddate"]) >= since]
    seen: list[int] = []
    after: str | None = "0"
    while after is not None:
        body = http.post(url, headers=headers, json={**query, "after": after}).json()
        assert body["total"] == len(expected)
        seen += [_ms(r["properties"]["lastmodifieddate"]) for r in body["results"]]
        after = body.get("paging", {}).get("next", {}).get("after")
    assert len(seen) == len(expected) and seen == sorted(seen) and min(seen) >= since

    between = {"filterGroups": [{"filters": [{"propertyName": "hs_analytics_source", "operator": "IN", "values": ["PAID_SEARCH"]},
                                             {"propertyName": "createdate", "operator": "BETWEEN", "value": "2025-01-01T00:00:00Z",
                                              "highValue": str(_ms("2025-02-01T00:00:00Z"))}]}], "limit": 1}
    total = http.post(url, headers=headers, json=between).json()["total"]
    assert total == sum(1 for c in contacts if not c.archived and c.properties["hs_analytics_source"] == "PAID_SEARCH"
                        and "2025-01-01" <= c.created_at < "2025-02-01")

    assert http.post(url, headers=headers, json={**query, "after": "10000"}).status_code == 400
    assert http.post(url, headers=headers, json={**query, "limit": 201}).status_code == 400
    two_sorts = {**query, "sorts": query["sorts"] * 2}
    assert http.post(url, headers=headers, json=two_sorts).status_code == 400
    many = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 11}]}
    assert http.post(url, headers=headers, json=many).status_code == 400
    groups = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}] * 6}
    assert http.post(url, headers=headers, json=groups).status_code == 400


def test_search_excludes_archived(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    archived = next(c for c in sandbox.company.hubspot.contacts if c.archived)
    body = http.post(f"{sandbox.hubspot.base_url}/crm/v3/objects/contacts/search", headers=hubspot_headers(sandbox),
                     json={"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": archived.id}]}]}).json()
    assert body["total"] == 0 and body["results"] == []


def test_v4_associations_batch_read(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    hub = sandbox.company.hubspot
    links = hub.associations[("deals", "contacts")]
    with_contact = next(d.id for d in hub.deals if d.id in links)
    without = next(d.id for d in hub.deals if d.id not in links)
    url = f"{sandbox.hubspot.base_url}/crm/v4/associations/deals/contacts/batch/read"
    response = http.post(url, headers=hubspot_headers(sandbox), json={"inputs": [{"id": with_contact}, {"id": without}]})
    assert response.status_code == 207
    body = response.json()
    assert body["numErrors"] == 1 and body["errors"][0]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    to = body["results"][0]["to"]
    assert [t["toObjectId"] for t in to] == sorted(int(i) for i in links[with_contact])
    assert all(isinstance(t["toObjectId"], int) and t["associationTypes"][0]["typeId"] == 3 for t in to)
    too_many = {"inputs": [{"id": d.id} for d in hub.deals[:101]]}
    assert http.post(url, headers=hubspot_headers(sandbox), json=too_many).status_code == 400


def test_pipelines_owners_account(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    headers, base = hubspot_headers(sandbox), sandbox.hubspot.base_url
    stages = {s["id"]: s["metadata"] for s in http.get(f"{base}/crm/v3/pipelines/deals", headers=headers).json()["results"][0]["stages"]}
    assert stages["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["closedlost"] == {"isClosed": "true", "probability": "0.0"}
    active = http.get(f"{base}/crm/v3/owners?limit=2", headers=headers).json()
    assert len(active["results"]) == 2 and active["paging"]["next"]["link"].startswith(base)
    rest = http.get(active["paging"]["next"]["link"], headers=headers).json()
    assert len(rest["results"]) == 2 and "paging" in rest
    archived = http.get(f"{base}/crm/v3/owners?archived=true", headers=headers).json()["results"]
    assert len(archived) == 1 and archived[0]["archived"] is True and "paging" not in archived
    account = http.get(f"{base}/account-info/v3/details", headers=headers).json()
    assert account["timeZone"] == "US/Eastern" and account["companyCurrency"] == "USD"


def test_fault_injection_and_request_log(sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    hub = sandbox.hubspot
    hub.clear_requests()
    hub.faults.add("/crm/v3/objects/contacts", status=429, headers={"Retry-After": "1"}, times=1)
    url = f"{hub.base_url}/crm/v3/objects/contacts?limit=1"
    first = http.get(url, headers=hubspot_headers(sandbox))
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert first.json()["errorType"] == "RATE_LIMIT" and first.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert http.get(url, headers=hubspot_headers(sandbox)).status_code == 200
    log = [r for r in hub.requests if r.path == "/crm/v3/objects/contacts"]
    assert [r.status for r in log] == [429, 200]
    assert log[0].headers["authorization"] == "Bearer ***" and log[0].query == {"limit": ["1"]}
    assert sandbox.credentials["hubspot_access_token"] not in repr(hub.requests)


def test_mutations_show_up_in_incremental_reads(small_sandbox: Sandbox, http: requests.Session, hubspot_headers: Headers) -> None:
    hub, headers = small_sandbox.hubspot, hubspot_headers(small_sandbox)
    contacts = [c for c in small_sandbox.company.hubspot.contacts if not c.archived]
    newest = max(_ms(c.properties["lastmodifieddate"]) for c in contacts)
    updated = hub.update("contacts", contacts[0].id, {"lifecyclestage": "marketingqualifiedlead"})
    hub.archive("contacts", contacts[1].id)
    hub.hard_delete("contacts", contacts[2].id)
    search = http.post(f"{hub.base_url}/crm/v3/objects/contacts/search", headers=headers, json={
        "filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": str(newest)}]}],
        "properties": ["lifecyclestage"]}).json()
    assert [r["id"] for r in search["results"]] == [updated.id]
    assert search["results"][0]["properties"]["lifecyclestage"] == "marketingqualifiedlead"
    archived = http.get(f"{hub.base_url}/crm/v3/objects/contacts?archived=true&limit=100", headers=headers).json()
    assert contacts[1].id in [r["id"] for r in archived["results"]]
    assert http.get(f"{hub.base_url}/crm/v3/objects/contacts/{contacts[2].id}", headers=headers).status_code == 404


ENGAGEMENTS = {"calls": 194, "emails": 198, "meetings": 200, "tasks": 204}  # type -> engagement-to-contact typeId


def test_engagements_page_search_and_link_to_contacts(sandbox: Sandbox, http: requests.Session,
                                                      hubspot_headers: Headers) -> None:
    headers, base, hub = hubspot_headers(sandbox), sandbox.hubspot.base_url, sandbox.company.hubspot
    for kind, type_id in ENGAGEMENTS.items():
        records = hub.engagements[kind]
        assert len(records) > 100, kind
        listed = http.get(f"{base}/crm/v3/objects/{kind}?limit=100", headers=headers).json()
        assert len(listed["results"]) == 100 and listed["paging"]["next"]["link"].startswith(base)
        assert {p for r in listed["results"] for p in r["properties"]} == {"hs_createdate", "hs_lastmodifieddate",
                                                                          "hs_object_id"}
        names = {p["name"] for p in http.get(f"{base}/crm/v3/properties/{kind}", headers=headers).json()["results"]}
        assert {"hs_timestamp", "hubspot_owner_id", "hs_lastmodifieddate"} <= names

        active = [r for r in records if not r.archived]
        cutoff = sorted(_ms(r.properties["hs_lastmodifieddate"]) for r in active)[-150]
        body = http.post(f"{base}/crm/v3/objects/{kind}/search", headers=headers, json={
            "filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(cutoff)}]}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "properties": ["hs_timestamp", "hubspot_owner_id"], "limit": 200}).json()
        expected = sorted((r.id for r in active if _ms(r.properties["hs_lastmodifieddate"]) >= cutoff), key=int)
        assert [r["id"] for r in body["results"]] == expected and body["total"] == len(expected) >= 150
        assert all(set(r["properties"]) == {"hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate",
                                            "hs_object_id"} for r in body["results"])

        links = hub.associations[(kind, "contacts")]
        response = http.post(f"{base}/crm/v4/associations/{kind}/contacts/batch/read", headers=headers,
                             json={"inputs": [{"id": r.id} for r in active[:50]]})
        assert response.status_code in (200, 207)
        for result in response.json()["results"]:
            to = result["to"]
            assert [t["toObjectId"] for t in to] == [int(i) for i in links[result["from"]["id"]]]
            assert to[0]["associationTypes"][0]["typeId"] == type_id
    archived = http.get(f"{base}/crm/v3/objects/calls?archived=true&limit=100", headers=headers).json()["results"]
    assert archived and all(r["archived"] and r["archivedAt"] for r in archived)


def test_sales_touch_the_leads_soon_after_they_arrive(sandbox: Sandbox) -> None:
    """The first touch follows lead creation by hours (paid demand fastest); some leads never get one."""
    hub, now = sandbox.company.hubspot, _ms(sandbox.company.now.isoformat())
    created = {c.id: _ms(c.properties["createdate"]) for c in hub.contacts}
    active_owners = {o["id"]: (_ms(o["createdAt"]), now if not o["archived"] else _ms(o["updatedAt"])) for o in hub.owners}
    first: dict[str, int] = {}
    for kind in ENGAGEMENTS:
        for record in hub.engagements[kind]:
            at, props = _ms(record.properties["hs_timestamp"]), record.properties
            (contact,) = hub.associations[(kind, "contacts")][record.id]
            begin, end = active_owners[props["hubspot_owner_id"]]
            assert begin <= min(at, now) <= end, f"{kind} {record.id} by an owner not active then"
            assert _ms(props["hs_createdate"]) <= _ms(props["hs_lastmodifieddate"]) <= now
            planned = props.get("hs_meeting_outcome") == "SCHEDULED" or props.get("hs_task_status") == "NOT_STARTED"
            assert planned == (at > now), f"{kind} {record.id}: only planned engagements lie ahead"
            assert at >= created[contact], f"{kind} {record.id} before its contact existed"
            logged, modified = _ms(props["hs_createdate"]), _ms(props["hs_lastmodifieddate"])
            if kind == "tasks" and not planned:  # completed after it was created, and modified then
                assert logged <= _ms(props["hs_task_completion_date"]) <= modified
            elif not planned:  # logged once it happened
                assert at <= logged
            if kind in ("calls", "emails") and props.get("hs_email_direction") != "INCOMING_EMAIL":
                first[contact] = min(first.get(contact, at), at)
    never = 1 - len(first) / len(hub.contacts)
    assert 0.05 <= never <= 0.25, f"{never:.0%} of leads never touched"

    def median_hours(wanted) -> float:
        waits = sorted((first[c.id] - created[c.id]) / 3.6e6 for c in hub.contacts
                       if c.id in first and wanted(c.properties["hs_analytics_source"]))
        return waits[len(waits) // 2]

    worked_first = {"PAID_SEARCH", "PAID_SOCIAL", "REFERRALS", "OFFLINE"}
    assert 0.5 < median_hours(lambda s: s == "PAID_SEARCH") < 4 < median_hours(lambda s: s not in worked_first) < 24
