"""LinkedIn Marketing API (`/rest`, versioned): ad accounts, campaigns, daily campaign analytics.

Every call pins `LinkedIn-Version` and speaks Rest.li 2.0, whose query
syntax is built by hand here: the structure characters of
`dateRange=(start:(...),end:(...))` and `campaigns=List(...)` must stay raw
while the URNs inside are percent-encoded, which no generic URL encoder
does. Campaigns are paged with `pageToken`; analytics have no paging at all,
so requests are sliced (30 days, 20 campaigns) to stay far below the
15,000-element answer cap. LinkedIn restates recent days and reports them in
UTC, so each run re-reads a lookback window (7 days) and replaces whole
(account, day) partitions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import dlt

from funnelhouse.sources import ads
from funnelhouse.sources.http import ApiClient, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.linkedin.com"
DEFAULT_TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
API_VERSION = "202610"
DEFAULT_LOOKBACK_DAYS = 7
SLICE_DAYS = 30
CAMPAIGNS_PER_CALL = 20
PAGE_SIZE = 100
MAX_ELEMENTS = 15_000
TIME_ZONE = "UTC"  # analytics days are UTC days; accounts carry no zone
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "COMPLETED", "CANCELED", "DRAFT", "PENDING_DELETION", "REMOVED")
METRICS = ("impressions", "clicks", "costInLocalCurrency", "externalWebsiteConversions", "oneClickLeads",
           "conversionValueInLocalCurrency")
CONVERSION_METRICS = ("externalWebsiteConversions", "oneClickLeads")


@dataclass(frozen=True)
class LinkedInAdsConfig:
    access_token: str = field(repr=False)
    account_ids: tuple[str, ...] = ()  # empty: every account the token can see
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_TOKEN_URL
    api_version: str = API_VERSION
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    start_date: date | None = None
    slice_days: int = SLICE_DAYS
    page_size: int = PAGE_SIZE
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_connection(cls, conn: Any) -> "LinkedInAdsConfig":
        """From an Airflow connection: access token in the password; refresh client and options in the extras."""
        extra = ads.config_extra(conn)
        token = conn.password or extra.get("access_token")
        if not token:
            raise ValueError(f"Airflow connection '{conn.conn_id}' lacks password (access token)")
        return cls(
            access_token=token,
            account_ids=ads.id_list(extra.get("account_ids"), strip="urn:li:sponsoredAccount:"),
            client_id=conn.login or extra.get("client_id"),
            client_secret=extra.get("client_secret"),
            refresh_token=extra.get("refresh_token"),
            base_url=ads.host_url(conn, DEFAULT_BASE_URL),
            token_url=extra.get("token_url", DEFAULT_TOKEN_URL),
            api_version=str(extra.get("api_version", API_VERSION)),
            lookback_days=int(extra.get("lookback_days", DEFAULT_LOOKBACK_DAYS)),
            start_date=ads.optional_date(extra.get("start_date")),
        )


def restli_list(values: list[str]) -> str:
    """`List(a,b)` with each value percent-encoded and the structure raw (Rest.li 2.0)."""
    return "List(" + ",".join(quote(v, safe="") for v in values) + ")"


def restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


class LinkedInAdsApi:
    """Versioned, Rest.li 2.0 calls for one LinkedIn connection, with OAuth refresh when configured."""

    def __init__(self, config: LinkedInAdsConfig):
        self.config = config
        self.token = config.access_token
        secrets = (config.access_token, config.client_secret or "", config.refresh_token or "")
        can_refresh = bool(config.client_id and config.client_secret and config.refresh_token)
        self.http = ApiClient(
            vendor="linkedin_ads",
            base_url=f"{config.base_url.rstrip('/')}/rest",
            auth=self._headers,
            refresh=self._refresh if can_refresh else None,
            policy=config.retry,
            secrets=secrets,
        )
        self.oauth = ApiClient(vendor="linkedin_oauth", base_url=config.token_url, auth=dict, policy=config.retry,
                               secrets=secrets)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "LinkedIn-Version": self.config.api_version,
                "X-Restli-Protocol-Version": "2.0.0"}

    def _refresh(self) -> None:
        body = self.oauth.post("", data={
            "grant_type": "refresh_token", "refresh_token": self.config.refresh_token,
            "client_id": self.config.client_id, "client_secret": self.config.client_secret,
        })
        self.token = body["access_token"]
        self.http.secrets = self.oauth.secrets = (*self.http.secrets, self.token)

    def paged(self, path: str) -> Iterator[list[dict[str, Any]]]:
        """A cursor finder's pages, following `metadata.nextPageToken` until it is absent."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            url = f"{path}&pageSize={self.config.page_size}" + (f"&pageToken={quote(token, safe='')}" if token else "")
            body = self.http.get(url)
            yield body.get("elements", [])
            token = (body.get("metadata") or {}).get("nextPageToken")
            if not token:
                return
            if token in seen:
                raise RuntimeError(f"linkedin_ads paging on {path.split('?')[0]} returned the same token twice")
            seen.add(token)

    def account_ids(self) -> tuple[str, ...]:
        if self.config.account_ids:
            return self.config.account_ids
        search = "(status:(values:List(ACTIVE,DRAFT,CANCELED,PENDING_DELETION,REMOVED)))"
        return tuple(str(a["id"]) for page in self.paged(f"adAccounts?q=search&search={search}") for a in page)

    def account(self, account_id: str) -> dict[str, Any]:
        return self.http.get(f"adAccounts/{account_id}")

    def campaigns(self, account_id: str) -> Iterator[list[dict[str, Any]]]:
        search = f"(status:(values:{restli_list(list(CAMPAIGN_STATUSES))}))"
        return self.paged(f"adAccounts/{account_id}/adCampaigns?q=search&search={search}")

    def analytics(self, campaign_ids: list[str], since: date, until: date) -> list[dict[str, Any]]:
        """Daily elements of [since, until] for these campaigns; halves the window at the element cap."""
        urns = [f"urn:li:sponsoredCampaign:{i}" for i in campaign_ids]
        query = (
            "adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
            f"&dateRange=(start:{restli_date(since)},end:{restli_date(until)})"
            f"&campaigns={restli_list(urns)}&fields=dateRange,pivotValues,{','.join(METRICS)}"
        )
        elements = self.http.get(query).get("elements", [])
        if len(elements) >= MAX_ELEMENTS:
            if since == until:
                raise RuntimeError(f"linkedin_ads analytics for {since} hit the {MAX_ELEMENTS}-element cap")
            middle = since + timedelta(days=(until - since).days // 2)
            return (self.analytics(campaign_ids, since, middle)
                    + self.analytics(campaign_ids, middle + timedelta(days=1), until))
        return elements


def _urn_id(urn: str) -> str:
    return urn.rsplit(":", 1)[-1]


def _day(value: dict[str, Any]) -> date:
    return date(int(value["year"]), int(value["month"]), int(value["day"]))


@dlt.source(name="linkedin_ads", max_table_nesting=0)
def linkedin_ads_source(config: LinkedInAdsConfig, until: datetime) -> list[Any]:
    """LinkedIn Ads streams for every configured account, analytics up to the last UTC day before `until`."""
    api = LinkedInAdsApi(config)
    extracted_at = ads.utc_now()
    listed: list[str] = []

    def account_ids() -> list[str]:
        if not listed:
            listed.extend(api.account_ids())
        return listed

    @dlt.resource(name="accounts", write_disposition="merge", primary_key="account_id")
    def accounts() -> Iterator[dict[str, Any]]:
        for account_id in account_ids():
            account = api.account(account_id)
            yield {
                "account_id": str(account.get("id") or account_id),
                "account_name": account.get("name"),
                "currency_code": account.get("currency"),
                "time_zone": TIME_ZONE,
                "status": account.get("status"),
                "type": account.get("type"),
                "_extracted_at": extracted_at,
            }

    searched: dict[str, list[dict[str, Any]]] = {}

    def campaign_rows(account_id: str) -> list[dict[str, Any]]:
        # Searched once per run and shared by campaigns and stats: LinkedIn's daily limits are small.
        if account_id not in searched:
            rows = []
            for page in api.campaigns(account_id):
                for item in page:
                    row = {"account_id": account_id, "campaign_id": str(item["id"]), "campaign_name": item.get("name"),
                           "status": item.get("status")}
                    row.update({k: v for k, v in item.items()
                                if k not in ("id", "name", "status", "account") and v is not None})
                    row["_extracted_at"] = extracted_at
                    rows.append(row)
            searched[account_id] = rows
        return searched[account_id]

    @dlt.resource(name="campaigns", write_disposition="merge", primary_key=["account_id", "campaign_id"])
    def campaigns() -> Iterator[dict[str, Any]]:
        for account_id in account_ids():
            yield from campaign_rows(account_id)

    @dlt.resource(name="campaign_stats", **ads.STATS_HINTS)
    def campaign_stats() -> Iterator[Any]:
        end = ads.report_end(until, TIME_ZONE)
        for account_id in account_ids():
            start, stop = ads.window_for(account_id, end, config.lookback_days, config.start_date)
            ids = [row["campaign_id"] for row in campaign_rows(account_id)]
            batch = ads.StatsBatch(account_id, extracted_at)
            for first, last in ads.date_slices(start, stop, config.slice_days):
                for i in range(0, len(ids), CAMPAIGNS_PER_CALL):
                    for element in api.analytics(ids[i:i + CAMPAIGNS_PER_CALL], first, last):
                        conversions = sum(float(element.get(name) or 0) for name in CONVERSION_METRICS)
                        value = ads.to_decimal(element.get("conversionValueInLocalCurrency"))
                        batch.add(
                            _urn_id(element["pivotValues"][0]), _day(element["dateRange"]["start"]),
                            int(element.get("impressions") or 0), int(element.get("clicks") or 0),
                            ads.to_decimal(element.get("costInLocalCurrency") or "0"), conversions,
                            float(value) if value is not None else None,
                            {k: v for k, v in element.items() if k not in ("dateRange", "pivotValues", *METRICS)},
                        )
                yield from batch.drain(50_000)
            yield from batch.drain()
            ads.remember_window(account_id, start, stop)

    return [accounts, campaigns, ads.campaign_name_history(campaigns), campaign_stats]
