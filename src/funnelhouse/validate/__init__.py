"""Audit: run the Great Expectations suites in expectations/ against the build schema.

Each suite is a hand-written JSON file named after the model it guards. The
context is built here, at run time, and lives only for the run: nothing
connects at import time, and nothing generated is kept in the repository.
Every expectation result is written to audit.expectation_results.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg2 import sql

from funnelhouse import settings, warehouse

log = logging.getLogger(__name__)

BLOCKING = "critical"
# `{raw_<source>}.<table>` in a suite's query: a raw table of one source.
RAW_TABLE = re.compile(r"\{raw_(\w+)\}\.(\w+)")


@dataclass
class ExpectationOutcome:
    suite: str
    model: str
    expectation: str
    severity: str
    success: bool
    observed_value: Any
    details: str

    @property
    def blocks(self) -> bool:
        return not self.success and self.severity == BLOCKING


@dataclass
class AuditReport:
    run_id: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    docs: Path | None = None

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.blocks]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and not o.blocks]

    def summary(self) -> str:
        failed = self.blocking_failures
        skipped = sum(1 for o in self.outcomes if o.details.startswith("not applicable"))
        lines = [f"audit {self.run_id}: {len(self.outcomes)} expectations, {len(failed)} blocking failures, "
                 f"{len(self.warnings)} warnings" + (f", {skipped} not applicable" if skipped else "")]
        for o in failed + self.warnings:
            lines.append(f"  [{o.severity}] {o.model}: {o.expectation} observed {o.observed_value!r} {o.details}".rstrip())
        if self.docs:
            lines.append(f"Data Docs: {self.docs.as_uri()}")
        return "\n".join(lines)


class AuditFailed(RuntimeError):
    def __init__(self, report: AuditReport):
        self.report = report
        super().__init__("blocking expectations failed; nothing was published\n" + report.summary())


def suites_dir() -> Path:
    return settings.project_root() / "expectations"


def load_suites(directory: Path | None = None) -> list[dict[str, Any]]:
    suites = []
    for path in sorted((directory or suites_dir()).glob("*.json")):
        suite = json.loads(path.read_text())
        suite.setdefault("model", path.stem)
        suite["_path"] = str(path)
        suites.append(suite)
    return suites


def _expectation(config: dict[str, Any], schema: str) -> Any:
    import great_expectations as gx

    name = "".join(part.capitalize() for part in config["type"].split("_"))
    cls = getattr(gx.expectations, name, None)
    if cls is None:
        raise ValueError(f"unknown expectation type {config['type']!r}")
    kwargs = dict(config.get("kwargs", {}))
    if "unexpected_rows_query" in kwargs:
        # Suites name schemas symbolically so one file works for any deployment.
        kwargs["unexpected_rows_query"] = kwargs["unexpected_rows_query"].format(
            build=schema, audit=settings.AUDIT_SCHEMA, **{f"raw_{k}": v for k, v in settings.RAW_SCHEMAS.items()},
            batch="{batch}",
        )
    return cls(**kwargs, severity=config.get("severity", BLOCKING), description=config.get("description"))


def _observed(result: Any) -> tuple[Any, str]:
    body = result.result or {}
    observed = body.get("observed_value")
    if observed is None and "unexpected_count" in body:
        observed = body["unexpected_count"]
    sample = body.get("partial_unexpected_list") or body.get("details", {}).get("unexpected_rows")
    details = ""
    if sample:
        details = "e.g. " + json.dumps(sample[:5], default=str)
    info = result.exception_info or {}
    # GX reports one exception per expectation, or one per metric it failed to compute.
    errors = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for error in errors:
        if error.get("raised_exception"):
            details = "error: " + str(error.get("exception_message")).splitlines()[0][:300]
            break
    return observed, details


def docs_dir() -> Path:
    return settings.home() / "data_docs"


def _context(url: str) -> tuple[Any, Any]:
    """An ephemeral GX context with the warehouse as a data source and a local Data Docs site."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.add_data_docs_site(
        "funnelhouse",
        {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir())},
        },
    )
    source = context.data_sources.add_postgres(
        name="warehouse", connection_string=url.replace("postgresql://", "postgresql+psycopg2://", 1)
    )
    return context, source


