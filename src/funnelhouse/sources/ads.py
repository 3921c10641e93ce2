"""What the Meta, LinkedIn and Microsoft Advertising sources share.

Every ad platform lands the same raw shapes: `accounts`, `campaigns` (merged on
the key, every vendor field as delivered), `campaign_name_history`, and
`campaign_stats` as Arrow tables whose (account, day) partitions are replaced
inside a lookback window kept in dlt resource state, per account. Spend is a
decimal in the account currency (these platforms send decimal amounts, not
micros); a metric field the vendor starts sending lands as a new text column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import dlt
import pyarrow as pa

SPEND_TYPE = pa.decimal128(38, 9)
SPEND_QUANTUM = Decimal("1e-9")
DEFAULT_HISTORY_DAYS = 760
STATS_SCHEMA = pa.schema(
    [
        # The key columns: non-nullable, as dlt declares primary keys.
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        ("impressions", pa.int64()),
        ("clicks", pa.int64()),
        ("spend", SPEND_TYPE),
        ("conversions", pa.float64()),
        ("conversion_value", pa.float64()),
        ("_extracted_at", pa.timestamp("us", tz="UTC")),
    ]
)
STATS_HINTS: dict[str, Any] = {
    "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
    "primary_key": ["account_id", "campaign_id", "date"],
    "merge_key": ["account_id", "date"],
    "file_format": "parquet",
}


def config_extra(conn: Any) -> dict[str, Any]:
    return conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")


def host_url(conn: Any, default: str) -> str:
    host = conn.host or default
    if "://" not in host:
        host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
    return host


def id_list(value: Any, strip: str = "") -> tuple[str, ...]:
    """Ids from a JSON list or a comma/space separated string; `strip` drops a prefix (``act_``)."""
    if not value:
        return ()
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,\s]+", str(value))
    return tuple(str(i).strip().removeprefix(strip) for i in items if str(i).strip())


def optional_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def to_decimal(value: Any) -> Decimal | None:
    """A vendor money string ("12.34", "1,234.5") as a Decimal with at most 9 places."""
    if value is None:
        return None
    text = str(value).replace(",", "").strip()
    if text in ("", "--"):
        return None
    try:
        return Decimal(text).quantize(SPEND_QUANTUM, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc


def report_end(until: datetime, time_zone: str) -> date:
    """The last account-local day that has begun before `until` (a day still running is re-read later)."""
    return (until - timedelta(microseconds=1)).astimezone(ZoneInfo(time_zone)).date()


def stats_window(last_loaded: date | None, end: date, lookback_days: int, start_date: date | None,
                 history_days: int = DEFAULT_HISTORY_DAYS) -> tuple[date, date]:
    """First run: the whole history. Later runs: the lookback window before the last loaded day."""
    if last_loaded is None:
        start = start_date or end - timedelta(days=history_days)
    else:
        start = min(last_loaded, end) - timedelta(days=lookback_days - 1)
        if start_date:
            start = max(start, start_date)
    return start, end


def date_slices(start: date, end: date, days: int) -> Iterator[tuple[date, date]]:
    while start <= end:
        stop = min(end, start + timedelta(days=days - 1))
        yield start, stop
        start = stop + timedelta(days=1)


def account_state(account_id: str) -> dict[str, Any]:
    """This account's part of the stats resource's state (committed with the data)."""
    return dlt.current.resource_state().setdefault("accounts", {}).setdefault(account_id, {})


def window_for(account_id: str, end: date, lookback_days: int, start_date: date | None) -> tuple[date, date]:
    last = account_state(account_id).get("last_loaded_date")
    return stats_window(date.fromisoformat(last) if last else None, end, lookback_days, start_date)


def remember_window(account_id: str, start: date, stop: date) -> None:
    state = account_state(account_id)
    last = state.get("last_loaded_date")
    state["last_loaded_date"] = max(stop, date.fromisoformat(last) if last else stop).isoformat()
    state["last_window"] = [start.isoformat(), stop.isoformat()]


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass
class StatsBatch:
    """Rows of one account's stats collected column-wise, handed to dlt as Arrow tables."""

    account_id: str
    extracted_at: datetime
    columns: dict[str, list[Any]] = field(default_factory=lambda: {f.name: [] for f in STATS_SCHEMA})
    extras: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns["date"])

    def add(self, campaign_id: str, day: date, impressions: int | None, clicks: int | None, spend: Decimal | None,
            conversions: float | None, conversion_value: float | None, extra: dict[str, Any] | None = None) -> None:
        n = len(self)
        for name, value in (("account_id", self.account_id), ("campaign_id", campaign_id), ("date", day),
                            ("impressions", impressions), ("clicks", clicks), ("spend", spend),
                            ("conversions", conversions), ("conversion_value", conversion_value),
                            ("_extracted_at", self.extracted_at)):
            self.columns[name].append(value)
        for name, value in (extra or {}).items():
            # A field the vendor started sending: kept as text, like every raw vendor value we do not know.
            column = self.extras.setdefault(snake(name), [None] * n)
            column.append(None if value is None else (value if isinstance(value, str) else json.dumps(value)))
        for column in self.extras.values():
            if len(column) < n + 1:
                column.append(None)

    def table(self) -> pa.Table:
        table = pa.table(self.columns, schema=STATS_SCHEMA)
        for name, values in sorted(self.extras.items()):
            if name not in STATS_SCHEMA.names:
                table = table.append_column(pa.field(name, pa.string()), pa.array(values, pa.string()))
        return table

    def drain(self, at_least: int = 1) -> Iterator[pa.Table]:
        """The collected rows as one table (if there are `at_least` of them), then start afresh."""
        if len(self) >= at_least and len(self):
            yield self.table()
            self.columns = {f.name: [] for f in STATS_SCHEMA}
            self.extras = {}


def campaign_name_history(campaigns: Any) -> Any:
    """Every name a campaign was ever seen with, stamped when first seen; known names live in state."""

    @dlt.transformer(
        data_from=campaigns,
        name="campaign_name_history",
        write_disposition="merge",
        primary_key=["account_id", "campaign_id", "campaign_name"],
    )
    def history(row: dict[str, Any]) -> Iterable[dict[str, Any]]:
        known = dlt.current.resource_state().setdefault("known_names", [])
        key = "|".join((row["account_id"], row["campaign_id"], row["campaign_name"] or ""))
        if key not in known:
            known.append(key)
            yield {
                "account_id": row["account_id"],
                "campaign_id": row["campaign_id"],
                "campaign_name": row["campaign_name"],
                "first_seen_at": row["_extracted_at"],
            }

    return history


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
