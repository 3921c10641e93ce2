"""Salesforce REST API imitation serving the company's Salesforce org.

It keeps what connectors trip over: the OAuth token endpoint answering with
an ``instance_url`` every later call must use, sessions that expire
(``INVALID_SESSION_ID``), a SOQL subset parsed strictly (unknown objects and
fields rejected with Salesforce's error array), unquoted datetime literals,
``query`` hiding deleted rows while ``queryAll`` returns them with
``IsDeleted: true``, pages of at most 2,000 records (``Sforce-Query-Options:
batchSize``) chained through ``nextRecordsUrl`` locators that can expire,
``Sforce-Limit-Info`` on every answer and ``REQUEST_LIMIT_EXCEEDED`` past the
daily allowance.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .company import Company
from .http import BadRequest, Reply, Request, SandboxServer, route
from .salesforce_org import FIELDS, KEY_PREFIX, salesforce_id

UTC = timezone.utc
VERSIONS = tuple(f"{v}.0" for v in range(52, 63))
MAX_BATCH, MIN_BATCH = 2000, 200
COMPOUND = {"address", "location"}
_VERSION = r"/services/data/v(?P<version>\d+\.\d)"
_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_.]*)"
                    r"|(?P<dt>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))"
                    r"|(?P<date>\d{4}-\d\d-\d\d)|(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^'\\]|\\.)*')"
                    r"|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[,()*]))")
OPERATORS = {"=": "eq", "!=": "ne", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def sf_datetime(moment: datetime | None) -> str | None:
    """Salesforce's datetime text: UTC, milliseconds, offset without a colon."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_literal_datetime(text: str) -> datetime:
    """A SOQL datetime literal (``2024-05-01T00:00:00Z`` or with ``+00:00`` / ``+0000``)."""
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Soql:
    """``SELECT f, ... FROM Obj [WHERE f op lit [AND ...]] [ORDER BY f [ASC|DESC], ...] [LIMIT n]``."""

    def __init__(self, text: str, fields: dict[str, dict[str, str]]) -> None:
        self.tokens = self._tokenize(text)
        self.pos = 0
        self._expect_word("SELECT")
        selected = [self._word()]
        while self._peek() == ",":
            self.pos += 1
            selected.append(self._word())
        self._expect_word("FROM")
        obj = self._word()
        known = {name.lower(): name for name in fields}
        if obj.lower() not in known:
            raise SoqlError("INVALID_TYPE", f"sObject type '{obj}' is not supported. If you are attempting to use a "
                                            "custom object, be sure to append the '__c' after the entity name.")
        self.object = known[obj.lower()]
        self.types = fields[self.object]
        self.fields = [self._field(name) for name in selected]
        for name in self.fields:
            if self.types[name] in COMPOUND:
                raise SoqlError("INVALID_FIELD", f"Compound field '{name}' is not supported here; select its parts")
        self.where: list[tuple[str, str, Any]] = []
        self.order: list[tuple[str, bool]] = []
        self.limit: int | None = None
        if self._peek_word("WHERE"):
            self.pos += 1
            self.where.append(self._condition())
            while self._peek_word("AND"):
                self.pos += 1
                self.where.append(self._condition())
        if self._peek_word("ORDER"):
            self.pos += 1
            self._expect_word("BY")
            while True:
                name = self._field(self._word())
                descending = False
                if self._peek_word("ASC") or self._peek_word("DESC"):
                    descending = self._word().upper() == "DESC"
                self.order.append((name, descending))
                if self._peek() != ",":
                    break
                self.pos += 1
        if self._peek_word("LIMIT"):
            self.pos += 1
            kind, value = self._next()
            if kind != "num" or not value.isdigit():
                raise SoqlError("MALFORMED_QUERY", f"LIMIT must be a whole number, got {value!r}")
            self.limit = int(value)
        if self.pos != len(self.tokens):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{self.tokens[self.pos][1]}'")

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise SoqlError("MALFORMED_QUERY", f"unexpected character at position {pos}: {text[pos:pos + 10]!r}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise SoqlError("MALFORMED_QUERY", "unexpected end of query")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _peek_word(self, word: str) -> bool:
        return self.pos < len(self.tokens) and self.tokens[self.pos][0] == "word" \
            and self.tokens[self.pos][1].upper() == word

    def _word(self) -> str:
        kind, value = self._next()
        if kind != "word":
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{value}'")
        return value

    def _expect_word(self, word: str) -> None:
        if self._word().upper() != word:
            raise SoqlError("MALFORMED_QUERY", f"expected {word}")

    def _field(self, name: str) -> str:
        for known in self.types:
            if known.lower() == name.lower():
                return known
        raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{self.object}'. If you are attempting "
                                         "to use a custom field, be sure to append the '__c' after the custom field "
                                         "name. Please reference your WSDL or the describe call for the appropriate "
                                         "names.")

    def _condition(self) -> tuple[str, str, Any]:
        name = self._field(self._word())
        kind, op = self._next()
        if kind != "op":
            raise SoqlError("MALFORMED_QUERY", f"expected an operator after {name}, got '{op}'")
        kind, text = self._next()
        field_type = self.types[name]
        if kind == "word" and text.lower() in ("true", "false", "null"):
            value: Any = None if text.lower() == "null" else text.lower() == "true"
        elif field_type == "datetime":
            if kind != "dt":
                raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{name}' must be of type "
                                                 "dateTime and should not be enclosed in quotes")
            value = parse_literal_datetime(text)
        elif field_type == "date":
            if kind != "date":
                raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{name}' must be of type date "
                                                 "and should not be enclosed in quotes")
            value = date.fromisoformat(text)
        elif kind == "str":
            value = text[1:-1].replace("\\'", "'")
        elif kind == "num":
            value = float(text)
        else:
            raise SoqlError("MALFORMED_QUERY", f"unexpected literal '{text}' for field '{name}'")
        return name, OPERATORS[op], value

    def matches(self, record: dict[str, Any]) -> bool:
        for name, op, want in self.where:
            have = record.get(name)
            if op in ("eq", "ne"):
                if (have == want) != (op == "eq"):
                    return False
                continue
            if have is None or want is None:
                return False
            if not {"lt": have < want, "le": have <= want, "gt": have > want, "ge": have >= want}[op]:
                return False
        return True

    def sort(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for name, descending in reversed(self.order):  # nulls first ascending, as Salesforce does
            rows.sort(key=lambda r: (r.get(name) is not None, r.get(name) if r.get(name) is not None else 0),
                      reverse=descending)
        return rows


class SalesforceServer(SandboxServer):
    """The org of ``company`` behind ``/services``; a connected app with a refresh token."""

    name = "salesforce"

    def __init__(self, company: Company, client_id: str, client_secret: str, refresh_token: str,
                 host: str = "127.0.0.1", port: int = 0, *, token_ttl: float = 7200.0,
                 daily_limit: int = 100_000) -> None:
        super().__init__(host, port)
        self.company, self.client_id, self.client_secret, self.refresh_token = (
            company, client_id, client_secret, refresh_token)
        self.token_ttl, self.daily_limit = token_ttl, daily_limit
        self.fields: dict[str, dict[str, str]] = {name: dict(types) for name, types in FIELDS.items()}
        self.clock = company.now  # mutations stamp records with this, then move it on
        self.api_usage = 0
        self._tokens: dict[str, float] = {}  # access token -> expiry (monotonic)
        self._cursors: dict[str, tuple[str, list[dict[str, Any]], list[str]]] = {}
        self._locator_ids = itertools.count(1)
        self._next_number = itertools.count(9_000_000, 41)
        self._state_lock = threading.RLock()
        self._records = {name: {r["Id"]: r for r in company.salesforce.records(name)} for name in FIELDS}

    # ---------------------------------------------------------------- errors and headers
    def error_body(self, status: int, req: Request, message: str | None = None) -> Any:
        code = {400: "MALFORMED_QUERY", 401: "INVALID_SESSION_ID", 403: "REQUEST_LIMIT_EXCEEDED", 404: "NOT_FOUND",
                405: "METHOD_NOT_ALLOWED", 429: "REQUEST_LIMIT_EXCEEDED"}.get(status, "SERVER_UNAVAILABLE")
        default = {401: "Session expired or invalid", 403: "TotalRequests Limit exceeded.",
                   404: "The requested resource does not exist", 405: "HTTP Method not allowed",
                   429: "ConcurrentPerOrgLongTxn Limit exceeded."}
        return [{"message": message or default.get(status, "Server temporarily unavailable"), "errorCode": code}]

    def _error(self, status: int, code: str, message: str) -> Reply:
        return Reply(status, [{"message": message, "errorCode": code}])

    def finish(self, req: Request, reply: Reply) -> Reply:
        if req.path.startswith("/services/data"):
            reply.headers.setdefault("Sforce-Limit-Info", f"api-usage={self.api_usage}/{self.daily_limit}")
        return reply

    def dispatch(self, req: Request) -> Reply:
        """Token and limit checks for the data API, then route."""
        if req.path.startswith("/services/data/") and req.path.rstrip("/") != "/services/data":
            token = req.bearer()
            with self._state_lock:
                expiry = self._tokens.get(token or "")
                if expiry is None or expiry < time.monotonic():
                    return self.finish(req, Reply(401, self.error_body(401, req)))
                self.api_usage += 1
                if self.api_usage > self.daily_limit:
                    return self.finish(req, Reply(403, self.error_body(403, req)))
        with self._state_lock:
            return super().dispatch(req)

    # ------------------------------------------------------------------------- OAuth
    @route("POST", r"/services/oauth2/token")
    def token(self, req: Request) -> Reply:
        form = req.form()
        grant = form.get("grant_type")
        if grant not in ("refresh_token", "client_credentials"):
            return Reply(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Reply(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        if grant == "refresh_token" and form.get("refresh_token") != self.refresh_token:
            return Reply(400, {"error": "invalid_grant", "error_description": "expired access/refresh token"})
        access = f"{self.company.salesforce.org_id[:15]}!AQ" + secrets.token_urlsafe(72)
        with self._state_lock:
            self._tokens[access] = time.monotonic() + self.token_ttl
        issued = str(int(time.time() * 1000))
        org = self.company.salesforce.org_id
        # The instance as the caller reached this server (in a Compose network: http://sandbox:8706,
        # not the 0.0.0.0 it listens on).
        instance = f"http://{req.headers['host']}" if req.headers.get("host") else self.base_url
        return Reply(200, {
            "access_token": access, "instance_url": instance, "token_type": "Bearer", "issued_at": issued,
            "id": f"{instance}/id/{org}/{self.company.salesforce.records('User')[4]['Id']}",
            "signature": secrets.token_urlsafe(32), "scope": "api refresh_token",
        })

    def expire_sessions(self) -> None:
        """Every access token handed out so far stops working (``INVALID_SESSION_ID``)."""
        with self._state_lock:
            self._tokens.clear()

    def expire_query_locators(self) -> None:
        """Open ``nextRecordsUrl`` locators stop working (``INVALID_QUERY_LOCATOR``)."""
        with self._state_lock:
            self._cursors.clear()

    # --------------------------------------------------------------------- metadata
    @route("GET", r"/services/data/?")
    def versions(self, req: Request) -> Reply:
        return Reply(200, [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in VERSIONS])

    def _version(self, req: Request) -> Reply | None:
        if req.params["version"] not in VERSIONS:
            return self._error(404, "NOT_FOUND", "The requested resource does not exist")
        return None

    def _object(self, req: Request) -> str | Reply:
        """The object a ``/sobjects/{object}/...`` path names (any case), or the 404 to answer."""
        wrong = self._version(req)
        if wrong:
            return wrong
        name = next((n for n in self.fields if n.lower() == req.params["object"].lower()), None)
        if name is None:
            return self._error(404, "NOT_FOUND", f"The requested resource does not exist: {req.params['object']}")
        return name

    @route("GET", _VERSION + r"/limits/?")
    def limits(self, req: Request) -> Reply:
        return self._version(req) or Reply(200, {"DailyApiRequests": {
            "Max": self.daily_limit, "Remaining": max(0, self.daily_limit - self.api_usage)}})

    @route("GET", _VERSION + r"/sobjects/?")
    def global_describe(self, req: Request) -> Reply:
        return self._version(req) or Reply(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [
            {"name": name, "label": name, "keyPrefix": KEY_PREFIX[name], "queryable": True, "replicateable": True,
             "urls": {"describe": f"/services/data/v{req.params['version']}/sobjects/{name}/describe"}}
            for name in self.fields]})

    @route("GET", _VERSION + r"/sobjects/(?P<object>\w+)/describe/?")
    def describe(self, req: Request) -> Reply:
        name = self._object(req)
        if isinstance(name, Reply):
            return name
        return Reply(200, {"name": name, "keyPrefix": KEY_PREFIX[name], "queryable": True, "fields": [
            {"name": f, "type": t, "nillable": f not in ("Id", "IsDeleted", "CreatedDate", "SystemModstamp"),
             "custom": f.endswith("__c"), "calculated": False, "length": 255 if t in ("string", "email", "url") else 0,
             "precision": 18 if t in ("currency", "double", "percent") else 0,
             "scale": 2 if t in ("currency", "double", "percent") else 0, "picklistValues": []}
            for f, t in self.fields[name].items()]})

    # ------------------------------------------------------------------------- query
    @route("GET", _VERSION + r"/(?P<endpoint>query|queryAll)/?")
    def query(self, req: Request) -> Reply:
        wrong = self._version(req)
        if wrong:
            return wrong
        text = req.arg("q")
        if not text:
            return self._error(400, "MALFORMED_QUERY", "A query string is required: ?q=SELECT ...")
        try:
            soql = Soql(text, self.fields)
        except SoqlError as exc:
            return self._error(400, exc.code, exc.message)
        include_deleted = req.params["endpoint"] == "queryAll"
        rows = [r for r in self._records[soql.object].values()
                if (include_deleted or not r["IsDeleted"]) and soql.matches(r)]
        rows = soql.sort(rows)
        if soql.limit is not None:
            rows = rows[: soql.limit]
        locator = f"01g5g{next(self._locator_ids):010d}"
        # A snapshot, like a server-side cursor: later changes do not shift the pages.
        self._cursors[locator] = (soql.object, [self._shape(soql.object, r, soql.fields, req.params["version"])
                                                for r in rows], soql.fields)
        return self._page(req, locator, 0)

    @route("GET", _VERSION + r"/(?P<endpoint>query|queryAll)/(?P<locator>01g\w+)-(?P<offset>\d+)")
    def query_more(self, req: Request) -> Reply:
        wrong = self._version(req)
        if wrong:
            return wrong
        if req.params["locator"] not in self._cursors:
            return self._error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(req, req.params["locator"], int(req.params["offset"]))

    def _batch_size(self, req: Request) -> int:
        options = req.headers.get("sforce-query-options", "")
        match = re.search(r"batchSize\s*=\s*(\d+)", options)
        if options and not match:
            raise BadRequest(f"Sforce-Query-Options not understood: {options}")
        # The size is a hint: Salesforce keeps it within 200..2000.
        return min(MAX_BATCH, max(MIN_BATCH, int(match.group(1)))) if match else MAX_BATCH

    def _page(self, req: Request, locator: str, offset: int) -> Reply:
        _, rows, _ = self._cursors[locator]
        size = self._batch_size(req)
        end = min(len(rows), offset + size)
        body: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows), "records": rows[offset:end]}
        if end < len(rows):
            body["nextRecordsUrl"] = f"/services/data/v{req.params['version']}/{req.params['endpoint']}/{locator}-{end}"
        else:
            self._cursors.pop(locator, None)
        return Reply(200, body)

    def _shape(self, object_name: str, record: dict[str, Any], fields: list[str], version: str) -> dict[str, Any]:
        url = f"/services/data/v{version}/sobjects/{object_name}/{record['Id']}"
        body: dict[str, Any] = {"attributes": {"type": object_name, "url": url}}
        for name in fields:
            value = record.get(name)
            if isinstance(value, datetime):
                value = sf_datetime(value)
            elif isinstance(value, date):
                value = value.isoformat()
            body[name] = value
        return body

    @route("GET", _VERSION + r"/sobjects/(?P<object>\w+)/deleted/?")
    def deleted(self, req: Request) -> Reply:
        name = self._object(req)
        if isinstance(name, Reply):
            return name
        try:
            start, end = (parse_literal_datetime(req.arg(k) or "") for k in ("start", "end"))
        except ValueError:
            return self._error(400, "INVALID_DATETIME", "start and end must be ISO datetimes")
        gone = [r for r in self._records[name].values() if r["IsDeleted"] and start <= r["SystemModstamp"] < end]
        return Reply(200, {"deletedRecords": [{"id": r["Id"], "deletedDate": sf_datetime(r["SystemModstamp"])}
                                              for r in gone],
                           "earliestDateAvailable": sf_datetime(self.company.now - timedelta(days=15)),
                           "latestDateCovered": sf_datetime(end)})

    # ------------------------------------------------------------------------ mutations
    def _tick(self) -> datetime:
        """Advance the sandbox clock so every mutation is later than everything before it."""
        with self._state_lock:
            self.clock += timedelta(seconds=1, milliseconds=1)
            return self.clock

    def update(self, object_name: str, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Change field values and bump ``SystemModstamp`` (and ``LastModifiedDate`` where it exists)."""
        with self._state_lock:
            record = self._records[object_name][record_id]
            unknown = set(values) - set(self.fields[object_name])
            if unknown:
                raise KeyError(f"{object_name} has no field {sorted(unknown)}")
            record.update(values)
            self._touch(record)
            return record

    def delete(self, object_name: str, record_id: str) -> dict[str, Any]:
        """Soft delete: to the recycle bin, seen only by queryAll with ``IsDeleted = true``."""
        return self.update(object_name, record_id, {"IsDeleted": True})

    def create(self, object_name: str, values: dict[str, Any]) -> dict[str, Any]:
        with self._state_lock:
            now = self._tick()
            record = {name: None for name in self.fields[object_name]}
            record.update(Id=salesforce_id(KEY_PREFIX[object_name], next(self._next_number)), IsDeleted=False,
                          CreatedDate=now, SystemModstamp=now)
            if "LastModifiedDate" in record:
                record["LastModifiedDate"] = now
            record.update(values)
            self._records[object_name][record["Id"]] = record
            self.company.salesforce.records(object_name).append(record)
            return record

    def add_field(self, object_name: str, field_name: str, field_type: str = "string") -> None:
        """A field an admin adds to the org: describe lists it and queries may select it."""
        with self._state_lock:
            self.fields[object_name][field_name] = field_type
            for record in self._records[object_name].values():
                record.setdefault(field_name, None)

    def _touch(self, record: dict[str, Any]) -> None:
        record["SystemModstamp"] = self._tick()
        if "LastModifiedDate" in record:
            record["LastModifiedDate"] = record["SystemModstamp"]
