"""The marts against numbers worked out by hand from METRICS.md.

tests/data/handmade/ is a small company in canonical CSV files, imported with
`funnelhouse import` into a database of its own and built with the real
`dbt build`. Every expected number below is computed in its comment from
those rows, never by SQL. The company (Q1 2024, before the first rate of the
FX seed, so only the imported rates apply):

- Google Ads account G-100 (USD): campaign 111 ran as "Spring Promo" in
  January and as "Brand Search" from February (one campaign, renamed), and
  campaign 333 "Display Test" spent 40 on 2024-01-25 and brought no lead.
- Meta Ads account M-200 (EUR): campaign 222 "Retargeting EU", 100 EUR on
  2024-01-10, 50 EUR on 2024-02-12 and 80 EUR on 2024-03-01.
- EUR rates: 1.10 on 2024-01-10, 1.20 on 2024-02-05, 1.25 on 2024-03-01.
  2024-02-12 has no rate and falls back 7 days to 2024-02-05's.
- Leads: L1 (google/cpc "Spring Promo", the campaign's old name), L2
  (facebook/paid_social), L3 (no UTMs, DIRECT_TRAFFIC, never touched) in
  January; L4 (google/cpc "Brand Search"), L5 (email, first call after 10
  days) in February; L6 (google/cpc " brand search ") and L7 (nothing known,
  never touched) in March.
- Deals: D1 (L1, 1000 USD, created 2024-02-15, won 2024-04-27: 100 days after
  L1's creation), D2 (L2, 2000 EUR, won 2024-03-01), D3 (L4, 500 USD, lost
  2024-03-10), D4 (no lead, 800 USD, won 2024-03-20), D5 (L2's account again,
  700 USD, won 2024-03-15), D6 (L5, 400 EUR, open since 2024-03-04).
- L1 has touchpoints 28, 21, 14 and 7 days before D1's creation (the first
  one records L1's own creation) and one after it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import pytest

from funnelhouse import settings, transform, warehouse
from funnelhouse.warehouse import layout

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "handmade"
# Ratios that do not end in decimal digits (2/3) are compared to this precision:
# PostgreSQL divides numerics to at least 16 significant digits.
TOLERANCE = Fraction(1, 10**12)


def fresh_database(dsn: str, name: str) -> str:
    """A new, empty database on the test run's server, with the warehouse layout."""
    with warehouse.connect(warehouse.with_database(dsn, "postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}"')
        cur.execute(f'create database "{name}"')
    url = warehouse.with_database(dsn, name)
    layout.bootstrap(url)
    return url


def import_files(url: str, directory: Path, home: Path) -> None:
    """`funnelhouse import DIR` as a user runs it, pointed at `url` (its own home for dlt state)."""
    env = dict(os.environ, FUNNELHOUSE_WAREHOUSE_URL=url, FUNNELHOUSE_HOME=str(home))
    proc = subprocess.run([sys.executable, "-m", "funnelhouse.cli", "import", str(directory)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"funnelhouse import exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"


Query = Callable[[str], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def marts(dsn, tmp_path_factory) -> Query:
    """The handmade company imported and built once; returns a query over its build schema."""
    work = tmp_path_factory.mktemp("handmade")
    url = fresh_database(dsn, "handmade")
    import_files(url, DATA, work / "home")
    # Models and seeds: the data tests run in every pipeline build; here the numbers are the test.
    transform.run("build", "--exclude-resource-type", "test", "unit_test", dsn=url, target=work / "target")

    def query(statement: str) -> list[dict[str, Any]]:
        with warehouse.connect(url) as conn, conn.cursor() as cur:
            cur.execute(f"set search_path to {settings.BUILD_SCHEMA}")
            cur.execute(statement)
            columns = [d[0] for d in cur.description]
            return [dict(zip(columns, row)) for row in cur.fetchall()]

    query.url = url
    return query


def one(query: Query, statement: str) -> dict[str, Any]:
    rows = query(statement)
    assert len(rows) == 1, f"{statement}: {len(rows)} rows"
    return rows[0]


def assert_row(actual: dict[str, Any], expected: dict[str, Any], what: str) -> None:
    """Each expected column equal; a Fraction within TOLERANCE; None only for None."""
    wrong = []
    for column, want in expected.items():
        got = actual[column]
        if want is None or got is None:
            ok = got is want
        elif isinstance(want, Fraction):
            ok = abs(Fraction(got) - want) < TOLERANCE
        else:
            ok = got == want
        if not ok:
            wrong.append(f"  {column}: mart {got!r}, by hand {want!r}")
    assert not wrong, f"{what}:\n" + "\n".join(wrong)


F = Fraction
D = Decimal


def test_spend_is_converted_at_the_spend_date_with_the_7_day_fallback(marts):
    rates = one(marts, "select count(*) as seed_rates from fx_rates where rate_date < '2024-10-01'")
    assert rates["seed_rates"] == 0, "the FX seed now covers the handmade company's dates: move them"
    rows = {
        (r["date_day"], r["campaign_id"]): r
        for r in marts("select date_day, campaign_id, currency_code, spend_local, spend, channel "
                       "from fct_ad_spend_daily where platform = 'meta_ads'")
    }
    assert set(rows) == {(date(2024, 1, 10), "222"), (date(2024, 2, 12), "222"), (date(2024, 3, 1), "222")}
    # 100 EUR × 1.10 (2024-01-10's own rate)
    assert_row(rows[date(2024, 1, 10), "222"], {"currency_code": "EUR", "spend_local": D("100"), "spend": D("110"),
                                                "channel": "paid_social"}, "meta 2024-01-10")
    # 50 EUR × 1.20: no rate on 2024-02-12, the latest of the 7 days before is 2024-02-05's
    assert_row(rows[date(2024, 2, 12), "222"], {"spend_local": D("50"), "spend": D("60")}, "meta 2024-02-12")
    # 80 EUR × 1.25
    assert_row(rows[date(2024, 3, 1), "222"], {"spend_local": D("80"), "spend": D("100")}, "meta 2024-03-01")
    # USD needs no rate; the renamed campaign is one campaign: 100 + 200 + 300 + 400
    renamed = one(marts, "select count(distinct campaign_key) as keys, sum(spend) as spend "
                         "from fct_ad_spend_daily where campaign_id = '111'")
    assert_row(renamed, {"keys": 1, "spend": D("1000")}, "campaign 111")
    campaign = one(marts, "select campaign_name, previous_campaign_names from dim_campaign where campaign_id = '111'")
    assert_row(campaign, {"campaign_name": "Brand Search", "previous_campaign_names": "Spring Promo"}, "dim_campaign 111")


def test_leads_attribute_to_campaigns_by_any_past_name(marts):
    leads = {r["source_lead_id"]: r for r in marts(
        "select source_lead_id, channel, platform, campaign_id, campaign_match_type, is_untouched_7d, "
        "speed_to_lead_hours, is_customer from fct_leads")}
    assert sorted(leads) == ["L1", "L2", "L3", "L4", "L5", "L6", "L7"]
    # utm_campaign "Spring Promo" is campaign 111's name before the rename
    assert_row(leads["L1"], {"channel": "paid_search", "platform": "google_ads", "campaign_id": "111",
                             "campaign_match_type": "previous_campaign_name", "is_customer": True,
                             # first call 2 h after creation
                             "speed_to_lead_hours": D(2), "is_untouched_7d": False}, "L1")
    # "retargeting eu" is 222's current name, lower-cased
    assert_row(leads["L2"], {"channel": "paid_social", "platform": "meta_ads", "campaign_id": "222",
                             "campaign_match_type": "campaign_name", "speed_to_lead_hours": D(4)}, "L2")
    # "Google " / "CPC" / " brand search ": case and spaces do not matter
    assert_row(leads["L6"], {"channel": "paid_search", "campaign_id": "111", "campaign_match_type": "campaign_name",
                             "speed_to_lead_hours": D(1)}, "L6")
    # no UTMs: the CRM's original source DIRECT_TRAFFIC; no sales touch at all
    assert_row(leads["L3"], {"channel": "direct", "campaign_id": None, "is_untouched_7d": True,
                             "speed_to_lead_hours": None}, "L3")
    # the first call came 240 h (10 days) after creation: untouched 7 days after it
    assert_row(leads["L5"], {"channel": "email", "campaign_id": None, "is_untouched_7d": True,
                             "speed_to_lead_hours": D(240)}, "L5")
    assert_row(leads["L7"], {"channel": "unattributed", "is_untouched_7d": True}, "L7")


def test_deal_amounts_convert_at_the_close_date_and_open_deals_at_creation(marts):
    deals = {r["source_deal_id"]: r for r in marts(
        "select source_deal_id, channel, campaign_id, primary_lead_id, amount_local, amount, amount_rate_date, "
        "is_first_won_deal_of_account from fct_deals")}
    # 2000 EUR × 1.25 (2024-03-01, the close date; creation's rate 1.10 does not apply)
    assert_row(deals["D2"], {"amount_local": D("2000"), "amount": D("2500"), "amount_rate_date": date(2024, 3, 1),
                             "channel": "paid_social", "campaign_id": "222", "is_first_won_deal_of_account": True},
               "D2")
    # open: 400 EUR × 1.25 at creation (2024-03-04, 3 days after the 2024-03-01 rate)
    assert_row(deals["D6"], {"amount": D("500"), "amount_rate_date": date(2024, 3, 4), "channel": "email"}, "D6")
    # A2's second won deal: not a new customer
    assert_row(deals["D5"], {"amount": D("700"), "is_first_won_deal_of_account": False}, "D5")
    # no lead: revenue without a source
    assert_row(deals["D4"], {"amount": D("800"), "primary_lead_id": None, "channel": "unattributed",
                             "is_first_won_deal_of_account": True}, "D4")


def test_kpi_scorecard_month_by_month(marts):
    months = {r["month_start_date"]: r for r in marts("select * from fct_kpi_scorecard")}
    # the first to the last month with any event (D1 is won in April)
    assert sorted(months) == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    assert_row(months[date(2024, 1, 1)], {
        # 100 + 200 + 40 (USD) + 100 EUR × 1.10
        "spend": D("450"),
        "leads": 3,  # L1, L2, L3
        "cpl": D("150"),  # 450 / 3
        "won_revenue": D("0"),
        "roas": D("0"),  # 0 / 450
        "cac": None,  # 450 / 0 new customers
        "mqls": 2,  # L1 (01-22), L2 (01-21)
        "sqls": 1,  # L2 (01-25); L1's is 02-01
        "speed_to_lead_hours": D(3),  # median of L1 2 h and L2 4 h; L3 has no touch
        "untouched_leads": 1,  # L3
        # of January's leads, L1 and L2 are linked to a won deal (whenever it was won)
        "leads_with_won_deal": 2,
        "lead_to_customer_rate": F(2, 3),
        "win_rate": None,  # nothing closed
        "arpa": None,
        # campaign 333 spent 40 and brought no lead; 111 has L1, 222 has L2
        "campaigns_spending_without_leads": 1,
        "has_campaigns_spending_without_leads": True,
        "has_untouched_leads": True,
        "has_won_deals_without_source": False,
    }, "scorecard 2024-01")
    assert_row(months[date(2024, 2, 1)], {
        "spend": D("360"),  # 300 + 50 EUR × 1.20 (fallback)
        "leads": 2,  # L4, L5
        "cpl": D("180"),
        "mqls": 2,  # L4, L5
        "sqls": 2,  # L1 (sql_at 02-01), L4 (its deal D3 on 02-20)
        "opportunities": 3,  # D1, D2, D3 created
        "speed_to_lead_hours": D(123),  # median of L4 6 h and L5 240 h
        "untouched_leads": 1,  # L5
        "campaigns_spending_without_leads": 1,  # 222 spent, no February lead
    }, "scorecard 2024-02")
    assert_row(months[date(2024, 3, 1)], {
        "spend": D("500"),  # 400 + 80 EUR × 1.25
        "leads": 2,  # L6, L7
        "cpl": D("250"),
        # D2 2000 EUR × 1.25 + D4 800 + D5 700
        "won_revenue": D("4000"),
        "won_deals": 3,
        "lost_deals": 1,  # D3
        "win_rate": F(3, 4),
        "new_customers": 2,  # A2 (D2), A9 (D4); D5 is A2's second
        "won_accounts": 2,
        "arpa": D("2000"),  # 4000 / 2 accounts
        "roas": D("8"),  # 4000 / 500
        "mer": D("8"),
        "cac": D("250"),  # 500 / 2
        # D2 and D5 are paid social; D4 has no source
        "marketing_sourced_revenue": D("3200"),
        "marketing_sourced_revenue_share": F(4, 5),
        "opportunities": 3,  # D4, D5, D6
        "sqls": 1,  # L5 through D6
        "speed_to_lead_hours": D(1),  # L6
        "untouched_leads": 1,  # L7
        "leads_with_won_deal": 0,
        "lead_to_customer_rate": D(0),
        "won_deals_without_source": 1,  # D4
        "campaigns_spending_without_leads": 1,  # 222; 111 has L6
        "has_won_deals_without_source": True,
    }, "scorecard 2024-03")
    assert_row(months[date(2024, 4, 1)], {
        "spend": D("0"),
        "won_revenue": D("1000"),  # D1, 100 days after L1
        "new_customers": 1,
        "roas": None,  # 1000 / 0 spend
        "cac": D("0"),  # 0 spend / 1 new customer
        "win_rate": D(1),
        "arpa": D("1000"),
        "marketing_sourced_revenue_share": D(1),  # paid search
        "has_campaigns_spending_without_leads": False,
        "has_untouched_leads": False,
    }, "scorecard 2024-04")


def test_channel_performance_of_paid_social_in_march(marts):
    row = one(marts, "select * from fct_channel_performance_monthly "
                     "where month_start_date = '2024-03-01' and channel = 'paid_social'")
    assert_row(row, {
        "platform": "meta_ads",
        "spend": D("100"),  # 80 EUR × 1.25
        "impressions": 4000,
        "clicks": 16,
        "ctr": F(16, 4000),
        "cpc": D("6.25"),  # 100 / 16
        "leads": 0,
        "cpl": None,  # 100 / 0 leads
        "opportunities": 1,  # D5 (L2)
        "won_deals": 2,  # D2, D5
        "won_revenue": D("3200"),  # 2500 + 700
        "roas": D("32"),  # 3200 / 100
        "new_customers": 1,  # A2
        "cac": D("100"),
        "win_rate": D(1),
        "won_accounts": 1,
        "arpa": D("3200"),
        "lead_to_customer_rate": None,
    }, "paid_social 2024-03")
    january = one(marts, "select * from fct_channel_performance_monthly "
                         "where month_start_date = '2024-01-01' and channel = 'paid_search'")
    assert_row(january, {
        "spend": D("340"),  # 100 + 200 + 40: campaign 333 counts though it brought no lead
        "clicks": 140,
        "ctr": F(140, 7000),
        "cpc": F(340, 140),
        "leads": 1,  # L1
        "cpl": D("340"),
        "leads_with_won_deal": 1,
        "lead_to_customer_rate": D(1),
    }, "paid_search 2024-01")


def test_lead_cohorts_count_what_converts_later(marts):
    cohorts = {r["channel"]: r for r in marts("select * from fct_lead_cohorts where cohort_month_start_date = '2024-01-01'")}
    assert sorted(cohorts) == ["direct", "paid_search", "paid_social"]
    # L1: MQL after 4 days, SQL after 14, opportunity (D1) after 28, customer after 100
    assert_row(cohorts["paid_search"], {
        "leads": 1, "mqls": 1, "sqls": 1, "opportunities": 1, "customers": 1, "leads_with_won_deal": 1,
        "lead_to_customer_rate": D(1), "won_revenue": D("1000"),
        "mqls_within_30d": 1, "opportunities_within_30d": 1, "customers_within_30d": 0,
        "customers_within_90d": 0, "won_revenue_within_90d": D(0),
        "customers_within_180d": 1, "won_revenue_within_180d": D("1000"),
        # as of 2024-04-27 (the latest CRM event) L1 is 100 days old
        "is_90d_window_complete": True, "is_180d_window_complete": False,
    }, "cohort 2024-01 paid_search")
    # L2: D2 won after 41 days (2500), D5 after 55 (700): both the lead's cohort revenue
    assert_row(cohorts["paid_social"], {
        "leads": 1, "customers": 1, "won_revenue": D("3200"),
        "customers_within_30d": 0, "won_revenue_within_30d": D(0),
        "customers_within_90d": 1, "won_revenue_within_90d": D("3200"),
    }, "cohort 2024-01 paid_social")
    assert_row(cohorts["direct"], {"leads": 1, "mqls": 0, "customers": 0, "lead_to_customer_rate": D(0)},
               "cohort 2024-01 direct")


def test_attribution_weights_of_a_four_touch_deal(marts):
    rows = marts("select attribution_model, touch_id, channel, campaign_id, touch_position, weight, "
                 "attributed_won_revenue from fct_attribution_touches where deal_id = 'files:D1'")
    # TP1 records L1's creation itself (same moment, same UTMs): counted once. TP5 came after
    # D1's creation. Left: TP1..TP4, 28, 21, 14 and 7 days before it.
    touches = {(r["touch_position"], r["touch_id"], r["channel"], r["campaign_id"]) for r in rows}
    assert touches == {(1, "files:TP1", "paid_search", "111"), (2, "files:TP2", "paid_social", "222"),
                       (3, "files:TP3", "email", None), (4, "files:TP4", "organic_search", None)}
    weights = {(r["attribution_model"], r["touch_position"]): r["weight"] for r in rows}
    revenue = {(r["attribution_model"], r["touch_position"]): r["attributed_won_revenue"] for r in rows}
    expected = {
        "first_touch": [F(1), F(0), F(0), F(0)],
        "last_touch": [F(0), F(0), F(0), F(1)],
        "linear": [F(1, 4)] * 4,
        "position_based": [F(2, 5), F(1, 10), F(1, 10), F(2, 5)],  # 40 %, 20 % / 2, 40 %
        # 0.5^(28/7), 0.5^(21/7), 0.5^(14/7), 0.5^(7/7) = 1/16, 1/8, 1/4, 1/2; they sum to 15/16
        "time_decay": [F(1, 15), F(2, 15), F(4, 15), F(8, 15)],
    }
    for model, shares in expected.items():
        assert_row({p: weights[model, p] for p in range(1, 5)}, dict(zip(range(1, 5), shares)), model)
        # D1 is 1000 USD won
        assert_row({p: revenue[model, p] for p in range(1, 5)}, {p: 1000 * s for p, s in zip(range(1, 5), shares)},
                   f"{model} revenue")
    # the deal without a lead keeps its whole weight on one placeholder in every model
    placeholder = marts("select attribution_model, touch_id, channel, weight, attributed_won_revenue "
                        "from fct_attribution_touches where deal_id = 'files:D4'")
    assert sorted(r["attribution_model"] for r in placeholder) == sorted(expected)
    for r in placeholder:
        assert_row(r, {"touch_id": "files:D4:no_touch", "channel": "unattributed", "weight": D(1),
                       "attributed_won_revenue": D("800")}, f"D4 {r['attribution_model']}")


def test_a_spend_day_without_a_rate_fails_the_build_naming_currency_and_date(dsn, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    # 2024-02-13 is 8 days after the latest EUR rate (2024-02-05): beyond the fallback
    with (data / "ad_performance.csv").open("a") as handle:
        handle.write("2024-02-13,meta_ads,M-200,EUR,222,Retargeting EU,10.00,500,4,0,0\n")
    url = fresh_database(dsn, "handmade_fx_gap")
    import_files(url, data, tmp_path / "home")

    with pytest.raises(transform.DbtError) as failure:  # the coverage check and what it reads, not every mart
        transform.run("build", "--select", "+assert_fx_coverage", dsn=url, target=tmp_path / "target")
    message = str(failure.value)
    assert "assert_fx_coverage" in message
    assert "currency_code=EUR" in message and "rate_date=2024-02-13" in message, message


def test_a_warehouse_fed_only_by_files_passes_the_audit_and_publishes(marts):
    """Checks against a source's raw tables wait until that source loads; every other check runs."""
    from funnelhouse import validate
    from funnelhouse.warehouse.publish import publish

    report = validate.audit("handmade-audit", dsn=marts.url)
    assert not report.blocking_failures, report.summary()
    skipped = {o.details for o in report.outcomes if o.details.startswith("not applicable")}
    assert any("raw_google_ads.campaign_stats" in d for d in skipped), skipped
    assert any("raw_hubspot.contacts" in d for d in skipped), skipped
    assert len(skipped) < len(report.outcomes) / 10  # the rest of the audit ran
    publish("handmade-audit", dsn=marts.url)
    with warehouse.connect(marts.url) as conn, conn.cursor() as cur:
        cur.execute(f"select sum(spend) from {settings.PUBLISHED_SCHEMA}.fct_ad_spend_daily")
        published = cur.fetchone()[0]
    assert published == one(marts, "select sum(spend) as s from fct_ad_spend_daily")["s"]
