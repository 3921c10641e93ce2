"""Meta (Facebook) Marketing API imitation: ad account, campaigns and insights.

It keeps what connectors trip over: every numeric metric as a string, spend as a
decimal string in the account currency, ``date_start``/``date_stop`` as days of the
account time zone, no row for a day without delivery, ``actions`` absent (not empty)
when there are none, cursor paging whose ``paging.next`` is an absolute URL back at
this server (with the access token inside when it came as a query parameter), async
report runs that sit at 100% before they complete, errors in the
``{"error": {message, type, code, error_subcode, fbtrace_id}}`` envelope with rate
limits as HTTP 400 (codes 4, 17, 613, 80000, 80004) and usage headers that rise with
call volume. Access tokens come as ``access_token`` or ``Authorization: Bearer``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from .ad_platform import AdPlatformServer
from .company import Company, PlatformAccount, PlatformCampaign, PlatformDailyStat
from .http import Reply, Request, route

SUPPORTED_VERSIONS = ("v21.0", "v22.0", "v23.0", "v24.0")
LATEST_VERSION = SUPPORTED_VERSIONS[-1]
DEFAULT_LIMIT = 25
MAX_LIMIT = 500  # switchable: Meta documents no hard maximum, but big pages fail
SYNC_ROW_CAP = 2500  # a synchronous insights call bigger than this "asks for too much data"
RETENTION_DAYS = 37 * 30  # insights older than about 37 months are gone
TOKEN_TTL = 5_183_944  # long-lived user tokens last about 60 days
ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "timezone_offset_hours_utc",
                  "account_status", "amount_spent", "business_country_code")
CAMPAIGN_FIELDS = ("id", "account_id", "name", "status", "configured_status", "effective_status", "objective",
                   "buying_type", "created_time", "updated_time", "start_time", "stop_time", "daily_budget",
                   "lifetime_budget", "special_ad_categories")
INSIGHT_FIELDS = ("account_id", "account_name", "account_currency", "campaign_id", "campaign_name", "objective",
                  "date_start", "date_stop", "impressions", "clicks", "spend", "reach", "frequency", "ctr", "cpc",
                  "cpm", "actions", "action_values")
ATTRIBUTION_WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view", "1d_ev")
DEPRECATED_WINDOWS = ("7d_view", "28d_view")
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED")
# code -> (subcode, message, transient); the rate limits come back as HTTP 400
ERRORS = {
    1: (None, "Please reduce the amount of data you're asking for, then retry your request", False),
    2: (None, "An unexpected error has occurred. Please retry your request later.", True),
    4: (1504022, "(#4) Application request limit reached", True),
    10: (None, "(#10) Application does not have permission for this action", False),
    17: (2446079, "(#17) User request limit reached", True),
    100: (None, "(#100) Invalid parameter", False),
    104: (None, "An access token is required to request this resource.", False),
    190: (None, "Invalid OAuth access token - Cannot parse access token", False),
    200: (None, "(#200) Ad account owner has NOT grant ads_management or ads_read permission", False),
    613: (1487742, "(#613) Calls to this api have exceeded the rate limit.", True),
    803: (None, "(#803) Some of the aliases you requested do not exist", False),
    2635: (None, "(#2635) You are calling a deprecated version of the Ads API. Please update to the latest "
                 f"version: {LATEST_VERSION}.", False),
    80000: (2446079, "(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For "
                     "more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
            True),
    80004: (2446079, "(#80004) There have been too many calls to this ad-account. Wait a bit and try again. For more "
                     "info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting"
                     "#ads-management.", True),
}
STATUS_CODES = {400: 100, 401: 190, 403: 200, 404: 803, 429: 17, 500: 2, 502: 2, 503: 2, 504: 2}


class MetaError(Exception):
    def __init__(self, code: int, message: str | None = None, *, status: int = 400, subcode: int | None = None,
                 user_msg: str | None = None) -> None:
        super().__init__(message or ERRORS[code][1])
        self.code, self.status, self.subcode, self.user_msg = code, status, subcode, user_msg


@dataclass
class _Job:
    id: str
    account: PlatformAccount
    params: dict[str, str]
    created: float
    polls: int = 0
    fate: str = "complete"  # complete | fail | stall
    rows: list[dict[str, Any]] | None = None
    completed_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _cursor(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode().rstrip("=") + "ZD"


def _uncursor(token: str) -> int:
    if not token.endswith("ZD"):
        raise MetaError(100, "(#100) Invalid cursor", user_msg="The after cursor is malformed")
    raw = token[:-2]
    try:
        return int(base64.b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (binascii.Error, ValueError) as exc:
        raise MetaError(100, "(#100) Invalid cursor") from exc


def _number(value: float) -> str:
    """Meta's counts: "3", and "2.5" only when fractional."""
    return str(int(value)) if float(value).is_integer() else repr(round(value, 6))


