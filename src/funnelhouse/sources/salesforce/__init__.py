"""Salesforce REST API: leads, contacts, accounts, opportunities and their stage
history, campaigns and their members, users, tasks and events.

Each object is read with SOQL through `queryAll`, so soft-deleted records
come back with `IsDeleted = true` and land as `is_deleted` flags instead of
vanishing. The window is `[cursor - overlap, until)` on `SystemModstamp`,
ordered by `SystemModstamp, Id`; the cursor is the highest `SystemModstamp`
loaded, kept in dlt resource state and committed with the data. Fields come
from the describe call on every run, so a field an admin adds lands as a new
column; values are typed from the field's describe type.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Iterator

import dlt
import requests
from dlt.common.normalizers.naming.snake_case import NamingConvention

from funnelhouse.sources.http import FAIL, REFRESH, RETRY, ApiClient, ApiError, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
API_VERSION = "62.0"
CURSOR_FIELD = "SystemModstamp"
# SystemModstamp is set when a transaction starts, so rows can commit out of order: re-read a little.
CURSOR_OVERLAP = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_BATCH_SIZE = 2000
# Salesforce object -> raw table.
TABLES = {
    "User": "users", "Account": "accounts", "Lead": "leads", "Contact": "contacts", "Opportunity": "opportunities",
    "OpportunityHistory": "opportunity_history", "Campaign": "campaigns", "CampaignMember": "campaign_members",
    "Task": "tasks", "Event": "events",
}
# describe type -> dlt data type; every other type (id, reference, string, picklist, ...) is text.
DATA_TYPES = {"datetime": "timestamp", "date": "date", "boolean": "bool", "int": "bigint", "long": "bigint",
              "double": "decimal", "currency": "decimal", "percent": "decimal"}
COMPOUND_TYPES = {"address", "location"}  # not selectable as such; their parts are separate fields
_naming = NamingConvention()


@dataclass(frozen=True)
class SalesforceConfig:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)  # None: the client-credentials flow
    login_url: str = DEFAULT_LOGIN_URL
    api_version: str = API_VERSION
    batch_size: int = MAX_BATCH_SIZE
    objects: tuple[str, ...] = tuple(TABLES)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        unknown = [name for name in self.objects if name not in TABLES]
        if unknown:
            raise ValueError(f"Salesforce objects not supported: {', '.join(unknown)} (known: {', '.join(TABLES)})")
        if not 200 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"Salesforce batch_size must be within 200..{MAX_BATCH_SIZE}, got {self.batch_size}")

    @classmethod
    def from_connection(cls, conn: Any) -> "SalesforceConfig":
        """From an Airflow connection: client id in login, client secret in password, login URL in host."""
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
        if not conn.login or not conn.password:
            raise ValueError(f"Airflow connection '{conn.conn_id}' needs the connected app's client id (login) "
                             "and client secret (password)")
        host = conn.host or DEFAULT_LOGIN_URL
        if "://" not in host:
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        objects = extra.get("objects") or tuple(TABLES)
        if isinstance(objects, str):
            objects = [o.strip() for o in objects.split(",") if o.strip()]
        try:
            batch_size = int(extra.get("batch_size", MAX_BATCH_SIZE))
        except (TypeError, ValueError):
            raise ValueError(f"Airflow connection '{conn.conn_id}': extra batch_size must be a whole number") from None
        return cls(client_id=conn.login, client_secret=conn.password, refresh_token=extra.get("refresh_token"),
                   login_url=host, api_version=str(extra.get("api_version", API_VERSION)).lstrip("v"),
                   batch_size=batch_size, objects=tuple(objects))


def error_code(response: requests.Response) -> str | None:
    """The `errorCode` of Salesforce's error array, if the body is one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0].get("errorCode")
    return None


def classify(response: requests.Response) -> str | None:
    """REQUEST_LIMIT_EXCEEDED is the daily allowance (stop, the next run resumes from the cursor)
    unless it is the concurrency limit, which passes; an expired session refreshes."""
    code = error_code(response)
    if code == "REQUEST_LIMIT_EXCEEDED":
        try:
            message = str(response.json()[0].get("message", ""))
        except (ValueError, LookupError, AttributeError):
            message = ""
        return RETRY if "Concurrent" in message else FAIL
    if code == "INVALID_SESSION_ID":
        return REFRESH
    return None


class Session:
    """An OAuth session against the org: a token from the login URL, data calls to `instance_url`."""

    def __init__(self, config: SalesforceConfig) -> None:
        self.config = config
        self._access_token = ""
        base_secrets = (config.client_secret, config.refresh_token or "")
        self.login = ApiClient(vendor="salesforce", base_url=config.login_url, auth=dict, policy=config.retry,
                               secrets=base_secrets)
        self.api = ApiClient(vendor="salesforce", base_url=config.login_url, auth=self._auth,
                             refresh=self.authenticate, policy=config.retry, secrets=base_secrets, classify=classify)

    def _auth(self) -> dict[str, str]:
        if not self._access_token:
            self.authenticate()
        return {"Authorization": f"Bearer {self._access_token}"}

    def authenticate(self) -> None:
        cfg = self.config
        form = {"client_id": cfg.client_id, "client_secret": cfg.client_secret}
        if cfg.refresh_token:
            form.update(grant_type="refresh_token", refresh_token=cfg.refresh_token)
        else:
            form.update(grant_type="client_credentials")
        body = self.login.post("/services/oauth2/token", data=form)
        token, instance = (body or {}).get("access_token"), (body or {}).get("instance_url")
        if not token or not instance:
            raise ApiError("salesforce", "POST", "/services/oauth2/token", 200,
                           "the token answer has no access_token or instance_url")
        self._access_token = token
        self.api.base_url = instance
        self.api.secrets = (cfg.client_secret, cfg.refresh_token or "", token)
        self.login.secrets = self.api.secrets

    def data_path(self, rest: str) -> str:
        return f"/services/data/v{self.config.api_version}/{rest.lstrip('/')}"