def audit(run_id: str, dsn: str | None = None, schema: str = settings.BUILD_SCHEMA, directory: Path | None = None) -> AuditReport:
    """Validate every suite in one checkpoint; record every result and render Data Docs.

    Raises AuditFailed on a blocking failure (after recording and rendering).
    """
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    settings.disable_telemetry()
    url = warehouse.normalise(dsn or warehouse.url())
    context, source = _context(url)
    definitions = []
    skipped: list[ExpectationOutcome] = []
    present = _relation_checker(url)
    for spec in load_suites(directory):
        model = spec["model"]
        batch_definition = source.add_table_asset(name=model, table_name=model, schema_name=schema).add_batch_definition_whole_table("whole_table")
        suite = context.suites.add(gx.ExpectationSuite(name=spec["name"], meta={"model": model}))
        for config in spec["expectations"]:
            # A check against a source's raw table applies once that source has loaded: a
            # warehouse fed only by the file import has no HubSpot or Google Ads tables.
            query = config.get("kwargs", {}).get("unexpected_rows_query", "")
            absent = [f"{settings.RAW_SCHEMAS[src]}.{table}" for src, table in RAW_TABLE.findall(query)
                      if not present(settings.RAW_SCHEMAS[src], table)]
            if absent:
                skipped.append(ExpectationOutcome(
                    spec["name"], model, config.get("description") or config["type"],
                    config.get("severity", BLOCKING), True, None,
                    f"not applicable: {', '.join(absent)} never loaded (source not in use)"))
                continue
            suite.add_expectation(_expectation(config, schema))
        definitions.append(context.validation_definitions.add(gx.ValidationDefinition(name=spec["name"], data=batch_definition, suite=suite)))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"audit_{run_id}", validation_definitions=definitions, result_format="COMPLETE",
            actions=[UpdateDataDocsAction(name="data_docs", site_names=["funnelhouse"])],
        )
    )
    result = checkpoint.run(run_id=gx.RunIdentifier(run_name=run_id))
    report = AuditReport(run_id, outcomes=list(skipped))
    for validation in result.run_results.values():
        suite_name = validation.suite_name
        model = (validation.meta or {}).get("expectation_suite_meta", {}).get("model") or suite_name
        for res in validation.results:
            config = res.expectation_config
            observed, details = _observed(res)
            label = config.description or f"{config.type}({_short_kwargs(config.kwargs)})"
            severity = str(getattr(config, "severity", None) or BLOCKING).split(".")[-1].lower()
            report.outcomes.append(ExpectationOutcome(suite_name, model, label, severity, bool(res.success), observed, details))
    _record(report, url)
    report.docs = docs_dir() / "index.html"
    log.info("%s", report.summary())
    log.info("Data Docs: %s", report.docs.as_uri())
    if report.blocking_failures:
        raise AuditFailed(report)
    return report


def _relation_checker(url: str) -> Any:
    """present(schema, table): whether that table exists, asked once per table."""
    seen: dict[tuple[str, str], bool] = {}

    def present(schema: str, table: str) -> bool:
        if (schema, table) not in seen:
            with warehouse.connect(url) as conn, conn.cursor() as cur:
                cur.execute("select to_regclass(%s) is not null", (f'"{schema}"."{table}"',))
                seen[(schema, table)] = cur.fetchone()[0]
        return seen[(schema, table)]

    return present


def _short_kwargs(kwargs: dict[str, Any]) -> str:
    keep = {k: v for k, v in kwargs.items() if k not in ("batch_id", "unexpected_rows_query")}
    return ", ".join(f"{k}={v}" for k, v in keep.items())


def _record(report: AuditReport, dsn: str) -> None:
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        for o in report.outcomes:
            cur.execute(
                sql.SQL(
                    "insert into {}.expectation_results (run_id, suite, model, expectation, severity, success, observed_value, details) "
                    "values (%s, %s, %s, %s, %s, %s, %s, %s)"
                ).format(sql.Identifier(settings.AUDIT_SCHEMA)),
                (report.run_id, o.suite, o.model, o.expectation, o.severity, o.success,
                 None if o.observed_value is None else json.dumps(o.observed_value, default=str), o.details),
            )