class MetaServer(AdPlatformServer):
    """Graph API ``/v{N}.0`` endpoints for the company's Meta ad account, plus token exchange."""

    name = "meta"
    platform = "meta_ads"

    def __init__(self, company: Company, *, access_token: str, app_id: str, app_secret: str, host: str = "127.0.0.1",
                 port: int = 0, async_polls: int = 3, hourly_call_budget: int = 20_000) -> None:
        super().__init__(company, company.meta, host, port)
        self.app_id, self.app_secret = app_id, app_secret
        self.async_polls = async_polls  # polls a report run takes to complete
        self.hourly_call_budget = hourly_call_budget  # the usage headers reach 100% here
        self._tokens: dict[str, float] = {access_token: float("inf")}  # system-user tokens never expire
        self._jobs: dict[str, _Job] = {}
        self._fates: deque[str] = deque()
        self._calls: deque[float] = deque()
        self._state = threading.Lock()

    # ------------------------------------------------------------------------ errors, headers
    def _error(self, error: MetaError) -> Reply:
        subcode, _, transient = ERRORS.get(error.code, (None, "", False))
        body: dict[str, Any] = {"message": str(error), "type": "OAuthException", "code": error.code}
        if error.subcode or subcode:
            body["error_subcode"] = error.subcode or subcode
        body["is_transient"] = transient
        if error.user_msg:
            body["error_user_title"], body["error_user_msg"] = "Invalid request", error.user_msg
        body["fbtrace_id"] = secrets.token_urlsafe(8)
        return Reply(error.status, {"error": body})

    def error_body(self, status: int, req: Request, message: str | None = None) -> Any:
        code = STATUS_CODES.get(status, 2 if status >= 500 else 100)
        subcode = 463 if code == 190 else None
        if code == 190 and not message:
            message = ("Error validating access token: Session has expired on Saturday, 28-Nov-26 10:00:00 PST. "
                       "The current time is Sunday, 29-Nov-26 04:00:00 PST.")
        return self._error(MetaError(code, message, status=status, subcode=subcode)).body

    def _usage(self) -> float:
        now = time.monotonic()
        with self._state:
            while self._calls and now - self._calls[0] > 3600:
                self._calls.popleft()
            return min(100.0, round(len(self._calls) * 100 / self.hourly_call_budget, 2))

    def _usage_headers(self, req: Request, pct: float, regain_minutes: int = 0) -> dict[str, str]:
        account = req.params.get("account") or ""
        kind = "ads_insights" if "insights" in req.path else "ads_management"
        headers = {
            "x-app-usage": json.dumps({"call_count": int(pct), "total_time": int(pct), "total_cputime": int(pct)}),
            "x-ad-account-usage": json.dumps({"acc_id_util_pct": pct, "reset_time_duration": regain_minutes * 60,
                                              "ads_api_access_tier": "standard_access"}),
        }
        if account:
            headers["x-business-use-case-usage"] = json.dumps({account: [{
                "type": kind, "call_count": int(pct), "total_cputime": int(pct), "total_time": int(pct),
                "estimated_time_to_regain_access": regain_minutes, "ads_api_access_tier": "standard_access"}]})
        if kind == "ads_insights":
            headers["x-fb-ads-insights-throttle"] = json.dumps(
                {"app_id_util_pct": pct, "acc_id_util_pct": pct, "ads_api_access_tier": "standard_access"})
        return headers

    def finish(self, req: Request, reply: Reply) -> Reply:
        error = reply.body.get("error") if isinstance(reply.body, dict) else None
        if isinstance(error, dict) and error.get("code") == 190:
            reply.headers.setdefault("WWW-Authenticate", f'OAuth "Facebook Platform" "invalid_token" "{error["message"]}"')
        for name, value in self._usage_headers(req, self._usage()).items():
            reply.headers.setdefault(name, value)
        reply.headers.setdefault("x-fb-trace-id", secrets.token_urlsafe(8))
        reply.headers.setdefault("x-fb-rev", "1019981234")
        reply.headers.setdefault("facebook-api-version", req.params.get("version") or LATEST_VERSION)
        return reply

    def throttle(self, code: int = 17, *, times: int = 1, skip: int = 0, regain_minutes: int = 0,
                 pattern: str = "/v*") -> None:
        """Script Meta's own rate limiting: HTTP 400 with code 4/17/613/80000/80004 and full usage headers."""
        subcode, message, _ = ERRORS[code]
        body = {"error": {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode,
                          "is_transient": True, "fbtrace_id": secrets.token_urlsafe(8)}}
        req = Request("GET", pattern, {}, {}, b"", {"account": self.data.accounts[0].id})
        headers = self._usage_headers(req, 100.0, regain_minutes)
        self.faults.add(pattern, 400, headers=headers, body=body, times=times, skip=skip)

    # ------------------------------------------------------------------------------- auth
    def expire_access_tokens(self) -> None:
        """Every token issued so far is expired: calls answer code 190, subcode 463."""
        with self._state:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def _params(self, req: Request) -> dict[str, str]:
        params = {k: v[0] for k, v in req.query.items()}
        if req.method == "POST" and req.body:
            params.update(req.form())
        return params

    def _token(self, req: Request, params: dict[str, str]) -> str:
        token = params.get("access_token") or req.bearer()
        if not token:
            raise MetaError(104)
        with self._state:
            expiry = self._tokens.get(token)
        if expiry is None:
            raise MetaError(190)
        if expiry <= time.monotonic():
            raise MetaError(190, self.error_body(401, req)["error"]["message"], subcode=463)
        return token

    def dispatch(self, req: Request) -> Reply:
        with self._state:
            self._calls.append(time.monotonic())
        return super().dispatch(req)

    def _guard(self, req: Request) -> tuple[dict[str, str], PlatformAccount | None]:
        version = req.params.get("version", "")
        if version not in SUPPORTED_VERSIONS:
            raise MetaError(2635)
        params = self._params(req)
        self._token(req, params)
        account = None
        if "account" in req.params:
            account = self.data.account(req.params["account"])
            if account is None:
                raise MetaError(100, f"Unsupported get request. Object with ID 'act_{req.params['account']}' does not "
                                     "exist, cannot be loaded due to missing permissions, or does not support this "
                                     "operation.", subcode=33)
        return params, account

    def _handle(self, req: Request, handler: Any) -> Reply:
        try:
            params, account = self._guard(req)
            return handler(params, account)
        except MetaError as exc:
            return self._error(exc)

    @route("GET", r"/(?P<version>v\d+\.\d+)/oauth/access_token")
    @route("POST", r"/(?P<version>v\d+\.\d+)/oauth/access_token")
    def exchange_token(self, req: Request) -> Reply:
        """Long-lived token exchange (``grant_type=fb_exchange_token``): a valid token buys a fresh one."""
        params = self._params(req)
        try:
            if params.get("grant_type") != "fb_exchange_token":
                raise MetaError(100, "(#100) Invalid grant_type")
            if params.get("client_id") != self.app_id or params.get("client_secret") != self.app_secret:
                raise MetaError(101 if params.get("client_id") != self.app_id else 1,
                                "Error validating client secret.", status=400)
            with self._state:
                expiry = self._tokens.get(params.get("fb_exchange_token", ""))
            if expiry is None or expiry <= time.monotonic():
                raise MetaError(190, "Error validating access token: Session has expired.", subcode=463)
        except MetaError as exc:
            return self._error(exc)
        token = "EAAB" + secrets.token_urlsafe(120)
        with self._state:
            self._tokens[token] = time.monotonic() + TOKEN_TTL
        return Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_TTL})

    # ------------------------------------------------------------------------ the account
    @route("GET", r"/(?P<version>v\d+\.\d+)/act_(?P<account>\d+)")
    def ad_account(self, req: Request) -> Reply:
        def answer(params: dict[str, str], account: PlatformAccount) -> Reply:
            fields = self._fields(params, ACCOUNT_FIELDS, ("id",), "AdAccount")
            zone = ZoneInfo(account.time_zone)
            offset = datetime.now(zone).utcoffset() or timedelta()
            with self._data_lock:
                spent = sum((s.spend for s in self.data.stats if s.account_id == account.id), Decimal(0))
            values = {
                "id": f"act_{account.id}", "account_id": account.id, "name": account.name,
                "currency": account.currency_code, "timezone_name": account.time_zone,
                "timezone_offset_hours_utc": offset.total_seconds() / 3600, "account_status": 1,
                "amount_spent": str(int(spent * 100)), "business_country_code": "DE",
            }
            return Reply(200, {name: values[name] for name in fields} | {"id": values["id"]})

        return self._handle(req, answer)

    # -------------------------------------------------------------------------- campaigns
    @route("GET", r"/(?P<version>v\d+\.\d+)/act_(?P<account>\d+)/campaigns")
    def list_campaigns(self, req: Request) -> Reply:
        def answer(params: dict[str, str], account: PlatformAccount) -> Reply:
            fields = self._fields(params, CAMPAIGN_FIELDS, ("id",), "Campaign")
            statuses = self._statuses(params)
            campaigns = sorted((c for c in self.campaigns(account.id) if c.status in statuses),
                               key=lambda c: (c.created_at, c.id), reverse=True)
            rows = [self._campaign_row(c, account, fields) for c in campaigns]
            return self._page(req, params, rows)

        return self._handle(req, answer)

    def _statuses(self, params: dict[str, str]) -> set[str]:
        """``effective_status=[...]`` or a ``filtering`` on it; by default archived and deleted are hidden."""
        wanted: list[str] | None = None
        try:
            if params.get("effective_status"):
                wanted = json.loads(params["effective_status"])
            for condition in json.loads(params.get("filtering") or "[]"):
                if condition.get("field") == "effective_status" and condition.get("operator") == "IN":
                    wanted = list(condition.get("value") or [])
        except (ValueError, AttributeError) as exc:
            raise MetaError(100, "(#100) param effective_status must be an array of strings") from exc
        if wanted is None:
            return {"ACTIVE", "PAUSED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED"}
        unknown = [s for s in wanted if s not in CAMPAIGN_STATUSES]
        if unknown:
            raise MetaError(100, f"(#100) Param effective_status[0] must be one of {{{', '.join(CAMPAIGN_STATUSES)}}}")
        return set(wanted)

    def _campaign_row(self, campaign: PlatformCampaign, account: PlatformAccount, fields: list[str]) -> dict[str, Any]:
        zone = ZoneInfo(account.time_zone)

        def stamp(moment: datetime) -> str:
            return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z")

        start = datetime.combine(campaign.start_date, datetime.min.time(), zone)
        renamed = max((on for _, on in campaign.former_names), default=None)
        updated = datetime.combine(renamed, datetime.min.time(), zone) if renamed else campaign.created_at
        values = {
            "id": campaign.id, "account_id": account.id, "name": campaign.name, "status": campaign.status,
            "configured_status": campaign.status, "effective_status": campaign.status,
            "objective": campaign.objective, "buying_type": "AUCTION", "created_time": stamp(campaign.created_at),
            "updated_time": stamp(updated), "start_time": stamp(start),
            # budgets are in minor units (cents), unlike spend
            "daily_budget": str(5000 if campaign.produces_leads else 2500), "lifetime_budget": "0",
            "special_ad_categories": [],
        }
        if campaign.end_date:
            values["stop_time"] = stamp(datetime.combine(campaign.end_date, datetime.max.time().replace(microsecond=0),
                                                         zone))
        row = {name: values[name] for name in fields if name in values}
        return row | self.extras("campaigns", campaign)

    # --------------------------------------------------------------------------- insights
    @route("GET", r"/(?P<version>v\d+\.\d+)/act_(?P<account>\d+)/insights")
    def insights(self, req: Request) -> Reply:
        def answer(params: dict[str, str], account: PlatformAccount) -> Reply:
            rows = self._insight_rows(params, account)
            if len(rows) > SYNC_ROW_CAP:
                raise MetaError(1, status=500)
            return self._page(req, params, rows)

        return self._handle(req, answer)

    @route("POST", r"/(?P<version>v\d+\.\d+)/act_(?P<account>\d+)/insights")
    def start_report_run(self, req: Request) -> Reply:
        def answer(params: dict[str, str], account: PlatformAccount) -> Reply:
            self._insight_query(params, account)  # validate now, as Meta does
            run_id = str(6_000_000_000_000_000 + secrets.randbelow(10**15))
            with self._state:
                fate = self._fates.popleft() if self._fates else "complete"
                self._jobs[run_id] = _Job(run_id, account, {k: v for k, v in params.items() if k != "access_token"},
                                          time.time(), fate=fate)
            return Reply(200, {"report_run_id": run_id})

        return self._handle(req, answer)

    @route("GET", r"/(?P<version>v\d+\.\d+)/(?P<run>\d{10,})")
    def report_run(self, req: Request) -> Reply:
        def answer(params: dict[str, str], _: None) -> Reply:
            job = self._job(req)
            with job.lock:
                job.polls += 1
                status, percent = self._advance(job)
            return Reply(200, {
                "id": job.id, "account_id": job.account.id, "time_ref": int(job.created),
                "time_completed": int(job.completed_at or 0), "async_status": status,
                "async_percent_completion": percent, "date_start": job.params.get("_since", ""),
                "date_stop": job.params.get("_until", ""),
            })

        return self._handle(req, answer)

    @route("GET", r"/(?P<version>v\d+\.\d+)/(?P<run>\d{10,})/insights")
    def report_run_insights(self, req: Request) -> Reply:
        def answer(params: dict[str, str], _: None) -> Reply:
            job = self._job(req)
            if job.rows is None:
                raise MetaError(100, "(#100) The report run is not completed yet",
                                user_msg="Poll the report run until async_status is Job Completed")
            return self._page(req, params, job.rows)

        return self._handle(req, answer)

    def fail_next_jobs(self, count: int = 1, fate: str = "fail") -> None:
        """The next ``count`` report runs end ``Job Failed`` (or never finish: ``fate="stall"``)."""
        with self._state:
            self._fates.extend([fate] * count)

    def _job(self, req: Request) -> _Job:
        with self._state:
            job = self._jobs.get(req.params["run"])
        if job is None:
            raise MetaError(100, f"Unsupported get request. Object with ID '{req.params['run']}' does not exist, "
                                 "cannot be loaded due to missing permissions, or does not support this operation.",
                            subcode=33)
        return job

    def _advance(self, job: _Job) -> tuple[str, int]:
        """Not Started, Started, Running (up to 100%, where it can sit), then Completed or Failed."""
        if job.rows is not None:
            return "Job Completed", 100
        if job.fate == "stall":
            return "Job Running", 100
        if job.polls == 1:
            return "Job Not Started", 0
        if job.polls <= self.async_polls:
            return ("Job Started" if job.polls == 2 else "Job Running"), min(100, round(100 * job.polls / self.async_polls))
        if job.fate == "fail":
            return "Job Failed", 100
        job.rows = self._insight_rows(job.params, job.account)
        job.completed_at = time.time()
        return "Job Completed", 100

    def _insight_query(self, params: dict[str, str], account: PlatformAccount) -> tuple[Any, ...]:
        level = params.get("level", "account")
        if level not in ("account", "campaign"):
            raise MetaError(100, f"(#100) level {level} is not supported by this sandbox")
        increment = params.get("time_increment", "all_days")
        if increment not in ("1", "all_days"):
            raise MetaError(100, "(#100) time_increment must be 1 or all_days here")
        fields = self._fields(params, INSIGHT_FIELDS, ("date_start", "date_stop", "spend", "impressions"),
                              "AdsInsights", for_insights=True)
        today = self.company.now.astimezone(ZoneInfo(account.time_zone)).date()
        if "time_range" in params:
            try:
                window = json.loads(params["time_range"])
                since, until = date.fromisoformat(window["since"]), date.fromisoformat(window["until"])
            except (ValueError, KeyError, TypeError) as exc:
                raise MetaError(100, "(#100) Param time_range must be a JSON object with since and until dates") from exc
        elif params.get("date_preset", "last_30d") == "last_30d":
            since, until = today - timedelta(days=30), today - timedelta(days=1)
        else:
            raise MetaError(100, "(#100) date_preset must be last_30d here")
        if since > until:
            raise MetaError(100, "(#100) The since date of time_range must be on or before the until date")
        if since < today - timedelta(days=RETENTION_DAYS):
            raise MetaError(3018, "(#3018) The start date of the time range cannot be beyond 37 months from the "
                                  "current date")
        windows = json.loads(params.get("action_attribution_windows") or "[]")
        bad = [w for w in windows if w not in ATTRIBUTION_WINDOWS]
        if bad:
            raise MetaError(100, f"(#100) action_attribution_windows[0] must be one of {{{', '.join(ATTRIBUTION_WINDOWS)}}}",
                            user_msg=f"{bad[0]} is no longer available"
                            if bad[0] in DEPRECATED_WINDOWS else None)
        campaign_ids = None
        for condition in json.loads(params.get("filtering") or "[]"):
            if condition.get("field") == "campaign.id" and condition.get("operator") == "IN":
                campaign_ids = {str(v) for v in condition.get("value") or []}
        params["_since"], params["_until"] = since.isoformat(), until.isoformat()
        return level, increment, fields, since, until, windows, campaign_ids

    def _insight_rows(self, params: dict[str, str], account: PlatformAccount) -> list[dict[str, Any]]:
        level, increment, fields, since, until, windows, campaign_ids = self._insight_query(params, account)
        groups: dict[tuple[str, date], list[PlatformDailyStat]] = {}
        for stat in self.stats(account.id, since, until, campaign_ids):
            key = (stat.campaign_id if level == "campaign" else "", stat.date if increment == "1" else since)
            groups.setdefault(key, []).append(stat)
        rows = []
        for (campaign_id, day), stats in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
            last = day if increment == "1" else until
            campaign = self.data.campaign(campaign_id) if campaign_id else None
            rows.append(self._insight_row(account, campaign, day, last, stats, fields, windows))
        return rows

    def _insight_row(self, account: PlatformAccount, campaign: PlatformCampaign | None, first: date, last: date,
                     stats: list[PlatformDailyStat], fields: list[str], windows: list[str]) -> dict[str, Any]:
        impressions = sum(s.impressions for s in stats)
        clicks = sum(s.clicks for s in stats)
        spend = sum((s.spend for s in stats), Decimal(0))
        conversions = sum(s.conversions for s in stats)
        value = sum((s.conversion_value for s in stats), Decimal(0))
        reach = max(1, round(impressions * 0.72))

        def action(kind: str, amount: float | Decimal, money: bool = False) -> dict[str, str]:
            text = f"{Decimal(amount):.2f}" if money else _number(float(amount))
            item = {"action_type": kind, "value": text}
            for window in windows:
                item[window] = text if "click" in window else ("0.00" if money else "0")
            return item

        actions = [action(k, n) for k, n in (("link_click", clicks), ("landing_page_view", int(clicks * 0.8)),
                                              ("lead", conversions), ("offsite_conversion.fb_pixel_lead", conversions))
                   if n]
        action_values = [action(k, value, True) for k in ("lead", "offsite_conversion.fb_pixel_lead")] if value else []
        values: dict[str, Any] = {
            "account_id": account.id, "account_name": account.name, "account_currency": account.currency_code,
            "campaign_id": campaign.id if campaign else None, "campaign_name": campaign.name if campaign else None,
            "objective": campaign.objective if campaign else None,
            "date_start": first.isoformat(), "date_stop": last.isoformat(),
            "impressions": str(impressions), "clicks": str(clicks), "spend": f"{spend:.2f}", "reach": str(reach),
            "frequency": f"{impressions / reach:.6f}", "ctr": f"{100 * clicks / impressions:.6f}" if impressions else "0",
            "cpc": f"{spend / clicks:.6f}" if clicks else None, "cpm": f"{1000 * spend / impressions:.6f}"
            if impressions else "0", "actions": actions or None, "action_values": action_values or None,
        }
        row = {name: values[name] for name in fields if values.get(name) is not None}
        return row | {name: str(v) for name, v in self.extras("stats", stats[0]).items()}

    # ------------------------------------------------------------------------------ paging
    def _fields(self, params: dict[str, str], known: tuple[str, ...], default: tuple[str, ...], node: str,
                for_insights: bool = False) -> list[str]:
        fields = [f.strip() for f in params.get("fields", "").split(",") if f.strip()] or list(default)
        for name in fields:
            if name not in known:
                if for_insights:
                    raise MetaError(100, f"(#100) {name} is not valid for fields param. please check "
                                         "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ "
                                         "for all valid values")
                raise MetaError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})")
        return fields

    def _page(self, req: Request, params: dict[str, str], rows: list[dict[str, Any]]) -> Reply:
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
        except ValueError as exc:
            raise MetaError(100, "(#100) Param limit must be a number") from exc
        if not 1 <= limit <= MAX_LIMIT:
            raise MetaError(100, f"(#100) Param limit must be between 1 and {MAX_LIMIT}")
        start = _uncursor(params["after"]) + 1 if params.get("after") else 0
        page = rows[start:start + limit]
        body: dict[str, Any] = {"data": page}
        if page:
            body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(page) - 1)}}
            if start + limit < len(rows):
                query = {k: v for k, v in params.items() if k != "after" and not k.startswith("_")}
                if "access_token" not in req.query:
                    query.pop("access_token", None)
                query["after"] = body["paging"]["cursors"]["after"]
                body["paging"]["next"] = f"{self.base_url}{req.path}?{urlencode(query)}"
        return Reply(200, body)
