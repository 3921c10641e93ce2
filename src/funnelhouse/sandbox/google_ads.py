"""Google Ads API (REST) imitation serving the synthetic company's ad accounts.

It answers the GAQL the connector sends over ``googleAds:searchStream`` (and the paged
``googleAds:search``) with the real JSON shape: batches of at most 10,000 rows,
lowerCamelCase keys, int64 values as strings, doubles as numbers, ``resourceName`` on
each resource. Errors use the google.rpc envelope with GoogleAdsFailure details
(array-wrapped on searchStream). Dates are days of each account's own time zone.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .company import AdsCampaign, AdsCustomer, AdsDailyStat, Company
from .http import Reply, Request, SandboxServer, route

SUPPORTED_VERSIONS = ("v19", "v20", "v21", "v22")
BATCH_ROWS = 10_000
TOKEN_TTL = 3599
METRICS = ("impressions", "clicks", "cost_micros", "conversions", "conversions_value")
# HTTP status -> (rpc status, top-level message, default Ads error kind, default Ads error code)
PRESETS = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument.", "requestError", "INVALID_INPUT"),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
          "or other valid authentication credential.", "authenticationError", "OAUTH_TOKEN_EXPIRED"),
    403: ("PERMISSION_DENIED", "The caller does not have permission", "authorizationError", "USER_PERMISSION_DENIED"),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", "quotaError", "RESOURCE_EXHAUSTED"),
    500: ("INTERNAL", "Internal error encountered.", "internalError", "INTERNAL_ERROR"),
    503: ("UNAVAILABLE", "The service is currently unavailable.", "internalError", "TRANSIENT_ERROR"),
    504: ("DEADLINE_EXCEEDED", "Deadline exceeded.", "internalError", "DEADLINE_EXCEEDED"),
}
MISSING_CREDENTIAL = ("Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
                      "or other valid authentication credential. See "
                      "https://developers.google.com/identity/sign-in/web/devconsole-project.")


@dataclass
class _Row:
    """What one result row is about: a customer, maybe a campaign, a day, summed metrics."""

    customer: AdsCustomer
    campaign: AdsCampaign | None
    day: date | None
    metrics: dict[str, float]


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


# GAQL field -> (JSON type, getter). int64 goes out as a string, double as a number.
FIELDS: dict[str, tuple[str, Callable[[_Row], Any]]] = {
    "customer.resource_name": ("string", lambda r: f"customers/{r.customer.id}"),
    "customer.id": ("int64", lambda r: r.customer.id),
    "customer.descriptive_name": ("string", lambda r: r.customer.descriptive_name),
    "customer.currency_code": ("string", lambda r: r.customer.currency_code),
    "customer.time_zone": ("string", lambda r: r.customer.time_zone),
    "customer.manager": ("bool", lambda r: r.customer.manager),
    "customer.test_account": ("bool", lambda r: r.customer.test_account),
    "customer.status": ("enum", lambda r: "ENABLED"),
    "campaign.resource_name": ("string", lambda r: f"customers/{r.customer.id}/campaigns/{r.campaign.id}"),
    "campaign.id": ("int64", lambda r: r.campaign.id),
    "campaign.name": ("string", lambda r: r.campaign.name),
    "campaign.status": ("enum", lambda r: r.campaign.status),
    "campaign.advertising_channel_type": ("enum", lambda r: r.campaign.advertising_channel_type),
    "campaign.start_date": ("string", lambda r: r.campaign.start_date.isoformat()),
    "campaign.end_date": ("string", lambda r: (r.campaign.end_date or date(2037, 12, 30)).isoformat()),
    "segments.date": ("date", lambda r: r.day.isoformat()),
    "metrics.impressions": ("int64", lambda r: int(r.metrics["impressions"])),
    "metrics.clicks": ("int64", lambda r: int(r.metrics["clicks"])),
    "metrics.cost_micros": ("int64", lambda r: int(r.metrics["cost_micros"])),
    "metrics.conversions": ("double", lambda r: round(r.metrics["conversions"], 6)),
    "metrics.conversions_value": ("double", lambda r: round(r.metrics["conversions_value"], 6)),
    "metrics.all_conversions": ("double", lambda r: round(r.metrics["conversions"], 6)),
    "metrics.ctr": ("double", lambda r: _ratio(r.metrics["clicks"], r.metrics["impressions"])),
    "metrics.average_cpc": ("double", lambda r: _ratio(r.metrics["cost_micros"], r.metrics["clicks"])),
}
RESOURCES = {"customer": ("customer", "segments", "metrics"), "campaign": ("customer", "campaign", "segments", "metrics")}
DURING = {"TODAY": (0, 0), "YESTERDAY": (1, 1), "LAST_7_DAYS": (7, 1), "LAST_14_DAYS": (14, 1), "LAST_30_DAYS": (30, 1),
          "LAST_90_DAYS": (90, 1)}
_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|!=|>=|<=|[=<>(),]|[A-Za-z_][\w.]*|-?\d+(?:\.\d+)?|\S")
_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<resource>\S+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?(?:\s+LIMIT\s+(?P<limit>\S+))?(?:\s+PARAMETERS\s+.+?)?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _camel(path: str) -> str:
    head, _, tail = path.partition(".")
    first, *rest = tail.split("_")
    return f"{head}.{first}{''.join(w.capitalize() for w in rest)}"


class QueryError(Exception):
    """A GAQL problem, reported as ``queryError: <code>``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class _Query:
    fields: list[str]
    resource: str
    conditions: list[tuple[str, str, list[str]]]
    date_from: date | None
    date_to: date | None
    order: list[tuple[str, bool]]
    limit: int | None


