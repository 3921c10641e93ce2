"""HubSpot CRM v3 imitation serving the synthetic company.

It keeps the behaviours connectors trip over: only default properties unless asked,
string property values, an opaque list cursor with an absolute ``paging.next.link``,
``paging`` absent on the last page, a search endpoint with its own limits (200 per
page, one sort, 5x10/25 filters, HTTP 400 at offset 10,000, archived excluded), v4
associations with integer ``toObjectId`` and 207 partial results, rate-limit headers
on every response, and HubSpot's error bodies.
"""

from __future__ import annotations

import base64
import binascii
import functools
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from .company import CREATED_PROPERTY, ENGAGEMENT_TYPES, MODIFIED_PROPERTY, Company, Record, iso
from .http import Reply, Request, SandboxServer, route

UTC = timezone.utc
SEARCH_CAP = 10_000
OBJECT_ALIASES = {
    "contacts": "contacts", "contact": "contacts", "0-1": "contacts",
    "companies": "companies", "company": "companies", "0-2": "companies",
    "deals": "deals", "deal": "deals", "0-3": "deals",
    "calls": "calls", "call": "calls", "0-48": "calls",
    "emails": "emails", "email": "emails", "0-49": "emails",
    "meetings": "meetings", "meeting": "meetings", "meeting_event": "meetings", "0-47": "meetings",
    "tasks": "tasks", "task": "tasks", "0-27": "tasks",
}
SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "calls": "call", "emails": "email",
            "meetings": "meeting", "tasks": "task"}
DEFAULT_PROPERTIES = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": ("amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id",
              "pipeline"),
    **{t: ("hs_createdate", "hs_lastmodifieddate", "hs_object_id") for t in ENGAGEMENT_TYPES},
}
# (from, to) -> [(typeId, v3 type name, v4 label)]; HubSpot reports a primary and an unlabeled link.
ASSOCIATION_TYPES = {
    ("contacts", "companies"): [(1, "contact_to_company", "Primary"), (279, "contact_to_company_unlabeled", None)],
    ("companies", "contacts"): [(2, "company_to_contact", "Primary"), (280, "company_to_contact_unlabeled", None)],
    ("deals", "contacts"): [(3, "deal_to_contact", None)],
    ("contacts", "deals"): [(4, "contact_to_deal", None)],
    ("deals", "companies"): [(5, "deal_to_company", "Primary"), (341, "deal_to_company_unlabeled", None)],
    ("companies", "deals"): [(6, "company_to_deal", "Primary"), (342, "company_to_deal_unlabeled", None)],
    ("calls", "contacts"): [(194, "call_to_contact", None)], ("contacts", "calls"): [(193, "contact_to_call", None)],
    ("emails", "contacts"): [(198, "email_to_contact", None)], ("contacts", "emails"): [(197, "contact_to_email", None)],
    ("meetings", "contacts"): [(200, "meeting_event_to_contact", None)],
    ("contacts", "meetings"): [(199, "contact_to_meeting_event", None)],
    ("tasks", "contacts"): [(204, "task_to_contact", None)], ("contacts", "tasks"): [(203, "contact_to_task", None)],
}
STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2"), ("qualifiedtobuy", "Qualified To Buy", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "0.6"), ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
    ("contractsent", "Contract Sent", "0.9"), ("closedwon", "Closed Won", "1.0"), ("closedlost", "Closed Lost", "0.0"),
)
SOURCES = ("ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS", "OTHER_CAMPAIGNS",
           "DIRECT_TRAFFIC", "OFFLINE", "PAID_SOCIAL", "AI_REFERRALS")
LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer",
             "evangelist", "other")

_dt, _text, _num = ("datetime", "date"), ("string", "text"), ("number", "number")
_enum, _bool = ("enumeration", "select"), ("bool", "booleancheckbox")
_SOURCE_PROPS = {"hs_analytics_source": (*_enum, "analyticsinformation", SOURCES),
                 "hs_analytics_source_data_1": (*_text, "analyticsinformation"),
                 "hs_analytics_source_data_2": (*_text, "analyticsinformation")}
