"""Meta Marketing API (Graph `/v{N}.0`): ad accounts, campaigns, daily campaign insights.

Meta attributes conversions to the impression or click day and keeps
changing the last 28 days, so each run re-reads a lookback window and
replaces whole (account, day) partitions. Short windows use the synchronous
insights edge; longer ones (the first run's history) go through async report
runs, which are split in halves when Meta fails or stalls them. Pages are
followed exactly as `paging.next` says. Rate limits arrive as HTTP 400 with
codes 4/17/32/613/800xx and are retried, waiting as long as the usage headers
say access returns.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import dlt
import requests

from funnelhouse.sources import ads
from funnelhouse.sources.http import FAIL, REFRESH, RETRY, ApiClient, ApiError, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com"
API_VERSION = "v24.0"
DEFAULT_LOOKBACK_DAYS = 28
ASYNC_AFTER_DAYS = 30  # longer windows go through async report runs
# Meta's answer (error code 1) when a synchronous insights call would return too many rows.
TOO_MUCH_DATA = "reduce the amount of data"
PAGE_LIMIT = 500
USAGE_THRESHOLD = 95.0  # percent of a usage budget at which calls pause
CHUNK_ROWS = 50_000
RATE_LIMIT_CODES = {4, 17, 32, 613, *range(80000, 80015)}
TRANSIENT_CODES = {2}  # "temporarily unavailable"; code 1 asks for less data, which retrying cannot give
CAMPAIGN_FIELDS = ("id", "name", "status", "effective_status", "objective", "buying_type", "created_time",
                   "updated_time", "start_time", "stop_time", "daily_budget", "lifetime_budget")
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED")
INSIGHT_FIELDS = ("account_id", "campaign_id", "date_start", "date_stop", "impressions", "clicks", "spend", "actions",
                  "action_values", "account_currency")
DONE, FAILED = "Job Completed", ("Job Failed", "Job Skipped")


@dataclass(frozen=True)
class MetaAdsConfig:
    access_token: str = field(repr=False)
    account_ids: tuple[str, ...]
    app_id: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    api_version: str = API_VERSION
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    start_date: date | None = None
    conversion_action_types: tuple[str, ...] = ("lead",)
    page_limit: int = PAGE_LIMIT
    async_after_days: int = ASYNC_AFTER_DAYS
    poll_interval: float = 5.0  # seconds before the first report-run poll; doubles up to a minute
    job_timeout: float = 1800.0  # a run not complete by then is split, like a failed one
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_connection(cls, conn: Any) -> "MetaAdsConfig":
        """From an Airflow connection: access token in the password, account ids and options in the extras."""
        extra = ads.config_extra(conn)
        token = conn.password or extra.get("access_token")
        accounts = ads.id_list(extra.get("account_ids"), strip="act_")
        missing = [name for name, value in (("password (access token)", token), ("account_ids", accounts)) if not value]
        if missing:
            raise ValueError(f"Airflow connection '{conn.conn_id}' lacks {', '.join(missing)}")
        actions = extra.get("conversion_action_types") or ("lead",)
        return cls(
            access_token=token,
            account_ids=accounts,
            app_id=conn.login or extra.get("app_id"),
            app_secret=extra.get("app_secret"),
            base_url=ads.host_url(conn, DEFAULT_BASE_URL),
            api_version=extra.get("api_version", API_VERSION),
            lookback_days=int(extra.get("lookback_days", DEFAULT_LOOKBACK_DAYS)),
            start_date=ads.optional_date(extra.get("start_date")),
            conversion_action_types=tuple(ads.id_list(actions)),
            poll_interval=float(extra.get("poll_interval", 5.0)),
        )


def _error(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def classify(response: requests.Response) -> str | None:
    """Meta sends rate limits and expired tokens as HTTP 400: read the error code."""
    error = _error(response)
    code = error.get("code")
    if code in RATE_LIMIT_CODES or code in TRANSIENT_CODES:
        return RETRY
    if code == 190:
        return REFRESH
    if code == 1:
        return FAIL
    return None


def _usage(response: requests.Response) -> tuple[float, float, float]:
    """From Meta's usage headers: the highest usage percent, the seconds until a throttled
    caller regains access, and the seconds until the usage window resets."""
    pct, regain, reset = 0.0, 0.0, 0.0
    for name in ("x-app-usage", "x-ad-account-usage", "x-fb-ads-insights-throttle", "x-business-use-case-usage"):
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        entries = [e for value in body.values() if isinstance(value, list) for e in value] \
            if name == "x-business-use-case-usage" else [body]
        for entry in entries:
            for key, value in entry.items():
                if isinstance(value, (int, float)) and (key.endswith("_pct") or key in ("call_count", "total_time",
                                                                                          "total_cputime")):
                    pct = max(pct, float(value))
            regain = max(regain, 60.0 * float(entry.get("estimated_time_to_regain_access") or 0))
            reset = max(reset, float(entry.get("reset_time_duration") or 0))
    return pct, regain, reset


def wait_hint(response: requests.Response) -> float | None:
    _, regain, reset = _usage(response)
    return regain or reset or None


class MetaAdsApi:
    """Auth, paging and report runs for one Meta connection."""

    def __init__(self, config: MetaAdsConfig):
        self.config = config
        self.token = config.access_token
        self.http = ApiClient(
            vendor="meta_ads",
            base_url=f"{config.base_url.rstrip('/')}/{config.api_version}",
            auth=lambda: {"Authorization": f"Bearer {self.token}"},
            refresh=self._refresh if config.app_id and config.app_secret else None,
            wait_hint=wait_hint,
            classify=classify,
            observe=self._observe,
            policy=config.retry,
            secrets=(config.access_token, config.app_secret or ""),
        )
        # The token exchange has no refresh of its own: a 190 there is final.
        self.oauth = ApiClient(vendor="meta_oauth", base_url=self.http.base_url, auth=dict, classify=classify,
                               policy=config.retry, secrets=self.http.secrets)
        self.accounts: dict[str, dict[str, Any]] = {}

    def _refresh(self) -> None:
        """Exchange the token for a fresh long-lived one (works while the old one is still valid)."""
        # POSTed, so neither the app secret nor the token ever sits in a URL (or a debug log of one).
        body = self.oauth.post("oauth/access_token", data={
            "grant_type": "fb_exchange_token", "client_id": self.config.app_id,
            "client_secret": self.config.app_secret, "fb_exchange_token": self.token,
        })
        self.token = body["access_token"]
        self.http.secrets = self.oauth.secrets = (*self.http.secrets, self.token)

    def _observe(self, response: requests.Response) -> None:
        """Slow down before Meta throttles: at 95% of a budget, or once it says access is lost."""
        pct, regain, reset = _usage(response)
        if pct >= USAGE_THRESHOLD or regain:
            pause = min(self.config.retry.max_delay, regain or reset or 60.0)
            log.warning("meta_ads: usage at %.0f%% of the limit, pausing %.1fs", pct, pause)
            time.sleep(pause)

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page, following `paging.next` as Meta gives it; the same link twice is an error."""
        body = self.http.get(path, params=params)
        seen: set[str] = set()
        while True:
            yield body.get("data", [])
            link = (body.get("paging") or {}).get("next")
            if not link:
                return
            if link in seen:
                raise RuntimeError(f"meta_ads paging on {path} returned the same next link twice")
            seen.add(link)
            body = self.http.get(link)

    def account(self, account_id: str) -> dict[str, Any]:
        if account_id not in self.accounts:
            self.accounts[account_id] = self.http.get(
                f"act_{account_id}", params={"fields": "account_id,name,currency,timezone_name,account_status"})
        return self.accounts[account_id]

    def insights(self, account_id: str, since: date, until: date) -> Iterator[list[dict[str, Any]]]:
        """Daily campaign rows of [since, until]: synchronous for short windows, report runs for long ones."""
        params = {
            "level": "campaign", "time_increment": "1", "fields": ",".join(INSIGHT_FIELDS),
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "limit": str(self.config.page_limit),
        }
        if (until - since).days + 1 > self.config.async_after_days:
            yield from self.report_run(account_id, since, until, params)
            return
        first_page = True
        try:
            for page in self.pages(f"act_{account_id}/insights", params):
                first_page = False
                yield page
        except ApiError as exc:
            # A short window of a large account can still be more than Meta answers at once
            # (code 1, "reduce the amount of data"): the same window as a report run has no such cap.
            if not (first_page and TOO_MUCH_DATA in str(exc)):
                raise
            log.info("meta_ads: act_%s %s..%s is too large to read at once; reading it as a report run",
                     account_id, since, until)
            yield from self.report_run(account_id, since, until, params)

    def report_run(self, account_id: str, since: date, until: date,
                   params: dict[str, str]) -> Iterator[list[dict[str, Any]]]:
        run_id = self.http.post(f"act_{account_id}/insights", data=params)["report_run_id"]
        deadline = time.monotonic() + self.config.job_timeout
        delay = self.config.poll_interval
        while True:
            job = self.http.get(run_id)
            status = job.get("async_status")
            if status == DONE:
                break
            if status in FAILED or time.monotonic() > deadline:
                why = status if status in FAILED else f"not complete after {self.config.job_timeout:.0f}s"
                if since == until:
                    raise ApiError("meta_ads", "GET", f"/{run_id}", None, f"report run for {since} ended: {why}",
                                   retryable=True)
                middle = since + timedelta(days=(until - since).days // 2)
                log.warning("meta_ads: report run %s..%s %s; splitting it", since, until, why)
                for first, last in ((since, middle), (middle + timedelta(days=1), until)):
                    yield from self.insights(account_id, first, last)
                return
            time.sleep(delay)
            delay = min(60.0, delay * 2)
        yield from self.pages(f"{run_id}/insights", {"limit": str(self.config.page_limit)})


def _sum_actions(items: list[dict[str, Any]] | None, wanted: tuple[str, ...]) -> float:
    return sum(float(item.get("value") or 0) for item in items or () if item.get("action_type") in wanted)


@dlt.source(name="meta_ads", max_table_nesting=0)
def meta_ads_source(config: MetaAdsConfig, until: datetime) -> list[Any]:
    """Meta Ads streams for every configured account, stats up to the last account-local day before `until`."""
    api = MetaAdsApi(config)
    extracted_at = ads.utc_now()

    @dlt.resource(name="accounts", write_disposition="merge", primary_key="account_id")
    def accounts() -> Iterator[dict[str, Any]]:
        for account_id in config.account_ids:
            account = api.account(account_id)
            yield {
                "account_id": str(account.get("account_id") or account_id),
                "account_name": account.get("name"),
                "currency_code": account.get("currency"),
                "time_zone": account.get("timezone_name"),
                "account_status": account.get("account_status"),
                "_extracted_at": extracted_at,
            }

    @dlt.resource(name="campaigns", write_disposition="merge", primary_key=["account_id", "campaign_id"])
    def campaigns() -> Iterator[dict[str, Any]]:
        params = {"fields": ",".join(CAMPAIGN_FIELDS), "effective_status": json.dumps(CAMPAIGN_STATUSES),
                  "limit": str(config.page_limit)}
        for account_id in config.account_ids:
            for page in api.pages(f"act_{account_id}/campaigns", params):
                for item in page:
                    row = {"account_id": account_id, "campaign_id": str(item["id"]),
                           "campaign_name": item.get("name"), "status": item.get("status")}
                    row.update({k: v for k, v in item.items()
                                if k not in ("id", "name", "status", "account_id") and v is not None})
                    row["_extracted_at"] = extracted_at
                    yield row

    @dlt.resource(name="campaign_stats", **ads.STATS_HINTS)
    def campaign_stats() -> Iterator[Any]:
        for account_id in config.account_ids:
            end = ads.report_end(until, api.account(account_id).get("timezone_name") or "UTC")
            start, stop = ads.window_for(account_id, end, config.lookback_days, config.start_date)
            batch = ads.StatsBatch(account_id, extracted_at)
            for page in api.insights(account_id, start, stop):
                for row in page:
                    if row.get("date_stop", row["date_start"]) != row["date_start"]:
                        raise RuntimeError(f"meta_ads returned a {row['date_start']}..{row['date_stop']} row, "
                                           "not a daily one")
                    batch.add(
                        str(row["campaign_id"]), date.fromisoformat(row["date_start"]),
                        int(row.get("impressions") or 0), int(row.get("clicks") or 0),
                        ads.to_decimal(row.get("spend") or "0"),
                        _sum_actions(row.get("actions"), config.conversion_action_types),
                        _sum_actions(row.get("action_values"), config.conversion_action_types),
                        {k: v for k, v in row.items() if k not in INSIGHT_FIELDS},
                    )
                yield from batch.drain(CHUNK_ROWS)
            yield from batch.drain()
            ads.remember_window(account_id, start, stop)

    return [accounts, campaigns, ads.campaign_name_history(campaigns), campaign_stats]
