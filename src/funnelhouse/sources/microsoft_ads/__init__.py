"""Microsoft Advertising (Bing Ads) v13, REST: accounts, campaigns, daily campaign performance.

Stats come from the reporting service: submit a CampaignPerformanceReport
(daily, in the account's own time zone), poll until it succeeds, download
the ZIP from the pre-signed URL (without our auth headers: the URL carries
its own) and stream the CSV inside, cleaning what Microsoft puts around the
data: the BOM, the report header block (whose `Rows:` count we check, so a
cut-off file never loads), the `Total` row, the copyright footer, thousands
separators, `%` and `--` (not available, loaded as null). Conversions post
back for 30 days, so each run re-reads that lookback window and replaces
whole (account, day) partitions. The OAuth refresh token rotates on every
use; the new one is used for the rest of the run.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

import dlt
import requests

from funnelhouse.sources import ads
from funnelhouse.sources.http import REFRESH, RETRY, ApiClient, ApiError, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
DEFAULT_REPORTING_URL = "https://reporting.api.bingads.microsoft.com"
DEFAULT_CUSTOMER_URL = "https://clientcenter.api.bingads.microsoft.com"
DEFAULT_CAMPAIGN_URL = "https://campaign.api.bingads.microsoft.com"
SCOPE = "https://ads.microsoft.com/msads.manage offline_access"
DEFAULT_LOOKBACK_DAYS = 30
CHUNK_ROWS = 50_000
CAMPAIGN_TYPES = "Search Shopping DynamicSearchAds Audience PerformanceMax"
REPORT_COLUMNS = ("TimePeriod", "AccountId", "CampaignId", "Impressions", "Clicks", "Spend", "Conversions", "Revenue",
                  "CurrencyCode")
RETRY_CODES = {0, 117}  # InternalError, CallRateExceeded
REFRESH_CODES = {105, 109}  # InvalidCredentials, AuthenticationTokenExpired
CALL_RATE_WAIT = 60.0  # Microsoft: after CallRateExceeded, wait a minute
# Account.TimeZone / ReportTimeZone values -> IANA zones (the ones in use; unknown values stay as they are)
TIME_ZONES = {
    "PacificTimeUSCanadaTijuana": "America/Los_Angeles",
    "MountainTimeUSCanada": "America/Denver",
    "CentralTimeUSCanada": "America/Chicago",
    "EasternTimeUSCanada": "America/New_York",
    "GreenwichMeanTimeDublinEdinburghLisbonLondon": "Europe/London",
    "AmsterdamBerlinBernRomeStockholmVienna": "Europe/Berlin",
    "BrusselsCopenhagenMadridParis": "Europe/Paris",
}


@dataclass(frozen=True)
class MicrosoftAdsConfig:
    client_id: str
    refresh_token: str = field(repr=False)
    developer_token: str = field(repr=False)
    customer_id: str
    account_ids: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)  # web apps only; desktop apps have none
    token_url: str = DEFAULT_TOKEN_URL
    reporting_url: str = DEFAULT_REPORTING_URL
    customer_url: str = DEFAULT_CUSTOMER_URL
    campaign_url: str = DEFAULT_CAMPAIGN_URL
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    start_date: date | None = None
    poll_interval: float = 5.0  # seconds before the first poll; doubles up to a minute
    poll_timeout: float = 900.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_connection(cls, conn: Any) -> "MicrosoftAdsConfig":
        """From an Airflow connection: OAuth client id in the login (secret, if any, in the password);
        developer_token, refresh_token, customer_id and account_ids in the extras. A host replaces
        every service URL (a proxy, the sandbox)."""
        extra = ads.config_extra(conn)
        accounts = ads.id_list(extra.get("account_ids"))
        required = {"login (client_id)": conn.login, "developer_token": extra.get("developer_token"),
                    "refresh_token": extra.get("refresh_token"), "customer_id": extra.get("customer_id"),
                    "account_ids": accounts}
        missing = [name for name, value in required.items() if not value]
        if missing:
            raise ValueError(f"Airflow connection '{conn.conn_id}' lacks {', '.join(missing)}")
        host = ads.host_url(conn, "") if conn.host else None
        return cls(
            client_id=conn.login,
            refresh_token=extra["refresh_token"],
            developer_token=extra["developer_token"],
            customer_id=str(extra["customer_id"]),
            account_ids=accounts,
            client_secret=conn.password or None,
            token_url=extra.get("token_url", DEFAULT_TOKEN_URL),
            reporting_url=host or extra.get("reporting_url", DEFAULT_REPORTING_URL),
            customer_url=host or extra.get("customer_url", DEFAULT_CUSTOMER_URL),
            campaign_url=host or extra.get("campaign_url", DEFAULT_CAMPAIGN_URL),
            lookback_days=int(extra.get("lookback_days", DEFAULT_LOOKBACK_DAYS)),
            start_date=ads.optional_date(extra.get("start_date")),
            poll_interval=float(extra.get("poll_interval", 5.0)),
        )


def _fault_codes(response: requests.Response) -> set[int]:
    try:
        body = response.json()
    except ValueError:
        return set()
    if not isinstance(body, dict):
        return set()
    items = (body.get("Errors") or []) + (body.get("OperationErrors") or [])
    return {item.get("Code") for item in items if isinstance(item, dict)}


def classify(response: requests.Response) -> str | None:
    """Microsoft's faults say what happened in their codes, whatever the HTTP status."""
    codes = _fault_codes(response)
    if codes & REFRESH_CODES:
        return REFRESH
    if codes & RETRY_CODES:
        return RETRY
    return None


