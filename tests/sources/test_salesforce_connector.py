"""The Salesforce connector against the sandbox over real HTTP, into the real warehouse:
paging, the stored cursor, deletes flagged, faults survived, failures that must not
retry, expired locators, drift, kill-and-rerun, secrets kept out of logs."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from kill_support import raw_fingerprint, sigkill, start_extract, table_locked, wait_for

from funnelhouse import load
from funnelhouse.sandbox import start_sandbox
from funnelhouse.sources.http import ApiError, RetryPolicy
from funnelhouse.sources.salesforce import CURSOR_OVERLAP, TABLES, SalesforceConfig, salesforce_source, soql_datetime

UNTIL = datetime(2026, 11, 29, tzinfo=timezone.utc)
NEXT_DAY = datetime(2026, 11, 30, tzinfo=timezone.utc)
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, timeout=2.0)
QUERY = "/services/data/v62.0/queryAll*"  # the first page and every nextRecordsUrl


@pytest.fixture(scope="module")
def box():
    with start_sandbox(scale=0.3, seed=11) as sandbox:
        yield sandbox


@pytest.fixture
def own_box():
    """A sandbox of the test's own, for tests that change the vendor's data."""
    with start_sandbox(scale=0.3, seed=11) as sandbox:
        yield sandbox


def config(box, secret=None, retry=FAST) -> SalesforceConfig:
    creds = box.credentials
    return SalesforceConfig(creds["salesforce_client_id"], secret or creds["salesforce_client_secret"],
                            creds["salesforce_refresh_token"], box.salesforce.base_url, batch_size=200, retry=retry)


def extract(box, until=UNTIL, **kwargs):
    return load.run("salesforce", salesforce_source(config(box, **kwargs), until))


def snapshot(sql) -> dict[str, str]:
    """Every raw table's rows without load metadata, as an order-independent hash."""
    loaded = {t for (t,) in sql("select table_name from information_schema.tables "
                                "where table_schema = 'raw_salesforce'")}
    assert set(TABLES.values()) <= loaded, f"not loaded: {set(TABLES.values()) - loaded}"
    return raw_fingerprint(sql, "raw_salesforce", tuple(TABLES.values()))


@pytest.fixture(scope="module")
def undisturbed(box, sql, dsn, reset):
    reset("salesforce")
    extract(box)
    yield snapshot(sql)
    reset("salesforce")


def lead_queries(box) -> list[str]:
    """The SOQL of every first-page Lead query, in order."""
    return [r.query["q"][0] for r in box.salesforce.requests
            if r.path == "/services/data/v62.0/queryAll" and " FROM Lead " in r.query["q"][0]]


def modified_before(records, until) -> list:
    return [r for r in records if r["SystemModstamp"] < until]


