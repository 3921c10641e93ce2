"""LinkedIn Marketing API imitation: ad accounts, campaigns and ``adAnalytics``.

It is strict where LinkedIn is: ``LinkedIn-Version: YYYYMM`` (about a year of versions
is active) and ``X-Restli-Protocol-Version: 2.0.0`` on every ``/rest`` call, Rest.li 2.0
query syntax read from the raw query string (structure characters raw, URN colons
encoded inside ``List(...)``; re-encoded parentheses or commas are a 400), at most 20
``fields``, campaign search paged by ``pageToken``/``metadata.nextPageToken``, no paging
at all for analytics (every element in one answer, empty ``elements`` for no data),
costs as decimal strings in the account currency, report days in UTC, a 429 with no
Retry-After and no rate headers, and OAuth refresh at ``/oauth/v2/accessToken``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from .ad_platform import AdPlatformServer
from .company import Company, PlatformAccount, PlatformCampaign, PlatformDailyStat
from .http import Reply, Request, route

UTC = timezone.utc
TOKEN_TTL = 5_183_999  # access tokens last 60 days
REFRESH_TTL = 31_536_000
MAX_FIELDS = 20
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_ELEMENTS = 15_000
MAX_URL = 8_192
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "COMPLETED", "CANCELED", "DRAFT", "PENDING_DELETION", "REMOVED")
DEFAULT_STATUSES = ("ACTIVE", "PAUSED", "COMPLETED", "CANCELED", "DRAFT")  # search hides archived ones unless asked
METRICS = ("impressions", "clicks", "costInLocalCurrency", "costInUsd", "landingPageClicks", "externalWebsiteConversions",
           "oneClickLeads", "conversionValueInLocalCurrency", "likes", "shares", "follows", "videoViews", "totalEngagements")
ERRORS = {
    400: (None, "ILLEGAL_ARGUMENT", "Invalid argument"),
    401: (65601, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired"),
    403: (100, "ACCESS_DENIED", "Not enough permissions to access: partnerApiAdAnalytics.FINDER-analytics"),
    404: (None, "NOT_FOUND", "Not Found"),
    405: (None, "METHOD_NOT_ALLOWED", "Method not allowed"),
    414: (None, "REQUEST_URI_TOO_LONG", "Request URI too long: use query tunneling"),
    426: (None, "NONEXISTENT_VERSION", "Requested version is not active"),
    429: (101, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."),
    500: (None, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
    503: (None, "SERVICE_UNAVAILABLE", "Service Unavailable"),
    504: (None, "GATEWAY_TIMEOUT", "Gateway Timeout"),
}


class LinkedInError(Exception):
    def __init__(self, status: int, message: str | None = None, code: str | None = None,
                 service_code: int | None = None) -> None:
        default_service, default_code, default_message = ERRORS.get(status, (None, "ERROR", f"HTTP {status}"))
        super().__init__(message or default_message)
        self.status, self.code = status, code or default_code
        self.service_code = service_code if service_code is not None else default_service


# ----------------------------------------------------------------------------- Rest.li 2.0
class RestliSyntaxError(ValueError):
    pass


def parse_restli(text: str) -> Any:
    """Parse one Rest.li 2.0 query value: ``(k:v,...)`` records, ``List(...)``, encoded atoms.

    Structure characters must be raw; an atom is percent-decoded after parsing, so a URN
    must arrive as ``urn%3Ali%3A...``: a raw colon inside a list is a syntax error.
    """
    pos = 0

    def atom() -> str:
        nonlocal pos
        begin = pos
        while pos < len(text) and text[pos] not in "(),:":
            pos += 1
        if begin == pos:
            raise RestliSyntaxError(f"expected a value at offset {begin}")
        return unquote(text[begin:pos])

    def value() -> Any:
        nonlocal pos
        if text.startswith("List(", pos):
            pos += 5
            items = []
            if pos < len(text) and text[pos] == ")":
                pos += 1
                return items
            while True:
                items.append(value())
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    continue
                if pos < len(text) and text[pos] == ")":
                    pos += 1
                    return items
                raise RestliSyntaxError(f"unterminated List at offset {pos}")
        if pos < len(text) and text[pos] == "(":
            pos += 1
            record: dict[str, Any] = {}
            while True:
                key = atom()
                if pos >= len(text) or text[pos] != ":":
                    raise RestliSyntaxError(f"expected ':' after {key!r}")
                pos += 1
                record[key] = value()
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    continue
                if pos < len(text) and text[pos] == ")":
                    pos += 1
                    return record
                raise RestliSyntaxError(f"unterminated record at offset {pos}")
        return atom()

    result = value()
    if pos != len(text):
        raise RestliSyntaxError(f"unexpected {text[pos]!r} at offset {pos}")
    return result


def raw_params(raw_query: str) -> dict[str, str]:
    """Query parameters with their values still encoded (Rest.li needs to see them so)."""
    params: dict[str, str] = {}
    for part in raw_query.split("&"):
        if part:
            key, _, value = part.partition("=")
            params.setdefault(unquote(key), value)
    return params


def _day(value: Any) -> date:
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkedInError(400, f"Invalid date in dateRange: {value}") from exc


def _date_dict(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class LinkedInServer(AdPlatformServer):
    """``/rest`` endpoints for the company's LinkedIn ad account, plus ``/oauth/v2/accessToken``."""

    name = "linkedin"
    platform = "linkedin_ads"

    def __init__(self, company: Company, *, access_token: str, client_id: str, client_secret: str,
                 refresh_token: str, host: str = "127.0.0.1", port: int = 0, daily_limit: int = 100_000) -> None:
        super().__init__(company, company.linkedin, host, port)
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.daily_limit = daily_limit  # calls per UTC day of the fake clock; LinkedIn publishes none
        self._tokens: dict[str, float] = {access_token: time.monotonic() + TOKEN_TTL}
        self._calls_by_day: dict[date, int] = {}
        self._state = threading.Lock()

    @property
    def active_versions(self) -> tuple[str, ...]:
        """The twelve monthly versions up to the fake clock's month (each lives about a year)."""
        year, month = self.company.today.year, self.company.today.month
        versions = []
        for _ in range(12):
            versions.append(f"{year}{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return tuple(reversed(versions))

    # ------------------------------------------------------------------------ errors, headers
    @staticmethod
    def _error(error: LinkedInError) -> Reply:
        body: dict[str, Any] = {"status": error.status}
        if error.service_code is not None:
            body["serviceErrorCode"] = error.service_code
        body.update(code=error.code, message=str(error))
        return Reply(error.status, body)

    def error_body(self, status: int, req: Request, message: str | None = None) -> Any:
        if req.path.startswith("/oauth/"):
            return {"error": "invalid_request", "error_description": message or f"HTTP {status}"}
        return self._error(LinkedInError(status, message)).body

    def finish(self, req: Request, reply: Reply) -> Reply:
        reply.headers.setdefault("x-li-uuid", base64.b64encode(uuid.uuid4().bytes).decode())
        reply.headers.setdefault("x-restli-protocol-version", "2.0.0")
        reply.headers.setdefault("x-li-responseorigin", "RGW")
        return reply

    # ------------------------------------------------------------------------------ OAuth
    @route("POST", r"/oauth/v2/accessToken")
    def access_token(self, req: Request) -> Reply:
        form = req.form()
        if form.get("grant_type") != "refresh_token":
            return Reply(400, {"error": "unsupported_grant_type", "error_description": "grant_type must be refresh_token"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if not self.refresh_token or form.get("refresh_token") != self.refresh_token:
            return Reply(400, {"error": "invalid_request",
                               "error_description": "The provided authorization grant or refresh token is invalid, "
                                                    "expired or revoked"})
        token = "AQV" + secrets.token_urlsafe(90)
        with self._state:
            self._tokens[token] = time.monotonic() + TOKEN_TTL
        # The refresh token does not rotate; its lifetime keeps counting down.
        return Reply(200, {"access_token": token, "expires_in": TOKEN_TTL, "refresh_token": self.refresh_token,
                           "refresh_token_expires_in": REFRESH_TTL, "scope": "r_ads,r_ads_reporting"})

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired (the next call is a 401)."""
        with self._state:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def revoke_refresh_token(self) -> None:
        self.refresh_token = ""

    # ------------------------------------------------------------------------------- guard
    def dispatch(self, req: Request) -> Reply:
        if req.path.startswith("/rest/"):
            try:
                self._guard(req)
            except LinkedInError as exc:
                return self.finish(req, self._error(exc))
        return super().dispatch(req)

    def _guard(self, req: Request) -> None:
        if len(req.path) + len(req.raw_query) + 1 > MAX_URL:
            raise LinkedInError(414)
        token = req.bearer()
        if token is None:
            raise LinkedInError(401, "Empty oauth2 access token", "INVALID_ACCESS_TOKEN", 65600)
        with self._state:
            expiry = self._tokens.get(token)
        if expiry is None:
            raise LinkedInError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if expiry <= time.monotonic():
            raise LinkedInError(401)
        version = req.headers.get("linkedin-version")
        if not version:
            raise LinkedInError(400, "A version must be present. Please specify a version by adding the "
                                     "LinkedIn-Version header.", "VERSION_MISSING")
        if version not in self.active_versions:
            raise LinkedInError(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
        if req.headers.get("x-restli-protocol-version") != "2.0.0":
            raise LinkedInError(400, "Rest.li protocol 2.0.0 is required: send X-Restli-Protocol-Version: 2.0.0")
        with self._state:
            today = self.company.now.astimezone(UTC).date()
            self._calls_by_day[today] = self._calls_by_day.get(today, 0) + 1
            if self._calls_by_day[today] > self.daily_limit:
                raise LinkedInError(429)

    def _restli(self, req: Request, name: str, required: bool = True) -> Any:
        raw = raw_params(req.raw_query).get(name)
        if raw is None:
            if required:
                raise LinkedInError(400, f"Missing required query parameter: {name}")
            return None
        if any(code in raw.upper() for code in ("%28", "%29", "%2C")):
            raise LinkedInError(400, f"Invalid query parameter {name}: Rest.li 2.0 structure characters "
                                     "('(', ')', ',') must not be URL-encoded")
        try:
            return parse_restli(raw)
        except RestliSyntaxError as exc:
            raise LinkedInError(400, f"Invalid query parameter {name}: {exc}") from exc

    def _account(self, account_id: str) -> PlatformAccount:
        account = self.data.account(account_id)
        if account is None:
            raise LinkedInError(403, f"Not enough permissions to access: adAccounts.GET.{account_id}",
                                "ACCESS_DENIED", 100)
        return account

    def _handle(self, handler: Any, *args: Any) -> Reply:
        try:
            return handler(*args)
        except LinkedInError as exc:
            return self._error(exc)

    # ---------------------------------------------------------------------------- accounts
    def _account_element(self, account: PlatformAccount) -> dict[str, Any]:
        created = datetime.combine(self.company.today - timedelta(days=900), datetime.min.time(), UTC)
        return {
            "id": int(account.id), "name": account.name, "currency": account.currency_code, "status": "ACTIVE",
            "type": "BUSINESS", "reference": "urn:li:organization:10123456", "test": False,
            "notifiedOnCampaignOptimization": False, "notifiedOnCreativeApproval": False,
            "servingStatuses": ["RUNNABLE"], "version": {"versionTag": "2"},
            "changeAuditStamps": {"created": {"time": _epoch_ms(created)}, "lastModified": {"time": _epoch_ms(created)}},
        }

    @route("GET", r"/rest/adAccounts/(?P<account>\d+)")
    def ad_account(self, req: Request) -> Reply:
        return self._handle(lambda: Reply(200, self._account_element(self._account(req.params["account"]))))

    @route("GET", r"/rest/adAccounts")
    def search_accounts(self, req: Request) -> Reply:
        def answer() -> Reply:
            if req.arg("q") != "search":
                raise LinkedInError(400, "Missing or unsupported finder: q must be search")
            rows = [self._account_element(a) for a in self.data.accounts]
            return self._page(req, rows)

        return self._handle(answer)

    # --------------------------------------------------------------------------- campaigns
    def _campaign_element(self, campaign: PlatformCampaign, account: PlatformAccount) -> dict[str, Any]:
        start = datetime.combine(campaign.start_date, datetime.min.time(), UTC)
        schedule = {"start": _epoch_ms(start)}
        if campaign.end_date:
            schedule["end"] = _epoch_ms(datetime.combine(campaign.end_date + timedelta(days=1), datetime.min.time(), UTC))
        renamed = max((on for _, on in campaign.former_names), default=None)
        modified = datetime.combine(renamed, datetime.min.time(), UTC) if renamed else campaign.created_at
        money = {"currencyCode": account.currency_code}
        element = {
            "id": int(campaign.id), "account": f"urn:li:sponsoredAccount:{account.id}",
            "campaignGroup": f"urn:li:sponsoredCampaignGroup:6{campaign.id[-8:]}", "name": campaign.name,
            "status": campaign.status, "type": "SPONSORED_UPDATES",
            "costType": "CPM" if campaign.objective == "BRAND_AWARENESS" else "CPC",
            "objectiveType": campaign.objective, "format": "STANDARD_UPDATE",
            "dailyBudget": {"amount": "150.00" if campaign.produces_leads else "80.00", **money},
            "unitCost": {"amount": "7.50", **money}, "runSchedule": schedule,
            "locale": {"country": campaign.market, "language": "en"}, "test": False,
            "offsiteDeliveryEnabled": False, "audienceExpansionEnabled": False,
            "servingStatuses": ["RUNNABLE"] if campaign.status == "ACTIVE" else ["STOPPED"],
            "changeAuditStamps": {"created": {"time": _epoch_ms(campaign.created_at)},
                                  "lastModified": {"time": _epoch_ms(modified)}},
            "version": {"versionTag": str(2 + len(campaign.former_names))},
        }
        return element | self.extras("campaigns", campaign)

    @route("GET", r"/rest/adAccounts/(?P<account>\d+)/adCampaigns")
    def search_campaigns(self, req: Request) -> Reply:
        def answer() -> Reply:
            account = self._account(req.params["account"])
            if req.arg("q") != "search":
                raise LinkedInError(400, "Missing or unsupported finder: q must be search")
            search = self._restli(req, "search", required=False) or {}
            statuses = set(DEFAULT_STATUSES)
            if isinstance(search, dict) and "status" in search:
                wanted = (search["status"] or {}).get("values") if isinstance(search["status"], dict) else None
                if not isinstance(wanted, list) or any(s not in CAMPAIGN_STATUSES for s in wanted):
                    raise LinkedInError(400, f"Invalid search criteria status: {search['status']}")
                statuses = set(wanted)
            campaigns = sorted((c for c in self.campaigns(account.id) if c.status in statuses), key=lambda c: int(c.id))
            return self._page(req, [self._campaign_element(c, account) for c in campaigns])

        return self._handle(answer)

    def _page(self, req: Request, rows: list[dict[str, Any]]) -> Reply:
        try:
            size = int(req.arg("pageSize") or DEFAULT_PAGE_SIZE)
        except ValueError as exc:
            raise LinkedInError(400, "pageSize must be an integer") from exc
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise LinkedInError(400, f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
        start = 0
        if req.arg("pageToken"):
            try:
                start = int(base64.urlsafe_b64decode(req.arg("pageToken", "") + "==").decode().split(":")[1])
            except (binascii.Error, ValueError, IndexError) as exc:
                raise LinkedInError(400, "Invalid pageToken") from exc
        body: dict[str, Any] = {"elements": rows[start:start + size], "metadata": {}}
        if start + size < len(rows):
            body["metadata"]["nextPageToken"] = base64.urlsafe_b64encode(
                f"{secrets.token_hex(4)}:{start + size}".encode()).decode().rstrip("=")
        return Reply(200, body)

    # --------------------------------------------------------------------------- analytics
    @route("GET", r"/rest/adAnalytics")
    def analytics(self, req: Request) -> Reply:
        return self._handle(self._analytics, req)

    def _analytics(self, req: Request) -> Reply:
        if req.arg("q") != "analytics":
            raise LinkedInError(400, "Unsupported finder: this sandbox answers q=analytics")
        pivot = req.arg("pivot")
        if pivot not in ("CAMPAIGN", "ACCOUNT"):
            raise LinkedInError(400, f"Invalid pivot: {pivot}")
        granularity = req.arg("timeGranularity")
        if granularity not in ("DAILY", "ALL"):
            raise LinkedInError(400, f"Invalid timeGranularity: {granularity}")
        window = self._restli(req, "dateRange")
        if not isinstance(window, dict) or "start" not in window:
            raise LinkedInError(400, "dateRange needs a start")
        since = _day(window["start"])
        until = _day(window["end"]) if "end" in window else self.company.now.astimezone(UTC).date()
        if since > until:
            raise LinkedInError(400, "dateRange start is after its end")
        fields = [f for f in (req.arg("fields") or "").split(",") if f]
        if not fields:
            fields = ["impressions", "clicks", "costInLocalCurrency", "dateRange", "pivotValues"]
        metrics = [f for f in fields if f not in ("dateRange", "pivotValues")]
        if len(metrics) > MAX_FIELDS:
            raise LinkedInError(400, f"Too many fields requested: {len(metrics)}; at most {MAX_FIELDS} metrics")
        unknown = [f for f in metrics if f not in METRICS]
        if unknown:
            raise LinkedInError(400, f"Invalid fields requested: {', '.join(unknown)}")
        campaign_ids = self._facet(req, "campaigns", "urn:li:sponsoredCampaign:")
        account_ids = self._facet(req, "accounts", "urn:li:sponsoredAccount:")
        if campaign_ids is None and account_ids is None:
            raise LinkedInError(400, "At least one facet (accounts, campaigns, ...) is required")
        groups: dict[tuple[str, date], list[PlatformDailyStat]] = {}
        for account in self.data.accounts:
            if account_ids is not None and account.id not in account_ids:
                continue
            for stat in self.stats(account.id, since, until, campaign_ids):
                key = (stat.campaign_id if pivot == "CAMPAIGN" else stat.account_id,
                       stat.date if granularity == "DAILY" else since)
                groups.setdefault(key, []).append(stat)
        elements = []
        for (pivot_id, day), stats in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
            urn = f"urn:li:sponsoredCampaign:{pivot_id}" if pivot == "CAMPAIGN" else f"urn:li:sponsoredAccount:{pivot_id}"
            element = self._metrics(stats, metrics)
            if "dateRange" in fields:
                element["dateRange"] = {"start": _date_dict(day),
                                        "end": _date_dict(day if granularity == "DAILY" else until)}
            if "pivotValues" in fields:
                element["pivotValues"] = [urn]
            elements.append(element | self.extras("stats", stats[0]))
        return Reply(200, {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements[:MAX_ELEMENTS]})

    def _facet(self, req: Request, name: str, prefix: str) -> set[str] | None:
        values = self._restli(req, name, required=False)
        if values is None:
            return None
        if not isinstance(values, list) or not values:
            raise LinkedInError(400, f"Invalid facet {name}: expected List(...)")
        ids = set()
        for urn in values:
            if not isinstance(urn, str) or not urn.startswith(prefix) or not urn[len(prefix):].isdigit():
                raise LinkedInError(400, f"Invalid URN in {name}: {urn}")
            ids.add(urn[len(prefix):])
        return ids

    def _metrics(self, stats: list[PlatformDailyStat], metrics: list[str]) -> dict[str, Any]:
        campaign = self.data.campaign(stats[0].campaign_id)
        lead_form = campaign is not None and campaign.objective == "LEAD_GENERATION"
        cost = sum((s.spend for s in stats), Decimal(0))
        conversions = round(sum(s.conversions for s in stats))
        values = {
            "impressions": sum(s.impressions for s in stats), "clicks": sum(s.clicks for s in stats),
            "costInLocalCurrency": str(cost), "costInUsd": str(cost),
            "landingPageClicks": round(sum(s.clicks for s in stats) * 0.9),
            "externalWebsiteConversions": 0 if lead_form else conversions,
            "oneClickLeads": conversions if lead_form else 0,
            "conversionValueInLocalCurrency": str(sum((s.conversion_value for s in stats), Decimal(0))),
            "likes": sum(s.impressions for s in stats) // 400, "shares": sum(s.impressions for s in stats) // 2000,
            "follows": sum(s.clicks for s in stats) // 40, "videoViews": 0,
            "totalEngagements": sum(s.clicks for s in stats) + sum(s.impressions for s in stats) // 300,
        }
        return {name: values[name] for name in metrics}