def _literal(token: str) -> str:
    return token[1:-1] if token[:1] in "'\"" else token


def parse_gaql(text: str, today: date) -> _Query:
    """Parse the GAQL subset: SELECT fields FROM resource [WHERE a AND b] [ORDER BY] [LIMIT]."""
    if not re.match(r"\s*SELECT\b", text, re.IGNORECASE):
        raise QueryError("EXPECTED_SELECT", "Error in query: expected SELECT.")
    match = _QUERY.match(text)
    if not match:
        raise QueryError("EXPECTED_FROM" if not re.search(r"\bFROM\b", text, re.I) else "QUERY_ERROR", "Error in query.")
    resource = match["resource"]
    if resource not in RESOURCES:
        raise QueryError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"Error in FROM clause: invalid resource name '{resource}'.")
    fields = [f.strip() for f in match["select"].split(",")]
    for name in fields:
        if name not in FIELDS:
            raise QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
        if name.split(".")[0] not in RESOURCES[resource]:
            raise QueryError("PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                             f"Cannot select '{name}' when the FROM resource is '{resource}'.")
    conditions: list[tuple[str, str, list[str]]] = []
    tokens = _TOKEN.findall(match["where"] or "")
    i = 0
    while i < len(tokens):
        name = tokens[i]
        if name not in FIELDS:
            raise QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
        op = tokens[i + 1].upper() if i + 1 < len(tokens) else ""
        if op == "NOT" and i + 2 < len(tokens):
            op, i = f"NOT {tokens[i + 2].upper()}", i + 1
        if op == "BETWEEN":
            if i + 4 >= len(tokens) or tokens[i + 3].upper() != "AND":
                raise QueryError("EXPECTED_VALUE_WITH_BETWEEN_OPERATOR", "BETWEEN needs two values joined by AND.")
            values, i = [_literal(tokens[i + 2]), _literal(tokens[i + 4])], i + 5
        elif op in ("IN", "NOT IN"):
            end = tokens.index(")", i) if ")" in tokens[i:] else len(tokens)
            values, i = [_literal(t) for t in tokens[i + 3:end] if t != ","], end + 1
        elif op in ("=", "!=", ">", "<", ">=", "<=", "DURING", "LIKE", "NOT LIKE") and i + 2 < len(tokens):
            values, i = [_literal(tokens[i + 2])], i + 3
        else:
            raise QueryError("BAD_OPERATOR", f"Invalid operator in WHERE clause near '{name}'.")
        conditions.append((name, op, values))
        if i < len(tokens):
            if tokens[i].upper() != "AND":
                raise QueryError("UNEXPECTED_INPUT", f"Error in query: unexpected input {tokens[i]}.")
            i += 1
    date_from = date_to = None
    for name, op, values in conditions:
        if name != "segments.date":
            continue
        if op == "DURING":
            if values[0].upper() not in DURING:
                raise QueryError("INVALID_VALUE_WITH_DURING_OPERATOR", f"Invalid DURING value: {values[0]}.")
            back, end = DURING[values[0].upper()]
            bounds = [today - timedelta(days=back), today - timedelta(days=end)]
        else:
            try:
                bounds = [date.fromisoformat(v) for v in values]
            except ValueError as exc:
                raise QueryError("INVALID_DATE_FORMAT", f"Invalid date in the query: {values}.") from exc
        first, last, day = bounds[0], bounds[-1], timedelta(days=1)
        low = {"BETWEEN": first, "DURING": first, "=": first, ">=": first, ">": first + day}.get(op)
        high = {"BETWEEN": last, "DURING": last, "=": first, "<=": first, "<": first - day}.get(op)
        date_from = max(filter(None, (date_from, low)), default=None)
        date_to = min(filter(None, (date_to, high)), default=None)
    uses_date = "segments.date" in fields or any(name == "segments.date" for name, _, _ in conditions)
    if uses_date and (date_from is None or date_to is None):
        raise QueryError("EXPECTED_FILTERS_ON_DATE_RANGE",
                         "A finite date range is expected in the WHERE clause when segments.date is selected or filtered.")
    if date_from and date_to and date_from > date_to:
        raise QueryError("DATE_RANGE_TOO_NARROW", "The start date of the date range is after its end date.")
    order = []
    for part in (match["order"] or "").split(","):
        words = part.split()
        if words:
            if words[0] not in FIELDS:
                raise QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{words[0]}'.")
            order.append((words[0], len(words) > 1 and words[1].upper() == "DESC"))
    limit = None
    if match["limit"]:
        if not match["limit"].isdigit() or int(match["limit"]) < 1:
            raise QueryError("BAD_LIMIT_VALUE", f"Invalid LIMIT value: {match['limit']}.")
        limit = int(match["limit"])
    return _Query(fields, resource, conditions, date_from, date_to, order, limit)


def _condition_holds(row: _Row, name: str, op: str, values: list[str]) -> bool:
    if name == "segments.date":
        return True  # applied as the date range
    have = FIELDS[name][1](row)
    kind = FIELDS[name][0]
    cast: Callable[[str], Any] = str
    if kind in ("int64", "double"):
        cast, have = float, float(have)
    elif kind == "bool":
        cast = lambda v: v.lower() == "true"  # noqa: E731
    wanted = [cast(v) for v in values]
    if op in ("IN", "NOT IN"):
        return (have in wanted) == (op == "IN")
    if op in ("LIKE", "NOT LIKE"):
        pattern = "^" + re.escape(values[0]).replace("%", ".*").replace("_", ".") + "$"
        return bool(re.match(pattern, str(have))) == (op == "LIKE")
    want = wanted[0]
    return {"=": have == want, "!=": have != want, ">": have > want, "<": have < want,
            ">=": have >= want, "<=": have <= want}[op]


class GoogleAdsServer(SandboxServer):
    """Google Ads REST endpoints plus an OAuth token endpoint at ``/token``."""

    name = "google_ads"

    def __init__(self, company: Company, *, client_id: str, client_secret: str, refresh_token: str,
                 developer_token: str, host: str = "127.0.0.1", port: int = 0,
                 empty_stream_as_array: bool = False, omit_zero_metrics: bool = False) -> None:
        super().__init__(host, port)
        self.company = company
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token, self.developer_token = refresh_token, developer_token
        self.empty_stream_as_array = empty_stream_as_array  # "[]" instead of one batch without results
        self.omit_zero_metrics = omit_zero_metrics  # proto3 JSON may drop zero values
        self._tokens: dict[str, float] = {}
        self._lock_tokens = threading.Lock()
        self._stats: dict[str, list[AdsDailyStat]] = {}
        for stat in company.google_ads.stats:
            self._stats.setdefault(stat.customer_id, []).append(stat)

    # ------------------------------------------------------------------------------ errors
    @staticmethod
    def _envelope(status: int, rpc: str, message: str, version: str, kind: str | None = None, code: str | None = None,
                  detail: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """google.rpc.Status, with GoogleAdsFailure details when an Ads error code is given."""
        error: dict[str, Any] = {"code": status, "message": message, "status": rpc}
        if kind and code:
            item: dict[str, Any] = {"errorCode": {kind: code}, "message": detail or message}
            if extra:
                item["details"] = extra
            error["details"] = [{"@type": f"type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure",
                                 "errors": [item], "requestId": secrets.token_urlsafe(16)}]
        return {"error": error}

    def _fail(self, req: Request, status: int, kind: str, code: str, detail: str,
              extra: dict[str, Any] | None = None) -> Reply:
        """An Ads error as Google sends it; searchStream wraps it in an array like its batches."""
        rpc, message = PRESETS[status][:2]
        version = req.params.get("version") or "v21"
        body = self._envelope(status, rpc, message, version, kind, code, detail, extra)
        return Reply(status, [body] if req.path.endswith(":searchStream") else body)

    def error_body(self, status: int, req: Request, message: str | None = None) -> Any:
        if req.path == "/token":
            return {"error": "invalid_request", "error_description": message or f"HTTP {status}"}
        if status not in PRESETS:
            rpc = "NOT_FOUND" if status == 404 else "UNKNOWN"
            return self._envelope(status, rpc, message or "Requested entity was not found.", "v21")
        req.params.setdefault("version", req.path.split("/")[1] if req.path.count("/") > 1 else "v21")
        _, _, kind, code = PRESETS[status]
        extra = None
        if status == 429:
            extra = {"quotaErrorDetails": {"rateScope": "DEVELOPER", "rateName": "Number of operations for basic access",
                                           "retryDelay": "37s"}}
            message = message or "Too many requests. Retry in 37 seconds."
        return self._fail(req, status, kind, code, message or PRESETS[status][1], extra).body

    # ------------------------------------------------------------------------------- OAuth
    @route("POST", r"/token")
    def token(self, req: Request) -> Reply:
        form = req.form()
        if form.get("grant_type") != "refresh_token":
            grant = form.get("grant_type", "")
            return Reply(400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"})
        if form.get("client_id") != self.client_id:
            return Reply(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        if form.get("client_secret") != self.client_secret:
            return Reply(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        if not self.refresh_token or form.get("refresh_token") != self.refresh_token:
            return Reply(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        access = "ya29." + secrets.token_urlsafe(48)
        with self._lock_tokens:
            self._tokens[access] = time.monotonic() + TOKEN_TTL
        return Reply(200, {"access_token": access, "expires_in": TOKEN_TTL,
                           "scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer"})

    def expire_access_tokens(self) -> None:
        """Make every issued access token expired (the next call gets OAUTH_TOKEN_EXPIRED)."""
        with self._lock_tokens:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def revoke_refresh_token(self) -> None:
        """The refresh token stops working: ``/token`` answers ``invalid_grant``."""
        self.refresh_token = ""

    # ------------------------------------------------------------------------------- guard
    def _guard(self, req: Request, customer_id: str | None = None) -> Reply | None:
        """Version, OAuth token, developer token and customer access, in the order Google checks."""
        version = req.params.get("version", "")
        if version not in SUPPORTED_VERSIONS:
            message = f"Method not found: API version {version} is not supported."
            return Reply(404, self._envelope(404, "NOT_FOUND", message, version))
        token = req.bearer()
        if token is None:
            return Reply(401, self._envelope(401, "UNAUTHENTICATED", MISSING_CREDENTIAL, version))
        with self._lock_tokens:
            expiry = self._tokens.get(token)
        if expiry is None or expiry <= time.monotonic():
            code = "OAUTH_TOKEN_INVALID" if expiry is None else "OAUTH_TOKEN_EXPIRED"
            return self._fail(req, 401, "authenticationError", code, "Authentication of the request failed.")
        developer_token = req.headers.get("developer-token")
        if not developer_token:
            return self._fail(req, 400, "requestError", "DEVELOPER_TOKEN_PARAMETER_MISSING",
                              "The developer-token parameter is required for all requests.")
        if developer_token != self.developer_token:
            return self._fail(req, 401, "authenticationError", "DEVELOPER_TOKEN_INVALID", "The developer token is invalid.")
        if customer_id is not None and self.company.google_ads.customer(customer_id) is None:
            return self._fail(req, 403, "authorizationError", "USER_PERMISSION_DENIED",
                              "User doesn't have permission to access customer. Note: If you're accessing a client "
                              "customer, the manager's customer id must be set in the 'login-customer-id' header.")
        return None

    # ------------------------------------------------------------------------------ routes
    @route("GET", r"/(?P<version>v\d+)/customers:listAccessibleCustomers")
    def list_accessible_customers(self, req: Request) -> Reply:
        denied = self._guard(req)
        if denied:
            return denied
        return Reply(200, {"resourceNames": [f"customers/{c.id}" for c in self.company.google_ads.customers]})

    @route("POST", r"/(?P<version>v\d+)/customers/(?P<customer>[^/:]+)/googleAds:searchStream")
    def search_stream(self, req: Request) -> Reply:
        rows = self._run(req)
        if isinstance(rows, Reply):
            return rows
        fields, results, request_id = rows
        mask = ",".join(_camel(f) for f in fields)
        batches = [{"results": results[i:i + BATCH_ROWS], "fieldMask": mask, "requestId": request_id}
                   for i in range(0, len(results), BATCH_ROWS)]
        if not batches and not self.empty_stream_as_array:
            batches = [{"fieldMask": mask, "requestId": request_id}]
        return Reply(200, batches)

    @route("POST", r"/(?P<version>v\d+)/customers/(?P<customer>[^/:]+)/googleAds:search")
    def search(self, req: Request) -> Reply:
        """The paged variant: fixed 10,000-row pages linked by ``nextPageToken``."""
        body = req.json() or {}
        if "pageSize" in body:
            return self._fail(req, 400, "requestError", "PAGE_SIZE_NOT_SUPPORTED", "Setting the page size is not supported.")
        rows = self._run(req)
        if isinstance(rows, Reply):
            return rows
        fields, results, request_id = rows
        start = 0
        if body.get("pageToken"):
            try:
                start = int(base64.urlsafe_b64decode(body["pageToken"] + "==").decode())
            except (binascii.Error, ValueError):
                return self._fail(req, 400, "requestError", "INVALID_PAGE_TOKEN", "Page token is invalid.")
        page: dict[str, Any] = {"fieldMask": ",".join(_camel(f) for f in fields), "requestId": request_id}
        if results[start:start + BATCH_ROWS]:
            page["results"] = results[start:start + BATCH_ROWS]
        if start + BATCH_ROWS < len(results):
            page["nextPageToken"] = base64.urlsafe_b64encode(str(start + BATCH_ROWS).encode()).decode().rstrip("=")
        if body.get("returnTotalResultsCount"):
            page["totalResultsCount"] = str(len(results))
        return Reply(200, page)

    # ------------------------------------------------------------------------------- query
    def _run(self, req: Request) -> Reply | tuple[list[str], list[dict[str, Any]], str]:
        """Guard, parse and evaluate the GAQL of a search request."""
        denied = self._guard(req, req.params["customer"])
        if denied:
            return denied
        customer = self.company.google_ads.customer(req.params["customer"])
        assert customer is not None
        query_text = (req.json() or {}).get("query")
        today = self.company.now.astimezone(ZoneInfo(customer.time_zone)).date()
        try:
            if not isinstance(query_text, str) or not query_text.strip():
                raise QueryError("QUERY_ERROR", "Missing or invalid query")
            query = parse_gaql(query_text, today)
            rows = [r for r in self._rows(customer, query) if all(_condition_holds(r, *c) for c in query.conditions)]
        except QueryError as exc:
            return self._fail(req, 400, "queryError", exc.code, exc.message)
        except ValueError as exc:
            return self._fail(req, 400, "queryError", "BAD_VALUE", f"Invalid value in the WHERE clause: {exc}.")
        for name, descending in reversed(query.order):
            rows.sort(key=FIELDS[name][1], reverse=descending)
        if query.limit is not None:
            rows = rows[:query.limit]
        return query.fields, [self._encode(r, query) for r in rows], secrets.token_urlsafe(16)

    def _rows(self, customer: AdsCustomer, query: _Query) -> list[_Row]:
        """Rows of the FROM resource; metrics or segments.date turn them into summed stats."""
        campaigns = {c.id: c for c in self.company.google_ads.campaigns if c.customer_id == customer.id}
        wants_stats = any(f.startswith(("metrics.", "segments.")) for f in query.fields)
        if not wants_stats:
            if query.resource == "customer":
                return [_Row(customer, None, None, {})]
            return [_Row(customer, c, None, {}) for c in campaigns.values()]
        by_day = "segments.date" in query.fields
        groups: dict[tuple[str | None, date | None], dict[str, float]] = {}
        for stat in self._stats.get(customer.id, []):
            if (query.date_from and stat.date < query.date_from) or (query.date_to and stat.date > query.date_to):
                continue
            key = (stat.campaign_id if query.resource == "campaign" else None, stat.date if by_day else None)
            sums = groups.setdefault(key, dict.fromkeys(METRICS, 0.0))
            for metric in METRICS:
                sums[metric] += getattr(stat, metric)
        return [_Row(customer, campaigns.get(cid) if cid else None, day, sums) for (cid, day), sums in groups.items()]

    def _encode(self, row: _Row, query: _Query) -> dict[str, Any]:
        out: dict[str, dict[str, Any]] = {}
        resources = [f.split(".")[0] for f in query.fields] + [query.resource]
        for resource in dict.fromkeys(resources):
            if resource in ("customer", "campaign"):
                out[resource] = {"resourceName": FIELDS[f"{resource}.resource_name"][1](row)}
        for name in query.fields:
            kind, getter = FIELDS[name]
            value = getter(row)
            if self.omit_zero_metrics and name.startswith("metrics.") and not value:
                continue
            resource, key = _camel(name).split(".", 1)
            out.setdefault(resource, {})[key] = str(value) if kind == "int64" else value
        return out

    # --------------------------------------------------------------------------- mutations
    def add_stat(self, stat: AdsDailyStat) -> None:
        """A new day's row (or a late one) appears."""
        self.company.google_ads.stats.append(stat)
        self._stats.setdefault(stat.customer_id, []).append(stat)

    def drop_stat(self, stat: AdsDailyStat) -> None:
        """The platform removes a row entirely (e.g. a day of invalid traffic refunded to zero)."""
        self.company.google_ads.stats.remove(stat)
        self._stats[stat.customer_id].remove(stat)

    def restate(self, day: date, campaign_id: str | None = None, *, extra_conversions: float = 1.0,
                clicks_delta: int = 0) -> list[AdsDailyStat]:
        """Late conversions (and invalid-click credits) change an old day's numbers, as Google does."""
        changed = []
        for stat in self.company.google_ads.stats:
            if stat.date != day or (campaign_id and stat.campaign_id != campaign_id):
                continue
            clicks = max(0, stat.clicks + clicks_delta)
            if stat.clicks:
                stat.cost_micros = round(stat.cost_micros * clicks / stat.clicks)
            stat.clicks = clicks
            stat.conversions = round(stat.conversions + extra_conversions, 2)
            stat.conversions_value = round(stat.conversions_value + extra_conversions * 120, 2)
            changed.append(stat)
        return changed
