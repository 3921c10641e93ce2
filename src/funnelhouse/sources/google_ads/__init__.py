"""Google Ads (REST `googleAds:searchStream`, GAQL): customers, campaigns, daily campaign stats.

Stats restate for weeks (conversions arrive late, invalid clicks are
refunded), so each run re-reads a lookback window and replaces whole
(customer, day) partitions. The stats stream is handed to dlt as Arrow
tables, one per searchStream batch, so no per-row Python work happens on
the high-volume path.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

import dlt
import pyarrow as pa

from funnelhouse.sources.http import ApiClient, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://googleads.googleapis.com"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
API_VERSION = "v21"
DEFAULT_LOOKBACK_DAYS = 30
DEFAULT_HISTORY_DAYS = 760

STATS_SCHEMA = pa.schema(
    [
        # The key columns: non-nullable, as dlt declares primary keys.
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        ("impressions", pa.int64()),
        ("clicks", pa.int64()),
        ("cost_micros", pa.int64()),
        ("conversions", pa.float64()),
        ("conversions_value", pa.float64()),
        ("_extracted_at", pa.timestamp("us", tz="UTC")),
    ]
)

# How daily stats load: whole (customer, day) partitions replaced, so restatements
# replace old numbers. Shared with bench/load_throughput.py, which measures this path.
STATS_HINTS: dict[str, Any] = {
    "name": "campaign_stats",
    "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
    "primary_key": ["customer_id", "campaign_id", "date"],
    "merge_key": ["customer_id", "date"],
    # Arrow tables stay Parquet end to end: normalise only moves the file, ADBC loads it
    # with a binary COPY (bench/load_throughput.py measures this path).
    "file_format": "parquet",
}


@dataclass(frozen=True)
class GoogleAdsConfig:
    developer_token: str = field(repr=False)
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    customer_ids: tuple[str, ...] = ()
    login_customer_id: str | None = None
    base_url: str = DEFAULT_BASE_URL
    token_uri: str = DEFAULT_TOKEN_URI
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    start_date: date | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_connection(cls, conn: Any) -> "GoogleAdsConfig":
        """From an Airflow connection: OAuth client in login/password, the rest in extras."""
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
        missing = [k for k in ("developer_token", "refresh_token") if not extra.get(k)]
        if not conn.login or not conn.password:
            missing.append("login (client_id) / password (client_secret)")
        if missing:
            raise ValueError(f"Airflow connection '{conn.conn_id}' lacks {', '.join(missing)}")
        host = conn.host or DEFAULT_BASE_URL
        if "://" not in host:
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        ids = extra.get("customer_ids") or ()
        if isinstance(ids, str):
            ids = [i for i in re.split(r"[,\s]+", ids) if i]
        start = extra.get("start_date")
        return cls(
            developer_token=extra["developer_token"],
            client_id=conn.login,
            client_secret=conn.password,
            refresh_token=extra["refresh_token"],
            customer_ids=tuple(i.replace("-", "") for i in ids),
            login_customer_id=(extra.get("login_customer_id") or "").replace("-", "") or None,
            base_url=host,
            token_uri=extra.get("token_uri", DEFAULT_TOKEN_URI),
            lookback_days=int(extra.get("lookback_days", DEFAULT_LOOKBACK_DAYS)),
            start_date=date.fromisoformat(start) if start else None,
        )


class GoogleAdsApi:
    """OAuth refresh plus the headers every Google Ads call needs."""

    def __init__(self, config: GoogleAdsConfig):
        self.config = config
        self._access_token: str | None = None
        secrets = (config.developer_token, config.client_secret, config.refresh_token)
        self.http = ApiClient(
            vendor="google_ads",
            base_url=f"{config.base_url.rstrip('/')}/{API_VERSION}",
            auth=self._headers,
            refresh=self._refresh,
            wait_hint=retry_delay,
            policy=config.retry,
            secrets=secrets,
        )
        self.oauth = ApiClient(vendor="google_oauth", base_url=config.token_uri, auth=dict, policy=config.retry, secrets=secrets)

    def _refresh(self) -> None:
        body = self.oauth.post(
            "",
            data={
                "grant_type": "refresh_token",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "refresh_token": self.config.refresh_token,
            },
        )
        self._access_token = body["access_token"]
        self.http.secrets = (*self.http.secrets, self._access_token)

    def _headers(self) -> dict[str, str]:
        if self._access_token is None:
            self._refresh()
        headers = {"Authorization": f"Bearer {self._access_token}", "developer-token": self.config.developer_token}
        if self.config.login_customer_id:
            headers["login-customer-id"] = self.config.login_customer_id
        return headers

    def customer_ids(self) -> tuple[str, ...]:
        if self.config.customer_ids:
            return self.config.customer_ids
        body = self.http.get("/customers:listAccessibleCustomers")
        return tuple(name.split("/")[-1] for name in body.get("resourceNames", []))

    def stream(self, customer_id: str, query: str) -> Iterator[list[dict[str, Any]]]:
        """Batches of rows; an error element anywhere in the stream fails the call."""
        batches = self.http.post(f"/customers/{customer_id}/googleAds:searchStream", json={"query": query})
        for batch in batches or []:
            if "error" in batch:
                raise RuntimeError(f"google_ads searchStream for customer {customer_id} failed: {batch['error'].get('message')}")
            yield batch.get("results", [])


def retry_delay(response: Any) -> float | None:
    """Google puts its wait hint in the error details (`retryDelay: "37s"`)."""
    match = re.search(r'"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"', response.text or "")
    return float(match.group(1)) if match else None


def stats_window(last_loaded: date | None, end: date, config: GoogleAdsConfig) -> tuple[date, date]:
    """First run: the whole history. Later runs: the lookback window before the last loaded day."""
    if last_loaded is None:
        start = config.start_date or end - timedelta(days=DEFAULT_HISTORY_DAYS)
    else:
        start = min(last_loaded, end) - timedelta(days=config.lookback_days - 1)
        if config.start_date:
            start = max(start, config.start_date)
    return start, end


def stats_table(customer_id: str, rows: list[dict[str, Any]], extracted_at: datetime) -> pa.Table:
    metrics = [r.get("metrics", {}) for r in rows]
    # proto3 JSON omits zero values: a missing metric is 0.
    return pa.table(
        {
            "customer_id": [customer_id] * len(rows),
            "campaign_id": [r["campaign"]["id"] for r in rows],
            "date": [date.fromisoformat(r["segments"]["date"]) for r in rows],
            "impressions": [int(m.get("impressions", 0)) for m in metrics],
            "clicks": [int(m.get("clicks", 0)) for m in metrics],
            "cost_micros": [int(m.get("costMicros", 0)) for m in metrics],
            "conversions": [float(m.get("conversions", 0.0)) for m in metrics],
            "conversions_value": [float(m.get("conversionsValue", 0.0)) for m in metrics],
            "_extracted_at": [extracted_at] * len(rows),
        },
        schema=STATS_SCHEMA,
    )


@dlt.source(name="google_ads", max_table_nesting=0)
def google_ads_source(config: GoogleAdsConfig, until: datetime) -> list[Any]:
    """Google Ads streams for every configured customer, stats up to the day before `until`."""
    api = GoogleAdsApi(config)
    extracted_at = datetime.now(timezone.utc)
    end = (until - timedelta(days=1)).date() if until.time() == datetime.min.time() else until.date()

    @dlt.resource(name="customers", write_disposition="merge", primary_key="customer_id")
    def customers() -> Iterator[dict[str, Any]]:
        for customer_id in api.customer_ids():
            query = "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone FROM customer"
            for batch in api.stream(customer_id, query):
                for row in batch:
                    customer = row["customer"]
                    yield {
                        "customer_id": str(customer["id"]),
                        "descriptive_name": customer.get("descriptiveName"),
                        "currency_code": customer.get("currencyCode"),
                        "time_zone": customer.get("timeZone"),
                        "_extracted_at": extracted_at,
                    }

    def campaign_rows() -> Iterator[dict[str, Any]]:
        query = (
            "SELECT customer.id, campaign.id, campaign.name, campaign.status, "
            "campaign.advertising_channel_type FROM campaign"
        )
        for customer_id in api.customer_ids():
            for batch in api.stream(customer_id, query):
                for row in batch:
                    campaign = row["campaign"]
                    yield {
                        "customer_id": customer_id,
                        "campaign_id": str(campaign["id"]),
                        "campaign_name": campaign.get("name"),
                        "status": campaign.get("status"),
                        "advertising_channel_type": campaign.get("advertisingChannelType"),
                        "_extracted_at": extracted_at,
                    }

    @dlt.resource(name="campaigns", write_disposition="merge", primary_key=["customer_id", "campaign_id"])
    def campaigns() -> Iterator[dict[str, Any]]:
        yield from campaign_rows()

    @dlt.transformer(
        data_from=campaigns,
        name="campaign_name_history",
        write_disposition="merge",
        primary_key=["customer_id", "campaign_id", "campaign_name"],
    )
    def campaign_name_history(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
        # Every name a campaign was ever seen with (old UTMs carry old names),
        # stamped when first seen; the known names travel in state with the data.
        known = dlt.current.resource_state().setdefault("known_names", [])
        key = "|".join((row["customer_id"], row["campaign_id"], row["campaign_name"] or ""))
        if key not in known:
            known.append(key)
            yield {
                "customer_id": row["customer_id"],
                "campaign_id": row["campaign_id"],
                "campaign_name": row["campaign_name"],
                "first_seen_at": extracted_at,
            }

    @dlt.resource(**STATS_HINTS)
    def campaign_stats() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        last = state.get("last_loaded_date")
        start, stop = stats_window(date.fromisoformat(last) if last else None, end, config)
        query = (
            "SELECT customer.id, campaign.id, segments.date, metrics.impressions, metrics.clicks, "
            "metrics.cost_micros, metrics.conversions, metrics.conversions_value FROM campaign "
            f"WHERE segments.date BETWEEN '{start.isoformat()}' AND '{stop.isoformat()}'"
        )
        for customer_id in api.customer_ids():
            for batch in api.stream(customer_id, query):
                if batch:
                    yield stats_table(customer_id, batch, extracted_at)
        state["last_loaded_date"] = max(stop, date.fromisoformat(last) if last else stop).isoformat()
        state["last_window"] = [start.isoformat(), stop.isoformat()]

    return [customers, campaigns, campaign_name_history, campaign_stats]
