"""HubSpot CRM v3: contacts, companies, deals, engagements (calls, emails, meetings,
tasks), their associations, owners, pipelines.

CRM objects are read through the search endpoint, filtered on their
last-modified property over the window [cursor - overlap, until), so each
run loads only what changed. Search results stop at 10,000 per query; the
reader pages in `hs_object_id` order and restarts above the last id it saw,
which never loops however many records share one timestamp. Property values
stay strings as HubSpot sends them; staging types them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import dlt

from funnelhouse.sources.http import ApiClient, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.hubapi.com"
SEARCH_PAGE = 200
SEARCH_CAP = 10_000
LIST_PAGE = 100
# Search is eventually consistent: re-read a little before the cursor.
CURSOR_OVERLAP = timedelta(minutes=10)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "calls": "call", "emails": "email",
            "meetings": "meeting", "tasks": "task"}


@dataclass(frozen=True)
class HubSpotObject:
    """One CRM object stream, declared as data."""

    name: str
    modified_property: str
    associations: tuple[str, ...] = ()
    mergeable: bool = True  # HubSpot merges records of this type (`hs_merged_object_ids`)


# Engagements are the sales team's logged activities; each type is a CRM object of its
# own, read like the others, with the contacts it was logged on.
ENGAGEMENTS = tuple(
    HubSpotObject(name, "hs_lastmodifieddate", associations=("contacts",), mergeable=False)
    for name in ("calls", "emails", "meetings", "tasks")
)
OBJECTS = (
    HubSpotObject("contacts", "lastmodifieddate"),
    HubSpotObject("companies", "hs_lastmodifieddate"),
    HubSpotObject("deals", "hs_lastmodifieddate", associations=("contacts", "companies")),
    *ENGAGEMENTS,
)


@dataclass(frozen=True)
class HubSpotConfig:
    access_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_connection(cls, conn: Any) -> "HubSpotConfig":
        """From an Airflow connection: token in the password, base URL in the host."""
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
        token = conn.password or extra.get("access_token")
        if not token:
            raise ValueError(f"Airflow connection '{conn.conn_id}' has no HubSpot access token (password field)")
        host = conn.host or DEFAULT_BASE_URL
        if "://" not in host:
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        return cls(access_token=token, base_url=host)


def client(config: HubSpotConfig) -> ApiClient:
    return ApiClient(
        vendor="hubspot",
        base_url=config.base_url,
        auth=lambda: {"Authorization": f"Bearer {config.access_token}"},
        policy=config.retry,
        secrets=(config.access_token,),
    )


def epoch_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def property_names(api: ApiClient, object_type: str) -> list[str]:
    """Every property the portal has, so new vendor fields land without code changes."""
    body = api.get(f"/crm/v3/properties/{object_type}")
    return sorted({p["name"] for p in body.get("results", [])})


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    row = {
        "id": record["id"],
        "created_at": parse_ts(record.get("createdAt")),
        "updated_at": parse_ts(record.get("updatedAt")),
        "archived": bool(record.get("archived", False)),
        "archived_at": parse_ts(record.get("archivedAt")),
    }
    for key, value in (record.get("properties") or {}).items():
        if key not in row:
            row[key] = value
    return row


def search_modified(
    api: ApiClient, obj: HubSpotObject, properties: list[str], since: datetime, until: datetime
) -> Iterator[list[dict[str, Any]]]:
    """Pages of records modified in [since, until), past the 10,000-result cap."""
    last_id = 0
    while True:
        floor_id, after, seen_in_query = last_id, 0, 0
        while True:
            filters = [
                {"propertyName": obj.modified_property, "operator": "GTE", "value": epoch_ms(since)},
                {"propertyName": obj.modified_property, "operator": "LT", "value": epoch_ms(until)},
            ]
            if floor_id:
                filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": str(floor_id)})
            body = api.post(
                f"/crm/v3/objects/{obj.name}/search",
                json={
                    "filterGroups": [{"filters": filters}],
                    "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                    "properties": properties,
                    "limit": SEARCH_PAGE,
                    "after": str(after),
                },
            )
            results = body.get("results", [])
            if results:
                yield results
                new_last = max(int(r["id"]) for r in results)
                if new_last <= last_id:
                    raise RuntimeError(f"hubspot search on {obj.name} did not advance past id {last_id}")
                last_id = new_last
            seen_in_query += len(results)
            next_after = (body.get("paging") or {}).get("next", {}).get("after")
            if not next_after:
                return
            after = int(next_after)
            if after + SEARCH_PAGE > SEARCH_CAP:
                break  # restart the query above last_id
        if not seen_in_query:
            return


def associations(api: ApiClient, from_type: str, to_type: str, ids: list[str]) -> Iterator[dict[str, Any]]:
    for start in range(0, len(ids), 100):
        batch = ids[start : start + 100]
        body = api.post(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
            json={"inputs": [{"id": i} for i in batch]},
        )
        for result in body.get("results", []):
            for target in result.get("to", []):
                types = target.get("associationTypes") or [{}]
                yield {
                    f"{SINGULAR[from_type]}_id": str(result["from"]["id"]),
                    f"{SINGULAR[to_type]}_id": str(target["toObjectId"]),
                    "association_type_id": types[0].get("typeId"),
                }


def list_all(api: ApiClient, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        page = api.get(path, params={**params, "limit": LIST_PAGE, **({"after": after} if after else {})})
        yield from page.get("results", [])
        after = (page.get("paging") or {}).get("next", {}).get("after")
        if not after:
            return


def _read_modified(
    api: ApiClient, obj: HubSpotObject, properties: list[str], until: datetime, extracted_at: datetime
) -> Iterator[list[dict[str, Any]]]:
    """Records changed since the stored cursor, then records archived since it.

    Search never returns archived (soft-deleted) records, so they are read
    from the `archived=true` list and merged in with `archived = true`: the
    row stays in raw, flagged, never lost. The cursor advances with the data.
    """
    state = dlt.current.resource_state()
    cursor = datetime.fromisoformat(state["cursor"]) if "cursor" in state else EPOCH
    since = max(EPOCH, cursor - CURSOR_OVERLAP)
    high = cursor
    for page in search_modified(api, obj, properties, since, until):
        rows = [flatten(r) | {"_extracted_at": extracted_at} for r in page]
        high = max([high, *(r["updated_at"] for r in rows if r["updated_at"])])
        yield rows
    archived = []
    for record in list_all(api, f"/crm/v3/objects/{obj.name}", {"archived": "true", "properties": ",".join(properties)}):
        row = flatten(record) | {"archived": True, "_extracted_at": extracted_at}
        archived_at = row["archived_at"] or row["updated_at"]
        if archived_at is not None and since <= archived_at < until:
            archived.append(row)
            high = max(high, archived_at)
    if archived:
        yield archived
    state["cursor"] = high.isoformat()


def merged_ids(pages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """HubSpot merges leave only the winner, listing the losers in `hs_merged_object_ids`."""
    for row in pages:
        for loser in (row.get("hs_merged_object_ids") or "").split(";"):
            if loser.strip() and loser.strip() != row["id"]:
                yield {"merged_id": loser.strip(), "winner_id": row["id"], "_extracted_at": row["_extracted_at"]}


def _linker(api: ApiClient, from_type: str, to_type: str, extracted_at: datetime) -> Any:
    def linked(pages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in associations(api, from_type, to_type, [r["id"] for r in pages]):
            yield row | {"_extracted_at": extracted_at}

    return linked


@dlt.source(name="hubspot", max_table_nesting=0)
def hubspot_source(config: HubSpotConfig, until: datetime) -> list[Any]:
    """All HubSpot streams, reading changes up to `until` (the end of the data interval)."""
    api = client(config)
    extracted_at = datetime.now(timezone.utc)
    resources: list[Any] = []

    for obj in OBJECTS:
        properties = property_names(api, obj.name)
        text_columns = {name: {"data_type": "text", "nullable": True} for name in properties}
        resource = dlt.resource(
            _read_modified(api, obj, properties, until, extracted_at),
            name=obj.name,
            write_disposition="merge",
            primary_key="id",
            columns={
                **text_columns,
                **{ts: {"data_type": "timestamp", "nullable": True} for ts in ("created_at", "updated_at", "archived_at")},
            },
        )
        resources.append(resource)
        if obj.mergeable:
            resources.append(
                dlt.transformer(
                    merged_ids, data_from=resource, name=f"{SINGULAR[obj.name]}_merges",
                    write_disposition="merge", primary_key="merged_id",
                )
            )
        for target in obj.associations:
            resources.append(
                dlt.transformer(
                    _linker(api, obj.name, target, extracted_at),
                    data_from=resource,
                    name=f"{SINGULAR[obj.name]}_{target}",
                    write_disposition="merge",
                    primary_key=[f"{SINGULAR[obj.name]}_id", f"{SINGULAR[target]}_id"],
                )
            )

    @dlt.resource(name="owners", write_disposition="merge", primary_key="id")
    def owners() -> Iterator[dict[str, Any]]:
        for archived in ("false", "true"):
            for owner in list_all(api, "/crm/v3/owners", {"archived": archived}):
                yield {
                    "id": owner["id"],
                    "email": owner.get("email"),
                    "first_name": owner.get("firstName"),
                    "last_name": owner.get("lastName"),
                    "type": owner.get("type"),
                    "user_id": owner.get("userId"),
                    "archived": bool(owner.get("archived", archived == "true")),
                    "created_at": parse_ts(owner.get("createdAt")),
                    "updated_at": parse_ts(owner.get("updatedAt")),
                    "_extracted_at": extracted_at,
                }

    @dlt.resource(name="deal_pipeline_stages", write_disposition="replace")
    def deal_pipeline_stages() -> Iterator[dict[str, Any]]:
        for pipeline in api.get("/crm/v3/pipelines/deals").get("results", []):
            for stage in pipeline.get("stages", []):
                metadata = stage.get("metadata") or {}
                yield {
                    "pipeline_id": pipeline["id"],
                    "pipeline_label": pipeline.get("label"),
                    "stage_id": stage["id"],
                    "stage_label": stage.get("label"),
                    "display_order": stage.get("displayOrder"),
                    "is_closed": None if metadata.get("isClosed") is None else str(metadata["isClosed"]),
                    "probability": None if metadata.get("probability") is None else str(metadata["probability"]),
                    "archived": bool(stage.get("archived", False)),
                    "_extracted_at": extracted_at,
                }

    return [*resources, owners, deal_pipeline_stages]