def test_pages_through_query_all_and_the_second_run_sends_the_stored_cursor(own_box, sql, undisturbed, reset):
    box = own_box
    leads = box.company.salesforce.records("Lead")
    expected = modified_before(leads, UNTIL)
    assert int(undisturbed["leads"].split(":")[0]) == len(expected)  # deleted ones included, flagged
    reset("salesforce")
    box.salesforce.clear_requests()
    extract(box)
    pages = [r for r in box.salesforce.requests if r.path.startswith("/services/data/v62.0/queryAll")]
    # pages of 200, chained through nextRecordsUrl: three for the leads alone
    assert len(expected) > 400
    assert len(pages) == sum(max(1, -(-len(modified_before(box.company.salesforce.records(name), UNTIL)) // 200))
                             for name in TABLES)
    assert all(r.headers.get("sforce-query-options") == "batchSize=200" for r in pages)
    first = lead_queries(box)
    assert len(first) == 1 and "SystemModstamp >= 1970-01-01T00:00:00Z" in first[0]
    assert first[0].endswith(f"SystemModstamp < {soql_datetime(UNTIL)} ORDER BY SystemModstamp, Id")
    cursor = sql("select max(system_modstamp) from raw_salesforce.leads")[0][0]
    assert cursor == max(r["SystemModstamp"] for r in expected)

    changed = next(r for r in leads if not r["IsDeleted"] and r["Status"] == "Open - Not Contacted")["Id"]
    box.salesforce.update("Lead", changed, {"Status": "Marketing Qualified", "MQL_Date__c": box.salesforce.clock})
    box.salesforce.clear_requests()
    summary = extract(box, until=NEXT_DAY)
    (second,) = lead_queries(box)
    assert f"SystemModstamp >= {soql_datetime(cursor - CURSOR_OVERLAP)}" in second
    window = [r for r in leads if cursor - CURSOR_OVERLAP <= r["SystemModstamp"] < NEXT_DAY]
    assert changed in {r["Id"] for r in window}
    assert summary.rows["leads"] == len(window) < 10
    assert sql("select status from raw_salesforce.leads where id = %s", (changed,)) == [("Marketing Qualified",)]
    # Merged on id, not duplicated.
    assert sql("select count(*), count(distinct id) from raw_salesforce.leads") == [(len(leads), len(leads))]


def test_raw_values_are_typed_from_describe(box, sql, undisturbed):
    extract(box)
    kinds = dict(sql("select column_name, data_type from information_schema.columns "
                     "where table_schema = 'raw_salesforce' and table_name = 'opportunities'"))
    assert kinds["system_modstamp"] == "timestamp with time zone" and kinds["close_date"] == "date"
    assert kinds["amount"] == "numeric" and kinds["is_won"] == "boolean" and kinds["id"] == "character varying"
    opportunity = box.company.salesforce.records("Opportunity")[0]
    row = sql("select amount, currency_iso_code, stage_name, created_date from raw_salesforce.opportunities "
              "where id = %s", (opportunity["Id"],))
    assert row == [(pytest.approx(opportunity["Amount"]), opportunity["CurrencyIsoCode"], opportunity["StageName"],
                    opportunity["CreatedDate"])]


def test_deletes_are_flagged_never_lost(own_box, sql, undisturbed, reset):
    box = own_box
    reset("salesforce")
    extract(box)
    leads = box.company.salesforce.records("Lead")
    deleted_before = {r["Id"] for r in modified_before(leads, UNTIL) if r["IsDeleted"]}
    assert deleted_before
    assert {r for (r,) in sql("select id from raw_salesforce.leads where is_deleted")} == deleted_before
    victim = next(r["Id"] for r in leads if not r["IsDeleted"])
    box.salesforce.delete("Lead", victim)
    extract(box, until=NEXT_DAY)
    assert sql("select is_deleted from raw_salesforce.leads where id = %s", (victim,)) == [(True,)]
    assert sql("select count(*) from raw_salesforce.leads where is_deleted")[0][0] == len(deleted_before) + 1


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "headers": {"Retry-After": "0"}, "times": 2},
        {"status": 429, "times": 2},
        {"status": 503, "times": 2},
        {"status": 500, "times": 1, "skip": 3},
        {"truncate": True, "status": 200, "times": 1, "skip": 2},
        {"disconnect": True, "times": 1, "skip": 4},
        {"status": 401, "times": 1, "skip": 5},  # the session expires mid-run: one refresh, then on
        {"status": 400, "times": 1, "skip": 3,  # a nextRecordsUrl that expired: the query restarts
         "body": [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]},
    ],
    ids=["429-retry-after", "429-bare", "503", "500-mid-paging", "truncated-body", "connection-reset",
         "401-mid-run", "expired-locator"],
)
def test_every_fault_is_survived_with_identical_raw_data(box, sql, undisturbed, fault, reset):
    reset("salesforce")
    pattern = QUERY if fault.get("status") != 400 else "/services/data/v62.0/queryAll/*"
    box.salesforce.faults.add(pattern, method="GET", **fault)
    box.salesforce.clear_requests()
    try:
        extract(box)
    finally:
        left = len(box.salesforce.faults)
        box.salesforce.faults.clear()
    assert left == 0, "the fault was never reached"
    assert snapshot(sql) == undisturbed
    logins = [r for r in box.salesforce.requests if r.path == "/services/oauth2/token"]
    assert len(logins) == (2 if fault.get("status") == 401 else 1)


def test_the_daily_request_limit_stops_the_run_at_once_and_the_next_run_resumes(own_box, sql, undisturbed, reset):
    box = own_box
    reset("salesforce")
    box.salesforce.daily_limit = box.salesforce.api_usage + 12  # the describes and a few pages
    box.salesforce.clear_requests()
    with pytest.raises(Exception) as failure:
        extract(box)
    cause = _api_error(failure.value)
    assert cause.status == 403 and not cause.retryable and "TotalRequests Limit exceeded" in str(cause)
    assert "the next run resumes" in str(cause)
    refused = [r for r in box.salesforce.requests if r.status == 403]
    assert len(refused) == 1  # not retried: the allowance is gone for the day
    box.salesforce.daily_limit = 100_000  # a new day
    extract(box)
    assert snapshot(sql) == undisturbed


def test_a_killed_run_reruns_to_exactly_the_undisturbed_data(box, sql, undisturbed, reset):
    reset("salesforce")
    # Campaign members die for good after their first page: the run fails part-way through.
    box.salesforce.faults.add("/services/data/v62.0/queryAll/*", method="GET", status=500, times=50, skip=2)
    try:
        with pytest.raises(Exception):
            extract(box)
    finally:
        box.salesforce.faults.clear()
    extract(box)
    assert snapshot(sql) == undisturbed
    assert sql("select count(*) - count(distinct id) from raw_salesforce.leads")[0][0] == 0


