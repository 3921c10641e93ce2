"""`funnelhouse import DIR`: the canonical CSV files through the same raw layer as the APIs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from funnelhouse import load
from funnelhouse.sources.files import FileReport, files_source


@dataclass
class ImportResult:
    summary: load.LoadSummary
    reports: dict[str, FileReport]

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.reports.values())

    def render(self) -> str:
        lines = [f"{'file':<22}{'lines':>9}{'loaded':>9}{'quarantined':>13}"]
        for name, r in sorted(self.reports.items()):
            lines.append(f"{name:<22}{r.lines:>9}{r.loaded:>9}{r.quarantined:>13}")
        samples = [s for r in self.reports.values() for s in r.samples]
        if samples:
            lines.append("")
            lines.append(f"quarantined lines (see raw_files.quarantine; load {self.summary.load_id}):")
            lines.extend(f"  {s}" for s in samples[:20])
        return "\n".join(lines)


def import_directory(directory: Path, dsn: str | None = None) -> ImportResult:
    from funnelhouse.warehouse.layout import bootstrap

    bootstrap(dsn)
    reports: dict[str, FileReport] = {}
    # Files one after another, the quarantine last: it collects what they rejected.
    os.environ["EXTRACT__NEXT_ITEM_MODE"] = "fifo"
    source = files_source(Path(directory), reports)
    summary = load.run(
        "files", source, dsn,
        quarantined=lambda: {name.removesuffix(".csv"): r.quarantined for name, r in reports.items() if r.quarantined},
    )
    return ImportResult(summary, reports)