def wait_hint(response: requests.Response) -> float | None:
    return CALL_RATE_WAIT if 117 in _fault_codes(response) else None


def clean_number(value: str | None) -> str | None:
    """`1,234.50` → `1234.50`, `2.5%` → `2.5`, `--` (not available) → None."""
    text = (value or "").replace("\x00", "").replace(",", "").replace("%", "").strip()
    return None if text in ("", "--") else text


def _number(row: dict[str, str | None], column: str, cast: type) -> Any:
    text = clean_number(row.get(column))
    return None if text is None else cast(text)


class MicrosoftAdsApi:
    """OAuth (rotating refresh token) and the v13 services for one Microsoft Advertising connection."""

    def __init__(self, config: MicrosoftAdsConfig):
        self.config = config
        self._refresh_token = config.refresh_token
        self._access_token: str | None = None
        self._account_id: str | None = None
        self.secrets = (config.refresh_token, config.developer_token, config.client_secret or "")
        self.oauth = ApiClient(vendor="microsoft_oauth", base_url=config.token_url, auth=dict, policy=config.retry,
                               secrets=self.secrets)
        self.clients = {
            name: ApiClient(vendor="microsoft_ads", base_url=url, auth=self._headers, refresh=self._refresh,
                            wait_hint=wait_hint, classify=classify, policy=config.retry, secrets=self.secrets)
            for name, url in (("reporting", config.reporting_url), ("customer", config.customer_url),
                              ("campaign", config.campaign_url))
        }

    def _refresh(self) -> None:
        form = {"client_id": self.config.client_id, "grant_type": "refresh_token", "refresh_token": self._refresh_token,
                "scope": SCOPE}
        if self.config.client_secret:
            form["client_secret"] = self.config.client_secret
        body = self.oauth.post("", data=form)
        self._access_token = body["access_token"]
        # The refresh token rotates: the new one serves the rest of this run.
        self._refresh_token = body.get("refresh_token") or self._refresh_token
        self.secrets = (*self.secrets, self._access_token, self._refresh_token)
        for client in (self.oauth, *self.clients.values()):
            client.secrets = self.secrets

    def _headers(self) -> dict[str, str]:
        if self._access_token is None:
            self._refresh()
        headers = {"Authorization": f"Bearer {self._access_token}", "DeveloperToken": self.config.developer_token,
                   "CustomerId": self.config.customer_id}
        if self._account_id:
            headers["CustomerAccountId"] = self._account_id
        return headers

    def call(self, service: str, path: str, account_id: str, body: dict[str, Any]) -> Any:
        self._account_id = account_id
        return self.clients[service].post(path, json=body)

    def account(self, account_id: str) -> dict[str, Any]:
        return self.call("customer", "/CustomerManagement/v13/Account/Query", account_id,
                         {"AccountId": account_id}).get("Account") or {}

    def campaigns(self, account_id: str) -> list[dict[str, Any]]:
        body = {"AccountId": account_id, "CampaignType": CAMPAIGN_TYPES}
        return self.call("campaign", "/CampaignManagement/v13/Campaigns/QueryByAccountId", account_id,
                         body).get("Campaigns") or []

    def report(self, account_id: str, time_zone: str, since: date, until: date, dest: BinaryIO) -> bool:
        """Run a daily campaign report for [since, until] into `dest`; False when it has no data.

        A report that ends in Error is submitted once more; a second Error fails the run
        (Airflow retries it later)."""
        for attempt in (1, 2):
            request_id = self._submit(account_id, time_zone, since, until)
            status, url = self._poll(account_id, request_id)
            if status == "Success":
                if url is None:
                    return False
                self._download(account_id, request_id, url, dest)
                return True
            log.warning("microsoft_ads: report %s..%s for %s ended %s (attempt %d)", since, until, account_id,
                        status, attempt)
        raise ApiError("microsoft_ads", "POST", "/Reporting/v13/GenerateReport/Poll", None,
                       f"report {since}..{until} for account {account_id} failed twice", retryable=True)

    def _submit(self, account_id: str, time_zone: str, since: date, until: date) -> str:
        def day(value: date) -> dict[str, int]:
            return {"Day": value.day, "Month": value.month, "Year": value.year}

        request = {
            "Type": "CampaignPerformanceReportRequest", "ReportName": "funnelhouse_campaign_daily", "Format": "Csv",
            # Header and footer stay in: the header's row count proves the file is whole.
            "ExcludeReportHeader": False, "ExcludeReportFooter": False, "ExcludeColumnHeaders": False,
            "ReturnOnlyCompleteData": False, "Aggregation": "Daily", "Columns": list(REPORT_COLUMNS),
            "Scope": {"AccountIds": [int(account_id)]},
            "Time": {"CustomDateRangeStart": day(since), "CustomDateRangeEnd": day(until), "ReportTimeZone": time_zone},
        }
        body = self.call("reporting", "/Reporting/v13/GenerateReport/Submit", account_id, {"ReportRequest": request})
        return body["ReportRequestId"]

    def _poll(self, account_id: str, request_id: str) -> tuple[str, str | None]:
        deadline = time.monotonic() + self.config.poll_timeout
        delay = self.config.poll_interval
        while True:
            body = self.call("reporting", "/Reporting/v13/GenerateReport/Poll", account_id,
                             {"ReportRequestId": request_id})
            status = (body.get("ReportRequestStatus") or {}).get("Status")
            if status != "Pending":
                return status, (body.get("ReportRequestStatus") or {}).get("ReportDownloadUrl")
            if time.monotonic() > deadline:
                return f"still Pending after {self.config.poll_timeout:.0f}s", None
            time.sleep(delay)
            delay = min(60.0, delay * 2)

    def _download(self, account_id: str, request_id: str, url: str, dest: BinaryIO) -> None:
        """The URL expires within minutes: if it has (HTTP 403), poll again for a fresh one, once."""
        try:
            self.clients["reporting"].download(url, dest)
        except ApiError as exc:
            if exc.status != 403:
                raise
            status, fresh = self._poll(account_id, request_id)
            if status != "Success" or fresh is None:
                raise
            self.clients["reporting"].download(fresh, dest)


