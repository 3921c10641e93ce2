"""The canonical CSV import: for teams without API access and for any other CRM.

`funnelhouse import DIR` reads whichever of the known files exist. Every
line is checked against its file's column contract; a line that breaks it
goes to `raw_files.quarantine` with its file, line number, reason and the
original text, and the good lines load. Files stream in chunks, so memory
stays flat however large they are.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterator

import dlt
import pyarrow as pa

CHUNK_ROWS = 50_000

# ISO 4217 codes in use; a code outside this list is a typo, not a currency.
ISO_CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
    GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)


class LineError(ValueError):
    """One field of one line breaks the contract; the message names the field."""


def _text(value: str) -> str:
    return value


def _lower(value: str) -> str:
    return value.lower()


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LineError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LineError(f"{value!r} is not an ISO 8601 timestamp") from None
    # Without an offset a timestamp is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _number(value: str) -> Decimal:
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", value):
        raise LineError(f"{value!r} is not a number ('.' is the decimal separator, no thousands separator)")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise LineError(f"{value!r} is not a number") from None


def _non_negative(value: str) -> Decimal:
    number = _number(value)
    if number < 0:
        raise LineError(f"{value} is negative")
    return number


def _count(value: str) -> int:
    if not re.fullmatch(r"\d+", value):
        raise LineError(f"{value!r} is not a non-negative whole number")
    return int(value)


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "t", "1", "yes", "y"):
        return True
    if lowered in ("false", "f", "0", "no", "n"):
        return False
    raise LineError(f"{value!r} is not a boolean (true/false)")


def _currency(value: str) -> str:
    code = value.upper()
    if code not in ISO_CURRENCIES:
        raise LineError(f"{value!r} is not a known ISO 4217 currency code")
    return code


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.lower() not in allowed:
            raise LineError(f"{value!r} is not one of {', '.join(allowed)}")
        return value.lower()

    return parse


ARROW_TYPES = {
    _text: pa.string(), _lower: pa.string(), _date: pa.date32(),
    _timestamp: pa.timestamp("us", tz="UTC"), _number: pa.decimal128(38, 9),
    _non_negative: pa.decimal128(38, 9), _count: pa.int64(), _boolean: pa.bool_(), _currency: pa.string(),
}


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = _text
    required: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES.get(self.parse, pa.string())


@dataclass(frozen=True)
class FileSpec:
    """One canonical file: its columns, its key, and how a re-import replaces old rows."""

    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Re-importing replaces these partitions whole (rows missing from the new file disappear).
    replace_by: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.table}.csv"

    def arrow_schema(self) -> pa.Schema:
        fields = [pa.field(c.name, c.arrow_type, nullable=c.name not in self.key) for c in self.columns]
        fields += [pa.field("_source_file", pa.string()), pa.field("_source_line", pa.int64())]
        return pa.schema(fields)


R = True  # required
SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "ad_performance",
        (Column("date", _date, R), Column("platform", _lower, R), Column("account_id", _text, R),
         Column("currency", _currency, R), Column("campaign_id", _text, R), Column("campaign_name"),
         Column("spend", _non_negative, R), Column("impressions", _count), Column("clicks", _count),
         Column("conversions", _non_negative), Column("conversion_value", _non_negative)),
        key=("date", "platform", "account_id", "campaign_id"),
        replace_by=("date", "platform", "account_id"),
    ),
    FileSpec(
        "leads",
        (Column("lead_id", _text, R), Column("created_at", _timestamp, R), Column("email"), Column("account_id"),
         Column("utm_source"), Column("utm_medium"), Column("utm_campaign"), Column("original_source"),
         Column("mql_at", _timestamp), Column("sql_at", _timestamp), Column("owner_id")),
        key=("lead_id",),
    ),
    FileSpec(
        "deals",
        (Column("deal_id", _text, R), Column("account_id"), Column("lead_id"), Column("created_at", _timestamp, R),
         Column("closed_at", _timestamp), Column("is_closed", _boolean, R), Column("is_won", _boolean, R),
         Column("amount", _non_negative), Column("currency", _currency, R), Column("owner_id")),
        key=("deal_id",),
    ),
    FileSpec(
        "activities",
        (Column("activity_id", _text, R), Column("lead_id", _text, R), Column("owner_id"),
         Column("activity_type", _one_of("call", "email", "meeting", "task"), R),
         Column("occurred_at", _timestamp, R)),
        key=("activity_id",),
    ),
    FileSpec(
        "touchpoints",
        (Column("touchpoint_id", _text, R), Column("lead_id", _text, R), Column("occurred_at", _timestamp, R),
         Column("utm_source"), Column("utm_medium"), Column("utm_campaign")),
        key=("touchpoint_id",),
    ),
    FileSpec(
        "invoices",
        (Column("invoice_id", _text, R), Column("invoice_date", _date, R),
         Column("invoice_type", _one_of("ad_platform", "customer"), R), Column("platform", _lower),
         Column("account_id"), Column("deal_id"), Column("amount", _number, R), Column("currency", _currency, R)),
        key=("invoice_id",),
    ),
    FileSpec(
        "fx_rates",
        (Column("rate_date", _date, R), Column("currency_code", _currency, R), Column("usd_per_unit", _non_negative, R)),
        key=("rate_date", "currency_code"),
    ),
)
SPECS_BY_FILE = {spec.filename: spec for spec in SPECS}


class FileContractError(ValueError):
    """A whole file cannot be read (missing columns, not UTF-8): nothing of it loads."""


@dataclass
class FileReport:
    file: str
    lines: int = 0
    loaded: int = 0
    quarantined: int = 0
    samples: list[str] = field(default_factory=list)


def _check_line(spec: FileSpec, raw: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in spec.columns:
        value = (raw.get(column.name) or "").strip()
        if not value:
            if column.required:
                raise LineError(f"field '{column.name}' is empty but required")
            row[column.name] = None
            continue
        try:
            row[column.name] = column.parse(value)
        except LineError as exc:
            raise LineError(f"field '{column.name}': {exc}") from None
    if spec.table == "deals" and row["is_won"] and not row["is_closed"]:
        raise LineError("field 'is_won': a won deal must be closed (is_closed=true)")
    if spec.table == "deals" and row["is_closed"] and row["closed_at"] is None:
        raise LineError("field 'closed_at' is empty but the deal is closed")
    return row


def read_file(path: Path, spec: FileSpec, report: FileReport, quarantine: list[dict[str, Any]]) -> Iterator[pa.Table]:
    """Good lines as Arrow tables of up to CHUNK_ROWS rows; bad lines appended to `quarantine`."""
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.DictReader(handle)
    header = read_header(path, spec)
    reader.fieldnames = header
    next(reader.reader, None)  # the header row, already checked
    schema = spec.arrow_schema()
    seen: dict[tuple, int] = {}
    batch: list[dict[str, Any]] = []
    with handle:
        try:
            for raw in reader:
                line = reader.line_num
                report.lines += 1
                try:
                    if None in raw:
                        raise LineError(f"{len(header) + len(raw[None])} fields where the header has {len(header)}")
                    row = _check_line(spec, raw)
                    key = tuple(row[k] for k in spec.key)
                    if key in seen:
                        raise LineError(f"duplicate {'+'.join(spec.key)} {'/'.join(map(str, key))}, first on line {seen[key]}")
                    seen[key] = line
                except LineError as exc:
                    report.quarantined += 1
                    reason = str(exc)
                    if len(report.samples) < 10:
                        report.samples.append(f"{path.name}:{line}: {reason}")
                    quarantine.append({
                        "source_file": path.name, "source_line": line, "target_table": spec.table,
                        "reason": reason, "payload": json.dumps({k: v for k, v in raw.items() if k is not None}),
                    })
                    continue
                batch.append(row | {"_source_file": path.name, "_source_line": line})
                report.loaded += 1
                if len(batch) >= CHUNK_ROWS:
                    yield pa.Table.from_pylist(batch, schema=schema)
                    batch = []
        except UnicodeDecodeError:
            raise FileContractError(f"{path.name}: not UTF-8 text (after line {reader.line_num})") from None
    if batch:
        yield pa.Table.from_pylist(batch, schema=schema)


def read_header(path: Path, spec: FileSpec) -> list[str]:
    """The header row, trimmed; raises when a required column is missing."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = [h.strip() for h in next(csv.reader(handle), [])]
    except UnicodeDecodeError:
        raise FileContractError(f"{path.name}: not UTF-8 text") from None
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        raise FileContractError(f"{path.name}: missing column(s) {', '.join(missing)} in the header row")
    return header