def soql_datetime(moment: datetime) -> str:
    """An unquoted SOQL datetime literal, in whole seconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def describe(session: Session, object_name: str) -> dict[str, str]:
    """Field name -> describe type of every selectable field the org has on the object."""
    body = session.api.get(session.data_path(f"sobjects/{object_name}/describe"))
    return {f["name"]: f["type"] for f in body.get("fields", []) if f.get("type") not in COMPOUND_TYPES}


def converter(types: dict[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A record as Salesforce sends it -> a raw row: snake_case columns, values typed from describe."""
    parse: dict[str, Callable[[Any], Any]] = {
        "datetime": parse_datetime, "date": lambda v: date.fromisoformat(v) if v else None,
        "double": lambda v: None if v is None else Decimal(str(v)),
        "int": lambda v: None if v is None else int(v),
    }
    parse.update(currency=parse["double"], percent=parse["double"], long=parse["int"])
    columns = {name: (_naming.normalize_identifier(name), parse.get(kind)) for name, kind in types.items()}

    def convert(record: dict[str, Any]) -> dict[str, Any]:
        row = {}
        for name, value in record.items():
            if name == "attributes":
                continue
            column, cast = columns.get(name) or (_naming.normalize_identifier(name), None)
            row[column] = cast(value) if cast else value
        return row

    return convert


def query_all(session: Session, soql: str) -> Iterator[list[dict[str, Any]]]:
    """Pages of a `queryAll` (deleted rows included), following `nextRecordsUrl` until `done`."""
    headers = {"Sforce-Query-Options": f"batchSize={session.config.batch_size}"}
    body = session.api.get(session.data_path("queryAll"), params={"q": soql}, headers=headers)
    followed: set[str] = set()
    while True:
        yield body.get("records") or []
        if body.get("done", True):
            return
        next_url = body.get("nextRecordsUrl")
        if not next_url or next_url in followed:
            raise RuntimeError(f"salesforce paging stalled: not done, next page {next_url!r} already read or missing")
        followed.add(next_url)
        body = session.api.get(next_url, headers=dict(headers))


def _read_object(session: Session, object_name: str, types: dict[str, str], until: datetime,
                 extracted_at: datetime) -> Iterator[list[dict[str, Any]]]:
    """Records changed in [cursor - overlap, until), oldest first; the cursor moves with the data.

    An expired query locator restarts the query at the last `SystemModstamp` read
    (merge on id absorbs the re-read rows)."""
    state = dlt.current.resource_state()
    cursor = datetime.fromisoformat(state["cursor"]) if "cursor" in state else EPOCH
    since = max(EPOCH, cursor - CURSOR_OVERLAP)
    convert = converter(types)
    fields = ", ".join(types)
    high = cursor
    while True:
        soql = (f"SELECT {fields} FROM {object_name} WHERE {CURSOR_FIELD} >= {soql_datetime(since)} "
                f"AND {CURSOR_FIELD} < {soql_datetime(until)} ORDER BY {CURSOR_FIELD}, Id")
        try:
            for page in query_all(session, soql):
                rows = [convert(record) | {"_extracted_at": extracted_at} for record in page]
                if rows:
                    high = max(high, *(row["system_modstamp"] for row in rows))
                    state["cursor"] = high.isoformat()
                    yield rows
            return
        except ApiError as exc:
            if exc.status == 403 and "TotalRequests" in str(exc):
                raise ApiError("salesforce", "GET", exc.path, 403, "TotalRequests Limit exceeded: the org's daily API "
                               "allowance is used up; the next run resumes from the stored cursor") from None
            if exc.status != 400 or "locator" not in str(exc).lower() or high <= since:
                raise
            log.warning("salesforce %s: query locator expired; restarting at %s", object_name, high.isoformat())
            since = high


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce_source(config: SalesforceConfig, until: datetime) -> list[Any]:
    """One resource per Salesforce object, reading changes up to `until` (the end of the data interval)."""
    session = Session(config)
    extracted_at = datetime.now(timezone.utc)
    resources = []
    for object_name in config.objects:
        types = describe(session, object_name)
        missing = {"Id", CURSOR_FIELD, "IsDeleted"} - set(types)
        if missing:
            raise ValueError(f"Salesforce object {object_name} has no {', '.join(sorted(missing))} field")
        columns = {_naming.normalize_identifier(name): {"data_type": DATA_TYPES.get(kind, "text"), "nullable": True}
                   for name, kind in types.items()}
        resources.append(dlt.resource(
            _read_object(session, object_name, types, until, extracted_at),
            name=TABLES[object_name], write_disposition="merge", primary_key="id", columns=columns,
        ))
    return resources
