"""The KPI scorecard: the shared numbers, read from the published marts only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from funnelhouse import settings, warehouse

MONTHS = 6

# One query, two groupings: totals per month, and per channel over the window.
SCORECARD_SQL = """
with window_bounds as (
    select date_trunc('month', max(date_day)) - interval '{months_back} months' as first_month,
           max(date_day) as last_day
    from {marts}.fct_funnel_daily
    where spend > 0 or leads > 0
),
funnel as (
    select f.*, date_trunc('month', f.date_day)::date as month
    from {marts}.fct_funnel_daily f, window_bounds w
    where f.date_day >= w.first_month and f.date_day <= w.last_day
)
select {group_col} as label,
       sum(spend) as spend,
       sum(leads) as leads,
       sum(won_deals) as won_deals,
       sum(won_revenue) as won_revenue,
       sum(new_customers) as new_customers
from funnel
group by 1
order by 1
"""


@dataclass(frozen=True)
class ScorecardRow:
    label: str
    spend: Decimal
    leads: int
    won_deals: int
    won_revenue: Decimal
    new_customers: int

    @property
    def cpl(self) -> Decimal | None:
        return self.spend / self.leads if self.leads else None

    @property
    def roas(self) -> Decimal | None:
        return self.won_revenue / self.spend if self.spend else None

    @property
    def cac(self) -> Decimal | None:
        return self.spend / self.new_customers if self.new_customers else None


def fetch(group_by: str, dsn: str | None = None) -> list[ScorecardRow]:
    column = {"month": "to_char(month, 'YYYY-MM')", "channel": "channel"}[group_by]
    query = SCORECARD_SQL.format(months_back=MONTHS - 1, marts=settings.PUBLISHED_SCHEMA, group_col=column)
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(query)
        return [ScorecardRow(str(r[0]), r[1] or Decimal(0), int(r[2] or 0), int(r[3] or 0), r[4] or Decimal(0), int(r[5] or 0))
                for r in cur.fetchall()]


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _ratio(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}x"


def render(rows: list[ScorecardRow], first: str) -> str:
    header = f"{first:<16}{'spend':>14}{'leads':>8}{'CPL':>10}{'won rev':>14}{'ROAS':>8}{'new cust':>10}{'CAC':>12}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.label:<16}{_money(r.spend):>14}{r.leads:>8}{_money(r.cpl):>10}{_money(r.won_revenue):>14}"
            f"{_ratio(r.roas):>8}{r.new_customers:>10}{_money(r.cac):>12}"
        )
    total = ScorecardRow("total", sum((r.spend for r in rows), Decimal(0)), sum(r.leads for r in rows),
                         sum(r.won_deals for r in rows), sum((r.won_revenue for r in rows), Decimal(0)),
                         sum(r.new_customers for r in rows))
    lines.append("-" * len(header))
    lines.append(
        f"{total.label:<16}{_money(total.spend):>14}{total.leads:>8}{_money(total.cpl):>10}{_money(total.won_revenue):>14}"
        f"{_ratio(total.roas):>8}{total.new_customers:>10}{_money(total.cac):>12}"
    )
    return "\n".join(lines)


def scorecard(dsn: str | None = None, currency: str = "USD") -> str:
    by_month = fetch("month", dsn)
    by_channel = fetch("channel", dsn)
    title = f"funnelhouse KPI scorecard — last {MONTHS} months, amounts in {currency}"
    return "\n".join([title, "", render(by_month, "month"), "", render(by_channel, "channel")])


def headline(dsn: str | None = None) -> dict[str, Any]:
    """The totals the scorecard prints, as numbers (for checks and tests)."""
    rows = fetch("month", dsn)
    return {
        "spend": sum((r.spend for r in rows), Decimal(0)),
        "leads": sum(r.leads for r in rows),
        "won_revenue": sum((r.won_revenue for r in rows), Decimal(0)),
        "new_customers": sum(r.new_customers for r in rows),
        "months": [r.label for r in rows],
    }
