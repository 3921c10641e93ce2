"""The HubSpot connector against the sandbox over real HTTP, into the real warehouse:
paging, cursors, faults survived, failures that must not retry, drift, kill-and-rerun."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timezone

import pytest
from kill_support import raw_fingerprint

from funnelhouse import load, settings
from funnelhouse.sandbox import start_sandbox
from funnelhouse.sandbox import hubspot as hubspot_server
from funnelhouse.sources.http import ApiError, RetryPolicy
from funnelhouse.sources.hubspot import CURSOR_OVERLAP, HubSpotConfig, epoch_ms, hubspot_source

UNTIL = datetime(2026, 11, 29, tzinfo=timezone.utc)
NEXT_DAY = datetime(2026, 11, 30, tzinfo=timezone.utc)
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, timeout=2.0)
ENGAGEMENT_TABLES = ("calls", "call_contacts", "emails", "email_contacts", "meetings", "meeting_contacts", "tasks",
                     "task_contacts")


@pytest.fixture(scope="module")
def box():
    with start_sandbox(scale=0.3, seed=11) as sandbox:
        yield sandbox


@pytest.fixture
def own_box():
    """A sandbox of the test's own, for tests that change the vendor's data."""
    with start_sandbox(scale=0.3, seed=11) as sandbox:
        yield sandbox


def fresh_raw(sql) -> None:
    sql("drop schema if exists raw_hubspot cascade")
    shutil.rmtree(settings.home() / "dlt" / "funnelhouse_hubspot", ignore_errors=True)


def extract(box, until=UNTIL, token=None, retry=FAST):
    config = HubSpotConfig(token or box.credentials["hubspot_access_token"], box.hubspot.base_url, retry)
    return load.run("hubspot", hubspot_source(config, until))


def snapshot(sql) -> dict[str, str]:
    """Every raw table's rows without load metadata, as an order-independent hash."""
    tables = ("contacts", "companies", "deals", "deal_contacts", "deal_companies", "owners", "deal_pipeline_stages",
              *ENGAGEMENT_TABLES)
    return raw_fingerprint(sql, "raw_hubspot", tables)


@pytest.fixture(scope="module")
def undisturbed(box, sql, dsn):
    fresh_raw(sql)
    extract(box)
    yield snapshot(sql)
    fresh_raw(sql)


def searches(box, object_type="contacts"):
    return [r for r in box.hubspot.requests if r.path == f"/crm/v3/objects/{object_type}/search"]


def modified_before(records, until) -> list:
    return [r for r in records if datetime.fromisoformat(r.updated_at.replace("Z", "+00:00")) < until]


def test_pages_through_search_and_the_second_run_sends_the_stored_cursor(own_box, sql, undisturbed):
    box = own_box
    expected = len(modified_before(box.company.hubspot.contacts, UNTIL))  # archived ones included, flagged
    assert int(undisturbed["contacts"].split(":")[0]) == expected
    fresh_raw(sql)
    box.hubspot.clear_requests()
    extract(box)
    first = searches(box)
    assert len(first) >= 5  # many pages of at most 200
    assert [r.body["after"] for r in first[:3]] == ["0", "200", "400"]
    assert all(r.body["limit"] <= 200 for r in first)
    cursor = sql("select max(updated_at) from raw_hubspot.contacts")[0][0]

    changed = box.company.hubspot.contacts[0].id
    box.hubspot.update("contacts", changed, {"lifecyclestage": "marketingqualifiedlead"})
    box.hubspot.clear_requests()
    summary = extract(box, until=NEXT_DAY)
    second = searches(box)
    since = next(f["value"] for f in second[0].body["filterGroups"][0]["filters"] if f["operator"] == "GTE")
    assert since == epoch_ms(cursor - CURSOR_OVERLAP)
    # Only the changed record and those inside the overlap window were read again.
    window = [c for c in box.company.hubspot.contacts if not c.archived
              and cursor - CURSOR_OVERLAP <= datetime.fromisoformat(c.updated_at.replace("Z", "+00:00")) < NEXT_DAY]
    assert changed in {c.id for c in window}
    assert summary.rows["contacts"] == len(window) < 10
    assert sql("select lifecyclestage from raw_hubspot.contacts where id = %s", (changed,)) == [("marketingqualifiedlead",)]
    # Merged, not duplicated: exactly the records modified before the new interval's end.
    by_next_day = len(modified_before(box.company.hubspot.contacts, NEXT_DAY))
    assert sql("select count(*), count(distinct id) from raw_hubspot.contacts") == [(by_next_day, by_next_day)]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "headers": {"Retry-After": "0"}, "times": 2},
        {"status": 429, "times": 2},  # HubSpot does not promise Retry-After
        {"status": 502, "times": 2},
        {"status": 504, "times": 1, "skip": 2},
        {"truncate": True, "status": 200, "times": 1, "skip": 1},
        {"disconnect": True, "times": 1, "skip": 3},
    ],
    ids=["429-retry-after", "429-bare", "502", "504-mid-paging", "truncated-body", "connection-reset"],
)
def test_every_fault_is_survived_with_identical_raw_data(box, sql, undisturbed, fault):
    fresh_raw(sql)
    box.hubspot.faults.add("/crm/v3/objects/contacts/search", method="POST", **fault)
    try:
        extract(box)
    finally:
        box.hubspot.faults.clear()
    assert snapshot(sql) == undisturbed


