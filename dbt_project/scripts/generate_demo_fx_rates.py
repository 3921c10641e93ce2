"""Write seeds/fx_rates.csv: deterministic demo FX rates for the sandbox.

One rate per currency per weekday (Monday to Friday) from 2024-10-01 through
2026-12-31, as USD per unit of the currency. Weekends have no rate, like a
central-bank reference rate, so the dbt project's fallback to the latest
rate of the previous `fx_fallback_days` days is exercised on real data.

Each currency follows a smooth mean-reverting walk inside a plausible band,
driven by a fixed seed: running the script twice writes the same file.

    python scripts/generate_demo_fx_rates.py [output.csv]
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

FIRST_DAY = date(2024, 10, 1)
LAST_DAY = date(2026, 12, 31)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "seeds" / "fx_rates.csv"


@dataclass(frozen=True)
class Band:
    currency_code: str
    low: float
    high: float
    seed: int


BANDS = (
    Band("EUR", 1.05, 1.12, 978),
    Band("GBP", 1.22, 1.32, 826),
    Band("CAD", 0.71, 0.76, 124),
)

# Daily pull back to the middle of the band, and the size of a daily step
# relative to the band's width: small enough that the curve looks smooth.
MEAN_REVERSION = 0.005
STEP = 0.05


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def walk(band: Band, days: list[date]) -> list[tuple[date, str]]:
    rng = random.Random(band.seed)
    middle = (band.low + band.high) / 2
    width = band.high - band.low
    value = middle
    drift = 0.0
    rates = []
    for day in days:
        # smoothed noise (an AR(1) drift) plus reversion to the middle
        drift = 0.8 * drift + 0.2 * rng.gauss(0.0, STEP * width)
        value += drift + MEAN_REVERSION * (middle - value)
        # reflect at the band's edges so the walk stays plausible
        if value > band.high:
            value, drift = 2 * band.high - value, -abs(drift)
        if value < band.low:
            value, drift = 2 * band.low - value, abs(drift)
        rates.append((day, f"{value:.6f}"))
    return rates


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    days = weekdays(FIRST_DAY, LAST_DAY)
    rows = sorted(
        (day.isoformat(), band.currency_code, rate)
        for band in BANDS
        for day, rate in walk(band, days)
    )
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["rate_date", "currency_code", "usd_per_unit"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rates to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