def read_report(archive: BinaryIO) -> Iterator[dict[str, str | None]]:
    """Rows of the ZIP's one CSV as {column: cleaned value}, checked against the header's `Rows:`."""
    with zipfile.ZipFile(archive) as zipped:
        names = [n for n in zipped.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise ValueError(f"expected one file in the report archive, found {len(names)}")
        with zipped.open(names[0]) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(line.replace("\x00", "") for line in text)
            expected: int | None = None
            columns: list[str] | None = None
            count = 0
            for cells in reader:
                if columns is None:
                    if cells and cells[0].startswith("Rows:"):
                        expected = int(clean_number(cells[0].split(":", 1)[1]) or 0)
                    elif cells and cells[0] == "TimePeriod":
                        columns = cells
                    continue
                if not cells or not cells[0] or cells[0] == "Total" or cells[0].startswith("\u00a9"):
                    break  # the summary row, the blank line and the copyright footer end the data
                count += 1
                yield dict(zip(columns, cells))
            if columns is None:
                raise ValueError("the report has no column header row")
            if expected is not None and count != expected:
                raise ValueError(f"the report announces {expected} rows but holds {count}: it is incomplete")


@dlt.source(name="microsoft_ads", max_table_nesting=0)
def microsoft_ads_source(config: MicrosoftAdsConfig, until: datetime) -> list[Any]:
    """Microsoft Advertising streams for every configured account, stats up to the last local day before `until`."""
    api = MicrosoftAdsApi(config)
    extracted_at = ads.utc_now()
    accounts_seen: dict[str, dict[str, Any]] = {}

    def account(account_id: str) -> dict[str, Any]:
        if account_id not in accounts_seen:
            accounts_seen[account_id] = api.account(account_id)
        return accounts_seen[account_id]

    @dlt.resource(name="accounts", write_disposition="merge", primary_key="account_id")
    def accounts() -> Iterator[dict[str, Any]]:
        for account_id in config.account_ids:
            info = account(account_id)
            zone = info.get("TimeZone")
            yield {
                "account_id": str(info.get("Id") or account_id),
                "account_name": info.get("Name"),
                "currency_code": info.get("CurrencyCode"),
                "time_zone": TIME_ZONES.get(zone, zone),
                "report_time_zone": zone,
                "account_number": info.get("Number"),
                "status": info.get("AccountLifeCycleStatus"),
                "_extracted_at": extracted_at,
            }

    @dlt.resource(name="campaigns", write_disposition="merge", primary_key=["account_id", "campaign_id"])
    def campaigns() -> Iterator[dict[str, Any]]:
        # Deleted campaigns drop out of the list: a campaign we saw before and no longer
        # see is kept, flagged Deleted (its stats stay reportable).
        known = dlt.current.resource_state().setdefault("known", {})
        for account_id in config.account_ids:
            seen = known.setdefault(account_id, {})
            listed = set()
            for item in api.campaigns(account_id):
                campaign_id = str(item["Id"])
                listed.add(campaign_id)
                seen[campaign_id] = item.get("Name")
                row = {"account_id": account_id, "campaign_id": campaign_id, "campaign_name": item.get("Name"),
                       "status": item.get("Status")}
                # Every other field as delivered; empty ones carry nothing dlt could type.
                row.update({k: v for k, v in item.items() if k not in ("Id", "Name", "Status") and v is not None})
                row["_extracted_at"] = extracted_at
                yield row
            for campaign_id, name in seen.items():
                if campaign_id not in listed:
                    yield {"account_id": account_id, "campaign_id": campaign_id, "campaign_name": name,
                           "status": "Deleted", "_extracted_at": extracted_at}

    @dlt.resource(name="campaign_stats", **ads.STATS_HINTS)
    def campaign_stats() -> Iterator[Any]:
        for account_id in config.account_ids:
            zone = account(account_id).get("TimeZone") or "PacificTimeUSCanadaTijuana"
            end = ads.report_end(until, TIME_ZONES.get(zone, "America/Los_Angeles"))
            start, stop = ads.window_for(account_id, end, config.lookback_days, config.start_date)
            batch = ads.StatsBatch(account_id, extracted_at)
            with tempfile.TemporaryFile() as archive:
                if api.report(account_id, zone, start, stop, archive):
                    for row in read_report(archive):
                        if row.get("AccountId") != account_id:
                            raise ValueError(f"microsoft_ads report for account {account_id} holds a row of "
                                             f"account {row.get('AccountId')}")
                        batch.add(
                            str(row["CampaignId"]), date.fromisoformat(str(row["TimePeriod"])),
                            _number(row, "Impressions", int), _number(row, "Clicks", int),
                            ads.to_decimal(row.get("Spend")), _number(row, "Conversions", float),
                            _number(row, "Revenue", float),
                            {k: v for k, v in row.items() if k not in REPORT_COLUMNS},
                        )
                        yield from batch.drain(CHUNK_ROWS)
            yield from batch.drain()
            ads.remember_window(account_id, start, stop)

    return [accounts, campaigns, ads.campaign_name_history(campaigns), campaign_stats]