def test_a_rejected_token_fails_at_once_without_leaking_it(box, sql, caplog):
    fresh_raw(sql)
    secret = "pat-na1-this-token-must-never-be-logged"
    box.hubspot.clear_requests()
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as failure:
        extract(box, token=secret)
    cause = failure.value
    while cause.__cause__ or cause.__context__:
        if isinstance(cause, ApiError):
            break
        cause = cause.__cause__ or cause.__context__
    assert isinstance(cause, ApiError) and cause.status == 401
    assert len(box.hubspot.requests) == 1  # no retry of a 401 it cannot refresh
    assert secret not in str(failure.value) and secret not in caplog.text
    assert secret not in json.dumps([r.headers for r in box.hubspot.requests])


def test_a_killed_run_reruns_to_exactly_the_undisturbed_data(box, sql, undisturbed):
    fresh_raw(sql)
    # The deals search dies for good after three pages: the run fails part-way through.
    box.hubspot.faults.add("/crm/v3/objects/deals/search", method="POST", status=500, times=50, skip=1)
    try:
        with pytest.raises(Exception):
            extract(box)
    finally:
        box.hubspot.faults.clear()
    extract(box)
    assert snapshot(sql) == undisturbed
    assert sql("select count(*) - count(distinct id) from raw_hubspot.contacts")[0][0] == 0


def test_a_new_vendor_property_lands_as_a_new_column(own_box, sql, undisturbed, monkeypatch):
    box = own_box
    fresh_raw(sql)
    extract(box)
    contacts = dict(hubspot_server.PROPERTIES["contacts"])
    contacts["hs_buying_role"] = contacts["email"]  # same property shape, a name nobody mapped
    monkeypatch.setitem(hubspot_server.PROPERTIES, "contacts", contacts)
    record = box.company.hubspot.contacts[1].id
    box.hubspot.update("contacts", record, {"hs_buying_role": "DECISION_MAKER"})
    extract(box, until=NEXT_DAY)
    assert sql("select hs_buying_role from raw_hubspot.contacts where id = %s", (record,)) == [("DECISION_MAKER",)]
    assert sql("select count(*) from raw_hubspot.contacts where hs_buying_role is not null")[0][0] == 1


def test_archives_and_merges_are_flagged_never_lost(own_box, sql, undisturbed):
    box = own_box
    fresh_raw(sql)
    extract(box)
    archived_before = {c.id for c in modified_before(box.company.hubspot.contacts, UNTIL) if c.archived}
    assert archived_before
    assert {r[0] for r in sql("select id from raw_hubspot.contacts where archived")} == archived_before

    active = [c.id for c in box.company.hubspot.contacts if not c.archived]
    box.hubspot.archive("contacts", active[0])
    box.hubspot.merge("contacts", active[1], active[2])
    extract(box, until=NEXT_DAY)
    rows = dict(sql("select id, archived from raw_hubspot.contacts where id in %s", (tuple(active[:3]),)))
    assert rows == {active[0]: True, active[1]: False, active[2]: False}  # the merged-away record stays in raw
    assert sql("select merged_id, winner_id from raw_hubspot.contact_merges") == [(active[2], active[1])]


def test_engagements_page_resume_from_their_cursor_and_keep_archived_ones(own_box, sql, undisturbed):
    box = own_box
    hub = box.company.hubspot
    fresh_raw(sql)
    box.hubspot.clear_requests()
    extract(box)
    for kind in ("calls", "emails", "meetings", "tasks"):
        expected = modified_before(hub.engagements[kind], UNTIL)
        assert sql(f"select count(*), count(distinct id) from raw_hubspot.{kind}") == [(len(expected), len(expected))]
        archived = {r.id for r in expected if r.archived}
        assert {i for (i,) in sql(f"select id from raw_hubspot.{kind} where archived")} == archived
        singular = kind[:-1]
        links = hub.associations[(kind, "contacts")]
        live_contacts = {c.id for c in hub.contacts if not c.archived}
        want = {(r.id, c) for r in expected for c in links[r.id] if c in live_contacts}
        assert set(sql(f"select {singular}_id, contact_id from raw_hubspot.{singular}_contacts")) == want
    calls = searches(box, "calls")
    assert len(calls) >= 3 and [r.body["after"] for r in calls[:3]] == ["0", "200", "400"]
    assert all(f["propertyName"] == "hs_lastmodifieddate" for f in calls[0].body["filterGroups"][0]["filters"])
    cursor = sql("select max(updated_at) from raw_hubspot.calls")[0][0]

    touched = next(r for r in hub.engagements["calls"] if not r.archived)
    box.hubspot.update("calls", touched.id, {"hs_call_status": "COMPLETED", "hs_call_title": "Reached them at last"})
    deleted = next(r for r in hub.engagements["emails"] if not r.archived)
    box.hubspot.archive("emails", deleted.id)
    box.hubspot.clear_requests()
    summary = extract(box, until=NEXT_DAY)
    since = next(f["value"] for f in searches(box, "calls")[0].body["filterGroups"][0]["filters"] if f["operator"] == "GTE")
    assert since == epoch_ms(cursor - CURSOR_OVERLAP)
    window = [r for r in hub.engagements["calls"] if not r.archived
              and cursor - CURSOR_OVERLAP <= datetime.fromisoformat(r.updated_at.replace("Z", "+00:00")) < NEXT_DAY]
    assert touched.id in {r.id for r in window} and summary.rows["calls"] == len(window) < 20
    assert sql("select hs_call_title from raw_hubspot.calls where id = %s", (touched.id,)) == [("Reached them at last",)]
    assert sql("select archived from raw_hubspot.emails where id = %s", (deleted.id,)) == [(True,)]
    for kind in ("calls", "emails"):
        by_next_day = len(modified_before(hub.engagements[kind], NEXT_DAY))
        assert sql(f"select count(*), count(distinct id) from raw_hubspot.{kind}") == [(by_next_day, by_next_day)]