def discover(directory: Path) -> list[tuple[Path, FileSpec]]:
    """The known files in `directory`, each with a readable header; checked before anything loads."""
    if not directory.is_dir():
        raise FileContractError(f"{directory}: not a directory")
    found = [(directory / name, spec) for name, spec in SPECS_BY_FILE.items() if (directory / name).is_file()]
    if not found:
        raise FileContractError(f"{directory}: none of {', '.join(SPECS_BY_FILE)} found")
    for path, spec in found:
        read_header(path, spec)
    return found


@dlt.source(name="files", max_table_nesting=0)
def files_source(directory: Path, reports: dict[str, FileReport]) -> list[Any]:
    """One resource per file found, plus the quarantine of every line that broke its contract."""
    quarantined: list[dict[str, Any]] = []
    resources = []
    imported_at = datetime.now(timezone.utc)
    for path, spec in discover(directory):
        report = reports.setdefault(path.name, FileReport(path.name))
        disposition: dict[str, Any] = (
            {"disposition": "merge", "strategy": "delete-insert"} if spec.replace_by else {"disposition": "merge"}
        )
        resources.append(
            dlt.resource(
                read_file(path, spec, report, quarantined),
                name=spec.table,
                write_disposition=disposition,
                primary_key=list(spec.key),
                merge_key=list(spec.replace_by) or None,
            )
        )

    def quarantine_rows() -> Iterator[dict[str, Any]]:
        # Runs after the file resources (dlt evaluates resources in order).
        for row in quarantined:
            yield row | {"quarantined_at": imported_at}

    resources.append(dlt.resource(quarantine_rows, name="quarantine", write_disposition="append",
                                  columns={"source_line": {"data_type": "bigint"}, "payload": {"data_type": "json"}}))
    return resources