# name -> (type, fieldType, groupName[, options]); utm_* are the portal's custom properties.
PROPERTIES: dict[str, dict[str, tuple[Any, ...]]] = {
    "contacts": {
        "email": (*_text, "contactinformation"), "firstname": (*_text, "contactinformation"),
        "lastname": (*_text, "contactinformation"), "createdate": (*_dt, "contactinformation"),
        "lastmodifieddate": (*_dt, "contactinformation"),
        "lifecyclestage": ("enumeration", "radio", "contactinformation", LIFECYCLE),
        **{f"hs_lifecyclestage_{s}_date": (*_dt, "contactinformation") for s in LIFECYCLE[1:6]},
        **_SOURCE_PROPS,
        "utm_source": (*_text, "utm"), "utm_medium": (*_text, "utm"), "utm_campaign": (*_text, "utm"),
        "hubspot_owner_id": (*_enum, "contactinformation"), "associatedcompanyid": (*_num, "contactinformation"),
        "hs_merged_object_ids": ("enumeration", "checkbox", "contactinformation"),
        "hs_object_id": (*_num, "contactinformation"),
    },
    "companies": {
        "name": (*_text, "companyinformation"), "domain": (*_text, "companyinformation"),
        "country": (*_text, "companyinformation"), "industry": (*_enum, "companyinformation"),
        "numberofemployees": (*_num, "companyinformation"), "createdate": (*_dt, "companyinformation"),
        "hs_lastmodifieddate": (*_dt, "companyinformation"), "hs_object_id": (*_num, "companyinformation"),
    },
    "deals": {
        "dealname": (*_text, "dealinformation"), "amount": (*_num, "dealinformation"),
        "deal_currency_code": (*_enum, "dealinformation", ("USD", "EUR", "GBP")),
        "dealstage": ("enumeration", "radio", "dealinformation", tuple(s[0] for s in STAGES)),
        "pipeline": ("enumeration", "radio", "dealinformation", ("default",)),
        "createdate": (*_dt, "dealinformation"), "closedate": (*_dt, "dealinformation"),
        "hs_lastmodifieddate": (*_dt, "dealinformation"), "hubspot_owner_id": (*_enum, "dealinformation"),
        **_SOURCE_PROPS,
        "hs_is_closed": (*_bool, "dealinformation"), "hs_is_closed_won": (*_bool, "dealinformation"),
        "hs_object_id": (*_num, "dealinformation"),
    },
    "calls": {
        "hs_call_title": (*_text, "call"), "hs_call_direction": (*_enum, "call", ("INBOUND", "OUTBOUND")),
        "hs_call_status": (*_enum, "call", ("BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING",
                                            "FAILED", "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING")),
        "hs_call_duration": (*_num, "call"),
    },
    "emails": {
        "hs_email_subject": (*_text, "email"),
        "hs_email_direction": (*_enum, "email", ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")),
        "hs_email_status": (*_enum, "email", ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")),
    },
    "meetings": {
        "hs_meeting_title": (*_text, "meeting"), "hs_meeting_start_time": (*_dt, "meeting"),
        "hs_meeting_end_time": (*_dt, "meeting"),
        "hs_meeting_outcome": (*_enum, "meeting", ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")),
    },
    "tasks": {
        "hs_task_subject": (*_text, "task"), "hs_task_type": (*_enum, "task", ("CALL", "EMAIL", "TODO")),
        "hs_task_status": (*_enum, "task", ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")),
        "hs_task_priority": (*_enum, "task", ("LOW", "MEDIUM", "HIGH")), "hs_task_completion_date": (*_dt, "task"),
    },
}
# Every engagement has its time, owner and the record dates besides its own properties.
for _type in ENGAGEMENT_TYPES:
    PROPERTIES[_type] = {
        "hs_timestamp": (*_dt, "engagement"), "hubspot_owner_id": (*_enum, "engagement"), **PROPERTIES[_type],
        "hs_createdate": (*_dt, "engagement"), "hs_lastmodifieddate": (*_dt, "engagement"),
        "hs_object_id": (*_num, "engagement"),
    }
SEARCH_OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
                    "CONTAINS_TOKEN"}


def _encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(f"fh:{value}".encode()).decode().rstrip("=")


def _decode_cursor(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(token) from exc
    if not raw.startswith("fh:"):
        raise ValueError(token)
    return raw[3:]


@functools.lru_cache(maxsize=1 << 16)
def _epoch_ms(text: str) -> int:
    """Epoch millis from an epoch-ms string, an ISO datetime or a date (all accepted)."""
    if text.lstrip("-").isdigit():
        return int(text)
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    else:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


class HubSpotServer(SandboxServer):
    """The CRM of ``company`` behind ``/crm/v3``; ``access_token`` is the private-app token."""

    name = "hubspot"

    def __init__(self, company: Company, access_token: str, host: str = "127.0.0.1", port: int = 0,
                 *, enforce_rate_limits: bool = False) -> None:
        super().__init__(host, port)
        self.company, self.access_token = company, access_token
        self.enforce_rate_limits = enforce_rate_limits
        self.burst_max, self.secondly_max, self.daily_max, self.search_per_second = 190, 19, 500_000, 5
        self.clock = company.now  # mutations stamp records with this, then move it on
        self._calls: deque[float] = deque()
        self._search_calls: deque[float] = deque()
        self._daily = 0
        self._state_lock = threading.RLock()
        self._records = {t: {r.id: r for r in company.hubspot.objects(t)} for t in PROPERTIES}
        self._reindex()

    # ---------------------------------------------------------------- errors and headers
    def error_body(self, status: int, req: Request, message: str | None = None) -> dict[str, Any]:
        correlation = str(uuid.uuid4())
        if status == 429:
            return {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT", "correlationId": correlation, "policyName": "TEN_SECONDLY_ROLLING",
                    "groupName": "api-calls-burst", "requestId": correlation}
        category = {400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION", 403: "MISSING_SCOPES",
                    404: "OBJECT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INTERNAL_ERROR")
        default = {401: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                        "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                   404: f"Resource not found: {req.path}", 405: "Method not allowed"}
        return {"status": "error", "message": message or default.get(status, "internal error"),
                "correlationId": correlation, "category": category}

    def _error(self, status: int, req: Request, message: str, **extra: Any) -> Reply:
        return Reply(status, {**self.error_body(status, req, message), **extra})

    def finish(self, req: Request, reply: Reply) -> Reply:
        now = time.monotonic()
        with self._state_lock:
            in_window = sum(1 for t in self._calls if now - t < 10)
            in_second = sum(1 for t in self._calls if now - t < 1)
            daily = self._daily
        for name, value in (
            ("Interval-Milliseconds", 10000), ("Max", self.burst_max), ("Remaining", max(0, self.burst_max - in_window)),
            ("Secondly", self.secondly_max), ("Secondly-Remaining", max(0, self.secondly_max - in_second)),
            ("Daily", self.daily_max), ("Daily-Remaining", max(0, self.daily_max - daily)),
        ):
            reply.headers.setdefault(f"X-HubSpot-RateLimit-{name}", str(value))
        return reply

    def dispatch(self, req: Request) -> Reply:
        """Count the call, check the token and the limits, then route."""
        now = time.monotonic()
        is_search = req.method == "POST" and req.path.endswith("/search")
        with self._state_lock:
            for calls in (self._calls, self._search_calls):
                while calls and now - calls[0] >= 10:
                    calls.popleft()
            over_burst = sum(1 for t in self._calls if now - t < 10) >= self.burst_max
            over_search = is_search and sum(1 for t in self._search_calls if now - t < 1) >= self.search_per_second
            self._calls.append(now)
            self._daily += 1
            if is_search:
                self._search_calls.append(now)
        token = req.bearer()
        if token is None:
            return self.finish(req, Reply(401, self.error_body(401, req)))
        if token != self.access_token:
            return self.finish(req, self._error(401, req, "The OAuth token used to make this call is invalid or expired."))
        if self.enforce_rate_limits and (over_burst or over_search):
            body = self.error_body(429, req)
            if over_search and not over_burst:
                body.update(message="You have reached your secondly limit.", policyName="SECONDLY")
            return self.finish(req, Reply(429, body))
        with self._state_lock:
            return super().dispatch(req)

    # ------------------------------------------------------------------------- helpers
    def _type(self, raw: str) -> str | None:
        return OBJECT_ALIASES.get(raw.lower())

    def _reindex(self) -> None:
        """Both directions of every association, from the company's one-way store."""
        self._links: dict[tuple[str, str], dict[str, list[str]]] = {pair: {} for pair in ASSOCIATION_TYPES}
        for (src, dst), edges in self.company.hubspot.associations.items():
            for from_id, to_ids in edges.items():
                for to_id in to_ids:
                    self._links[(src, dst)].setdefault(from_id, []).append(to_id)
                    self._links[(dst, src)].setdefault(to_id, []).append(from_id)

    def _linked(self, src: str, dst: str, record_id: str) -> list[str]:
        """Associated ids, without archived or deleted targets, in id order."""
        targets = self._records[dst]
        ids = {i for i in self._links[(src, dst)].get(record_id, []) if i in targets and not targets[i].archived}
        return sorted(ids, key=int)

    def _requested(self, object_type: str, names: list[str] | None) -> list[str]:
        """Properties to return: defaults, or the asked ones that exist plus the always-sent three."""
        if not names:
            return list(DEFAULT_PROPERTIES[object_type])
        known = PROPERTIES[object_type]
        always = [CREATED_PROPERTY[object_type], "hs_object_id", MODIFIED_PROPERTY[object_type]]
        return list(dict.fromkeys([n for n in names if n in known] + always))

    def _shape(self, record: Record, properties: list[str], associations: Sequence[str] = ()) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": record.id,
            "properties": {name: record.properties.get(name) for name in properties},
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "archived": record.archived,
        }
        if record.archived:
            body["archivedAt"] = record.archived_at
        links = {}
        for other in associations:
            ids = self._linked(record.object_type, other, record.id)
            if ids:
                kinds = ASSOCIATION_TYPES[(record.object_type, other)]
                links[other] = {"results": [{"id": i, "type": name} for i in ids for _, name, _ in kinds]}
        if links:
            body["associations"] = links
        return body

    def _comparable(self, object_type: str, name: str, value: Any) -> Any:
        """A property or filter value in a form that compares the way HubSpot compares it."""
        if value is None or value == "":
            return None
        kind = PROPERTIES[object_type][name][0]
        text = str(value)
        if kind == "datetime":
            return _epoch_ms(text)
        if kind == "number":
            return float(text)
        return text.strip().lower()

    def _matches(self, record: Record, flt: dict[str, Any]) -> bool:
        name, op = flt["propertyName"], flt["operator"]
        have = self._comparable(record.object_type, name, record.properties.get(name))
        if op == "HAS_PROPERTY":
            return have is not None
        if op == "NOT_HAS_PROPERTY":
            return have is None
        if op in ("IN", "NOT_IN"):
            values = {self._comparable(record.object_type, name, v) for v in flt.get("values") or []}
            return (have in values) == (op == "IN") if have is not None else op == "NOT_IN"
        want = self._comparable(record.object_type, name, flt.get("value"))
        if op == "NEQ":
            return have != want
        if have is None or want is None:
            return False
        if op == "CONTAINS_TOKEN":
            return str(want).strip("*") in str(have)
        if op == "BETWEEN":
            high = self._comparable(record.object_type, name, flt.get("highValue"))
            return high is not None and want <= have <= high
        return {"EQ": have == want, "LT": have < want, "LTE": have <= want, "GT": have > want, "GTE": have >= want}[op]

    def _page_limit(self, req: Request, default: int, maximum: int) -> int | Reply:
        raw = req.arg("limit")
        try:
            limit = int(raw) if raw not in (None, "") else default
        except ValueError:
            return self._error(400, req, f"Invalid input JSON on line 1: limit '{raw}' is not a number")
        if limit < 1 or limit > maximum:
            detail = {"message": f"Value {limit} is out of range", "in": "limit", "code": "INVALID_LIMIT"}
            return self._error(400, req, f"limit must be between 1 and {maximum}, got {limit}", errors=[detail])
        return limit

    def _next_link(self, req: Request, after: str) -> str:
        query = {k: v for k, v in req.query.items() if k != "after"}
        query["after"] = [after]
        return f"{self.base_url}{req.path}?{urlencode(query, doseq=True)}"

    def _list_arg(self, req: Request, name: str) -> list[str]:
        return [item.strip() for value in req.query.get(name, []) for item in value.split(",") if item.strip()]

    # -------------------------------------------------------------------------- routes
    @route("GET", r"/crm/v3/objects/(?P<type>[^/]+)")
    def list_objects(self, req: Request) -> Reply:
        object_type = self._type(req.params["type"])
        if object_type is None:
            return self._error(400, req, f"Unable to infer object type from: {req.params['type']}")
        limit = self._page_limit(req, 10, 100)
        if isinstance(limit, Reply):
            return limit
        archived = (req.arg("archived") or "false").lower() == "true"
        records = sorted((r for r in self._records[object_type].values() if r.archived == archived), key=lambda r: int(r.id))
        if req.arg("after"):
            try:
                last = int(_decode_cursor(req.arg("after") or ""))
            except ValueError:
                return self._error(400, req, f"Invalid paging cursor: {req.arg('after')}")
            records = [r for r in records if int(r.id) > last]
        associations = [t for t in (self._type(a) for a in self._list_arg(req, "associations")) if t and t != object_type]
        properties = self._requested(object_type, self._list_arg(req, "properties"))
        page = records[:limit]
        body: dict[str, Any] = {"results": [self._shape(r, properties, associations) for r in page]}
        if len(records) > limit:
            after = _encode_cursor(page[-1].id)
            body["paging"] = {"next": {"after": after, "link": self._next_link(req, after)}}
        return Reply(200, body)

    @route("GET", r"/crm/v3/objects/(?P<type>[^/]+)/(?P<id>[^/]+)")
    def read_object(self, req: Request) -> Reply:
        object_type = self._type(req.params["type"])
        if object_type is None:
            return self._error(400, req, f"Unable to infer object type from: {req.params['type']}")
        record = self._records[object_type].get(req.params["id"])
        archived = (req.arg("archived") or "false").lower() == "true"
        if record is None or record.archived != archived:
            return self._error(404, req, "Object not found.  objectId are usually numeric.")
        associations = [t for t in (self._type(a) for a in self._list_arg(req, "associations")) if t and t != object_type]
        return Reply(200, self._shape(record, self._requested(object_type, self._list_arg(req, "properties")), associations))

    @route("POST", r"/crm/v3/objects/(?P<type>[^/]+)/batch/read")
    def batch_read(self, req: Request) -> Reply:
        object_type = self._type(req.params["type"])
        if object_type is None:
            return self._error(400, req, f"Unable to infer object type from: {req.params['type']}")
        body = req.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return self._error(400, req, "Batch input limit exceeded: at most 100 inputs are allowed")
        properties = self._requested(object_type, body.get("properties"))
        found = [self._records[object_type].get(str(item.get("id"))) for item in inputs]
        results = [self._shape(r, properties) for r in found if r is not None and not r.archived]
        stamp = iso(datetime.now(UTC))
        return Reply(200, {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp})

    @route("POST", r"/crm/v3/objects/(?P<type>[^/]+)/search")
    def search(self, req: Request) -> Reply:
        object_type = self._type(req.params["type"])
        if object_type is None:
            return self._error(400, req, f"Unable to infer object type from: {req.params['type']}")
        body = req.json() or {}
        try:
            limit, after = int(body.get("limit", 10)), int(str(body.get("after") or 0))
        except ValueError:
            return self._error(400, req, "limit and after must be integers")
        if not 1 <= limit <= 200:
            return self._error(400, req, f"limit must be between 1 and 200, got {limit}")
        if after >= SEARCH_CAP:
            return self._error(400, req, f"after must be less than {SEARCH_CAP}; the search endpoint returns at most "
                                         f"{SEARCH_CAP} results for a query", subCategory="SEARCH_RESULTS_LIMIT_EXCEEDED")
        groups = body.get("filterGroups") or []
        filters = [f for g in groups for f in g.get("filters") or []]
        if len(groups) > 5 or any(len(g.get("filters") or []) > 10 for g in groups) or len(filters) > 25:
            return self._error(400, req, "Too many filters: at most 5 filterGroups, 10 filters per group "
                                         "and 25 filters in total")
        sorts = body.get("sorts") or []
        if len(sorts) > 1:
            return self._error(400, req, "Only one sort is allowed")
        known = PROPERTIES[object_type]
        for flt in filters:
            if flt.get("operator") not in SEARCH_OPERATORS:
                return self._error(400, req, f"Unknown filter operator: {flt.get('operator')}")
            if flt.get("propertyName") not in known:
                return self._error(400, req, f"Property {flt.get('propertyName')!r} does not exist on {object_type}")
        sort = sorts[0] if sorts else {"propertyName": "hs_object_id", "direction": "ASCENDING"}
        if isinstance(sort, str):
            sort = {"propertyName": sort.lstrip("-"), "direction": "DESCENDING" if sort.startswith("-") else "ASCENDING"}
        if sort.get("propertyName") not in known:
            return self._error(400, req, f"Cannot sort on unknown property {sort.get('propertyName')!r}")
        def wanted(record: Record) -> bool:  # OR across groups, AND within a group
            return not groups or any(all(self._matches(record, f) for f in g.get("filters") or []) for g in groups)

        try:
            hits = [r for r in self._records[object_type].values() if not r.archived and wanted(r)]
        except (ValueError, TypeError) as exc:
            return self._error(400, req, f"Invalid filter value: {exc}")
        name = sort["propertyName"]

        def sort_key(record: Record) -> tuple[Any, ...]:
            value = self._comparable(object_type, name, record.properties.get(name))
            return (value is not None, value if value is not None else 0)

        hits.sort(key=lambda r: int(r.id))
        hits.sort(key=sort_key, reverse=str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING")
        properties = self._requested(object_type, body.get("properties"))
        page = hits[after:min(after + limit, SEARCH_CAP)]
        result: dict[str, Any] = {"total": len(hits), "results": [self._shape(r, properties) for r in page]}
        if after + limit < len(hits):
            result["paging"] = {"next": {"after": str(after + limit)}}
        return Reply(200, result)

    @route("POST", r"/crm/v4/associations/(?P<src>[^/]+)/(?P<dst>[^/]+)/batch/read")
    def associations_batch_read(self, req: Request) -> Reply:
        src, dst = self._type(req.params["src"]), self._type(req.params["dst"])
        if src is None or dst is None or src == dst:
            return self._error(400, req, f"Unable to infer object types from: {req.params['src']}, {req.params['dst']}")
        inputs = (req.json() or {}).get("inputs") or []
        if len(inputs) > 100:
            return self._error(400, req, "Batch input limit exceeded: at most 100 inputs are allowed")
        started = iso(datetime.now(UTC))
        results, errors = [], []
        kinds = [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": label}
                 for type_id, _, label in ASSOCIATION_TYPES[(src, dst)]]
        for item in inputs:
            from_id = str(item.get("id"))
            ids = self._linked(src, dst, from_id) if from_id in self._records[src] else []
            if ids:
                targets = [{"toObjectId": int(i), "associationTypes": kinds} for i in ids]
                results.append({"from": {"id": from_id}, "to": targets})
            else:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                               "message": f"No {SINGULAR[dst]} is associated with {SINGULAR[src]} {from_id}.",
                               "context": {"fromObjectId": [from_id], "fromObjectType": [SINGULAR[src]],
                                           "toObjectType": [SINGULAR[dst]]}})
        body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started,
                                "completedAt": iso(datetime.now(UTC))}
        if errors:
            body.update(numErrors=len(errors), errors=errors)
        return Reply(207 if errors else 200, body)

    @route("GET", r"/crm/v3/pipelines/(?P<type>[^/]+)")
    def pipelines(self, req: Request) -> Reply:
        if req.params["type"] != "deals":
            return self._error(400, req, f"Pipelines are not served for {req.params['type']}")
        created = iso(datetime.combine(self.company.today - timedelta(days=1100), datetime.min.time(), UTC))
        stages = [{"id": sid, "label": label, "displayOrder": i,
                   "metadata": {"isClosed": "true" if sid.startswith("closed") else "false", "probability": prob},
                   "createdAt": created, "updatedAt": created, "archived": False,
                   "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"} for i, (sid, label, prob) in enumerate(STAGES)]
        return Reply(200, {"results": [{"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False,
                                        "createdAt": created, "updatedAt": created, "stages": stages}]})

    @route("GET", r"/crm/v3/owners/?")
    def owners(self, req: Request) -> Reply:
        limit = self._page_limit(req, 100, 500)
        if isinstance(limit, Reply):
            return limit
        archived = (req.arg("archived") or "false").lower() == "true"
        owners = [o for o in self.company.hubspot.owners if o["archived"] == archived]
        if req.arg("email"):
            owners = [o for o in owners if o["email"].lower() == (req.arg("email") or "").lower()]
        start = 0
        if req.arg("after"):
            try:
                start = int(_decode_cursor(req.arg("after") or ""))
            except ValueError:
                return self._error(400, req, f"Invalid paging cursor: {req.arg('after')}")
        body: dict[str, Any] = {"results": owners[start:start + limit]}
        if start + limit < len(owners):
            after = _encode_cursor(str(start + limit))
            body["paging"] = {"next": {"after": after, "link": self._next_link(req, after)}}
        return Reply(200, body)

    @route("GET", r"/account-info/v3/details")
    def account_details(self, req: Request) -> Reply:
        hub = self.company.hubspot
        offset = self.company.now.astimezone(ZoneInfo(hub.time_zone)).utcoffset() or timedelta()
        minutes = int(offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return Reply(200, {
            "portalId": hub.portal_id, "timeZone": hub.time_zone, "companyCurrency": hub.company_currency,
            "additionalCurrencies": ["EUR", "GBP"], "utcOffset": f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
            "utcOffsetMilliseconds": minutes * 60_000, "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1",
            "accountType": "STANDARD",
        })

    @route("GET", r"/crm/v3/properties/(?P<type>[^/]+)")
    def properties(self, req: Request) -> Reply:
        object_type = self._type(req.params["type"])
        if object_type is None:
            return self._error(400, req, f"Unable to infer object type from: {req.params['type']}")
        created = iso(datetime.combine(self.company.today - timedelta(days=1100), datetime.min.time(), UTC))
        results = []
        for order, (name, spec) in enumerate(PROPERTIES[object_type].items()):
            kind, field_type, group = spec[:3]
            options = list(spec[3]) if len(spec) > 3 else []
            if kind == "bool":
                options = ["true", "false"]
            custom = name.startswith("utm_")
            results.append({
                "name": name, "label": name.replace("hs_", "").replace("_", " ").capitalize(), "type": kind,
                "fieldType": field_type, "description": "", "groupName": group, "displayOrder": order,
                "options": [{"label": o.replace("_", " ").title(), "value": o, "displayOrder": i, "hidden": False}
                            for i, o in enumerate(options)],
                "calculated": False, "externalOptions": name == "hubspot_owner_id", "hasUniqueValue": False,
                "hidden": False, "hubspotDefined": not custom,
                "formField": custom or name in ("email", "firstname", "lastname"),
                "modificationMetadata": {"archivable": custom, "readOnlyDefinition": not custom, "readOnlyValue": name in
                                         ("hs_object_id", "createdate", "hs_createdate", "lastmodifieddate",
                                                 "hs_lastmodifieddate")},
                "createdAt": created, "updatedAt": created, "archived": False,
            })
        return Reply(200, {"results": results})

    # ------------------------------------------------------------------------ mutations
    def _tick(self) -> str:
        """Advance the sandbox clock so every mutation is later than everything before it."""
        with self._state_lock:
            self.clock += timedelta(seconds=1, milliseconds=1)
            return iso(self.clock) or ""

    def _get(self, object_type: str, record_id: str) -> Record:
        return self._records[object_type][str(record_id)]

    def update(self, object_type: str, record_id: str, properties: dict[str, Any]) -> Record:
        """Set properties (stored as strings) and bump the modification date."""
        with self._state_lock:
            record = self._get(object_type, record_id)
            record.properties.update({k: None if v is None else str(v) for k, v in properties.items()})
            record.properties[MODIFIED_PROPERTY[object_type]] = self._tick()
            return record

    def create(self, object_type: str, properties: dict[str, Any],
               associations: dict[str, list[str]] | None = None) -> Record:
        """A new record, created and modified now, linked to ``associations`` ({object type: [ids]})."""
        with self._state_lock:
            record_id = str(max((int(i) for i in self._records[object_type]), default=0) + 1)
            stamp = self._tick()
            props = {k: None if v is None else str(v) for k, v in properties.items()}
            props.update({CREATED_PROPERTY[object_type]: stamp, MODIFIED_PROPERTY[object_type]: stamp,
                          "hs_object_id": record_id})
            record = Record(object_type, record_id, props)
            self.company.hubspot.objects(object_type).append(record)
            self._records[object_type][record_id] = record
            for target, ids in (associations or {}).items():
                self.company.hubspot.associations.setdefault((object_type, target), {})[record_id] = list(ids)
            self._reindex()
            return record

    def archive(self, object_type: str, record_id: str) -> Record:
        """Soft delete: the record moves to the ``archived=true`` list and leaves search."""
        with self._state_lock:
            record = self._get(object_type, record_id)
            record.archived, record.archived_at = True, self._tick()
            return record

    def hard_delete(self, object_type: str, record_id: str) -> None:
        """GDPR delete: the record disappears from every list, with no tombstone."""
        with self._state_lock:
            record = self._records[object_type].pop(str(record_id))
            self.company.hubspot.objects(object_type).remove(record)
            self._drop_links(object_type, record.id)
            self._reindex()

    def merge(self, object_type: str, winner_id: str, loser_id: str) -> Record:
        """Merge two records: the loser vanishes, its id joins ``hs_merged_object_ids``, links move over."""
        with self._state_lock:
            winner, loser = self._get(object_type, winner_id), self._records[object_type].pop(str(loser_id))
            self.company.hubspot.objects(object_type).remove(loser)
            for (src, dst), edges in self.company.hubspot.associations.items():
                if src == object_type and loser.id in edges:
                    moved = edges.pop(loser.id)
                    edges[winner.id] = list(dict.fromkeys(edges.get(winner.id, []) + moved))
                if dst == object_type:
                    for to_ids in edges.values():
                        if loser.id in to_ids:
                            to_ids[:] = list(dict.fromkeys(winner.id if i == loser.id else i for i in to_ids))
            merged = [i for i in (winner.properties.get("hs_merged_object_ids") or "").split(";") if i]
            winner.properties["hs_merged_object_ids"] = ";".join([*merged, loser.id])
            winner.properties[MODIFIED_PROPERTY[object_type]] = self._tick()
            self._reindex()
            return winner

    def _drop_links(self, object_type: str, record_id: str) -> None:
        for (src, dst), edges in self.company.hubspot.associations.items():
            if src == object_type:
                edges.pop(record_id, None)
            if dst == object_type:
                for from_id in [f for f, ids in edges.items() if record_id in ids]:
                    edges[from_id] = [i for i in edges[from_id] if i != record_id]
                    if not edges[from_id]:
                        del edges[from_id]