def test_a_sigkilled_extract_reruns_to_exactly_the_undisturbed_data(own_box, sql, dsn):
    """A real extract in a child process, SIGKILLed once while it reads the API and once while
    dlt loads; fresh processes rerun it, and raw ends exactly as an undisturbed run leaves it."""
    from kill_support import (committed_state, local_pipeline, resource_state, run_extract, sigkill, start_extract,
                              table_locked, wait_for)

    box = own_box
    hub = box.company.hubspot
    config = {"access_token": box.credentials["hubspot_access_token"], "base_url": box.hubspot.base_url,
              "retry": {"max_attempts": 4, "base_delay": 0.01, "max_delay": 0.05, "timeout": 120.0}}

    def cursors() -> tuple[datetime | None, datetime | None, int]:
        """The contacts cursor a fresh worker would restore, this worker's own, and its pending packages."""
        stored = resource_state(committed_state(sql, "raw_hubspot", "funnelhouse_hubspot"), "hubspot", "contacts")
        local, pending = local_pipeline("funnelhouse_hubspot")
        mine = resource_state(local, "hubspot", "contacts")
        return (*(datetime.fromisoformat(c["cursor"]) if "cursor" in c else None for c in (stored, mine)), pending)

    def loaded(contact: str) -> str:
        return sql("select lifecyclestage from raw_hubspot.contacts where id = %s", (contact,))[0][0]

    fresh_raw(sql)
    extract(box)
    base = sql("select max(updated_at) from raw_hubspot.contacts")[0][0]
    assert cursors() == (base, base, 0)
    live = [c.id for c in hub.contacts if not c.archived]

    # 1. Killed while reading the API: the calls search hangs, after the contacts changed.
    box.hubspot.update("contacts", live[0], {"lifecyclestage": "salesqualifiedlead"})
    box.hubspot.faults.add("/crm/v3/objects/calls/search", method="POST", status=200, delay=120)
    box.hubspot.clear_requests()
    child = start_extract("hubspot", config, NEXT_DAY, dsn)
    wait_for(lambda: searches(box, "calls"), "the calls search", child)
    sigkill(child)
    box.hubspot.faults.clear()
    assert loaded(live[0]) != "salesqualifiedlead"
    assert cursors() == (base, base, 0)  # neither copy of the state moved
    run_extract("hubspot", config, NEXT_DAY, dsn)
    assert loaded(live[0]) == "salesqualifiedlead"
    after_first = sql("select max(updated_at) from raw_hubspot.contacts")[0][0]
    assert after_first > base and cursors() == (after_first, after_first, 0)

    # 2. Killed while loading: new changes are extracted and normalised, then the contacts
    # merge waits on a lock held elsewhere when the kill lands.
    box.hubspot.update("contacts", live[1], {"lifecyclestage": "opportunity"})
    call = next(r.id for r in hub.engagements["calls"] if not r.archived)
    box.hubspot.update("calls", call, {"hs_call_status": "COMPLETED", "hs_call_title": "Reached them at last"})
    with table_locked(dsn, "raw_hubspot.contacts") as waiting:
        child = start_extract("hubspot", config, NEXT_DAY, dsn)
        wait_for(waiting, "the load to wait on raw_hubspot.contacts", child)
        sigkill(child)
        assert loaded(live[1]) != "opportunity"  # the contacts change is not committed ...
        stored, mine, pending = cursors()
        assert stored == after_first  # ... and neither is a cursor past it
        assert mine > after_first and pending == 1  # this worker moved on only with the data it staged
    run_extract("hubspot", config, NEXT_DAY, dsn)
    assert loaded(live[1]) == "opportunity"
    assert sql("select hs_call_title from raw_hubspot.calls where id = %s", (call,)) == [("Reached them at last",)]
    final = sql("select max(updated_at) from raw_hubspot.contacts")[0][0]
    assert cursors() == (final, final, 0)
    rerun = snapshot(sql)

    fresh_raw(sql)  # one undisturbed run over the same vendor data
    extract(box, until=NEXT_DAY)
    assert rerun == snapshot(sql)