def test_a_process_killed_mid_load_reruns_to_exactly_a_clean_load(own_box, sql, dsn, reset):
    box = own_box
    changed = tuple(r["Id"] for r in box.company.salesforce.records("Lead")
                    if r["Status"] == "Open - Not Contacted" and not r["IsDeleted"])[:5]
    for lead in changed:  # changes after the first interval's end, read by the second run
        box.salesforce.update("Lead", lead, {"Status": "Marketing Qualified"})
    reset("salesforce")
    extract(box, until=NEXT_DAY)
    clean = snapshot(sql)
    reset("salesforce")
    extract(box)
    creds = box.credentials
    spec = {"client_id": creds["salesforce_client_id"], "client_secret": creds["salesforce_client_secret"],
            "refresh_token": creds["salesforce_refresh_token"], "login_url": box.salesforce.base_url,
            "batch_size": 200, "retry": {"max_attempts": 6, "base_delay": 0.05, "max_delay": 0.5, "timeout": 30.0}}
    # The second run's load waits on the leads table; the process is killed there.
    with table_locked(dsn, "raw_salesforce.leads") as blocked:
        child = start_extract("salesforce", spec, NEXT_DAY, dsn)
        wait_for(blocked, "the second run's load to wait on the leads table", child, timeout=180)
        sigkill(child)
    # the killed load committed nothing
    assert sql("select count(*) from raw_salesforce.leads where status = 'Marketing Qualified' and id in %s",
               (changed,)) == [(0,)]
    # The rerun first finishes the killed run's load package (its extraction was complete).
    extract(box, until=NEXT_DAY)
    assert snapshot(sql) == clean
    assert sql("select count(*) from raw_salesforce.leads where status = 'Marketing Qualified' and id in %s",
               (changed,)) == [(5,)]


def test_a_new_field_lands_as_a_new_column(own_box, sql, undisturbed, reset):
    box = own_box
    reset("salesforce")
    extract(box)
    box.salesforce.add_field("Lead", "Buying_Role__c", "picklist")
    lead = box.company.salesforce.records("Lead")[1]["Id"]
    box.salesforce.update("Lead", lead, {"Buying_Role__c": "Decision Maker"})
    extract(box, until=NEXT_DAY)
    assert sql("select buying_role_c from raw_salesforce.leads where id = %s", (lead,)) == [("Decision Maker",)]
    assert sql("select count(*) from raw_salesforce.leads where buying_role_c is not null")[0][0] == 1
    query = [r for r in box.salesforce.requests if r.path.endswith("/queryAll") and " FROM Lead " in r.query["q"][0]]
    assert "Buying_Role__c" in query[-1].query["q"][0]


def test_secrets_stay_out_of_errors_requests_and_logs(box, sql, caplog, reset):
    reset("salesforce")
    secret = "WRONG" + "S3CR3T" * 8
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as failure:
        extract(box, secret=secret)
    cause = _api_error(failure.value)
    assert cause.status == 400 and "invalid client credentials" in str(cause)
    assert secret not in str(failure.value) and secret not in caplog.text
    caplog.clear()
    box.salesforce.clear_requests()
    box.salesforce.faults.add(QUERY, method="GET", status=401, times=1, skip=2)
    with caplog.at_level(logging.DEBUG):
        extract(box)
    creds = box.credentials
    tokens = [r for r in box.salesforce.requests if r.path == "/services/oauth2/token"]
    assert len(tokens) == 2
    for value in (creds["salesforce_client_secret"], creds["salesforce_refresh_token"], *box.salesforce._tokens):
        assert value not in caplog.text
        assert all(value not in str(r.headers) + str(r.body) + r.raw_query for r in box.salesforce.requests)
    assert {t.body["client_secret"] for t in tokens} == {"***"}


def test_a_connection_without_a_secret_is_refused_naming_it():
    from types import SimpleNamespace

    conn = SimpleNamespace(conn_id="funnelhouse_salesforce", login="3MVG9-id", password=None, host="",
                           schema=None, port=None, extra_dejson={})
    with pytest.raises(ValueError, match="funnelhouse_salesforce.*client secret"):
        SalesforceConfig.from_connection(conn)
    conn.password = "s"
    conn.extra_dejson = {"objects": "Lead,Quote"}
    with pytest.raises(ValueError, match="Quote"):
        SalesforceConfig.from_connection(conn)


def _api_error(exc: BaseException) -> ApiError:
    while not isinstance(exc, ApiError):
        assert exc.__cause__ or exc.__context__, f"no ApiError under {exc!r}"
        exc = exc.__cause__ or exc.__context__
    return exc
