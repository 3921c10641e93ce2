"""`funnelhouse import DIR` into the real warehouse: good lines load, bad lines
are quarantined with file, line and reason, and the exit code says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnelhouse.cli import main

HEADER = "date,platform,account_id,currency,campaign_id,campaign_name,spend,impressions,clicks,conversions,conversion_value"


def write(directory: Path, name: str, *lines: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def clean_files(sql, dsn):
    sql("drop schema if exists raw_files cascade")
    sql("delete from audit.load_ledger where source = 'files'")
    import shutil

    from funnelhouse import settings

    shutil.rmtree(settings.home() / "dlt" / "funnelhouse_files", ignore_errors=True)
    yield
    sql("drop schema if exists raw_files cascade")


def test_every_bad_input_class_is_quarantined_and_the_good_lines_load(tmp_path, clean_files, sql, capsys):
    write(
        tmp_path, "ad_performance.csv", HEADER,
        "2026-01-01,meta_ads,act_1,EUR,c1,Spring,100.50,1000,50,2,300",   # line 2: good
        "2026-01-01,meta_ads,act_1,EUR,c2,Summer,12,abc,5,0,0",          # 3: wrong type
        "2026-01-01,meta_ads,act_1,EURO,c3,Autumn,10,100,5,0,0",          # 4: unknown currency
        "2026-01-01,meta_ads,act_1,EUR,,Winter,10,100,5,0,0",              # 5: missing key
        "2026-01-01,meta_ads,act_1,EUR,c4,Promo,-3.00,100,5,0,0",          # 6: negative spend
        "2026-01-01,meta_ads,act_1,EUR,c1,Spring,1,1,1,0,0",               # 7: duplicate id
        "2026-01-02,Meta_Ads ,act_1,eur,c1,Spring,20,200,10,1,50",        # 8: good (case, spaces)
    )
    write(tmp_path, "leads.csv", "lead_id,created_at,email,utm_source",
          "L1,2026-01-01T10:00:00,a@example.com,facebook", "L1,2026-01-02T10:00:00,b@example.com,")

    assert main(["import", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "quarantined" in out.err

    loaded = sql("select date::text, platform, campaign_id, currency, spend::text, _source_line "
                 "from raw_files.ad_performance order by _source_line")
    assert loaded == [("2026-01-01", "meta_ads", "c1", "EUR", "100.500000000", 2),
                      ("2026-01-02", "meta_ads", "c1", "EUR", "20.000000000", 8)]
    quarantine = sql("select source_file, source_line, reason from raw_files.quarantine order by source_file, source_line")
    assert [(f, line) for f, line, _ in quarantine] == [
        ("ad_performance.csv", 3), ("ad_performance.csv", 4), ("ad_performance.csv", 5),
        ("ad_performance.csv", 6), ("ad_performance.csv", 7), ("leads.csv", 3),
    ]
    reasons = [reason for _, _, reason in quarantine]
    assert reasons[0] == "field 'impressions': 'abc' is not a non-negative whole number"
    assert reasons[1] == "field 'currency': 'EURO' is not a known ISO 4217 currency code"
    assert reasons[2] == "field 'campaign_id' is empty but required"
    assert reasons[3] == "field 'spend': -3.00 is negative"
    assert reasons[4] == "duplicate date+platform+account_id+campaign_id 2026-01-01/meta_ads/act_1/c1, first on line 2"
    assert reasons[5] == "duplicate lead_id L1, first on line 2"
    # The original text is kept, so nothing is lost.
    payload = sql("select payload->>'impressions' from raw_files.quarantine where source_line = 3")[0][0]
    assert payload == "abc"
    ledger = dict(sql("select table_name, rows_quarantined from audit.load_ledger where source = 'files' and rows_quarantined > 0"))
    assert ledger == {"ad_performance": 5, "leads": 1}


def test_allow_quarantine_exits_zero(tmp_path, clean_files):
    write(tmp_path, "fx_rates.csv", "rate_date,currency_code,usd_per_unit", "2026-01-01,EUR,1.1", "2026-01-01,XXX,1")
    assert main(["import", str(tmp_path), "--allow-quarantine"]) == 0


def test_a_file_missing_a_required_column_loads_nothing(tmp_path, clean_files, sql, capsys):
    write(tmp_path, "deals.csv", "deal_id,created_at,is_closed", "D1,2026-01-01,false")
    assert main(["import", str(tmp_path)]) == 2
    assert "deals.csv: missing column(s) is_won, currency" in capsys.readouterr().err
    assert sql("select count(*) from pg_tables where schemaname = 'raw_files' and tablename = 'deals'")[0][0] == 0


def test_reimport_is_idempotent_and_replaces_whole_account_days(tmp_path, clean_files, sql):
    write(tmp_path, "ad_performance.csv", HEADER,
          "2026-01-01,google_ads,123,USD,c1,Brand,10,100,5,0,0",
          "2026-01-01,google_ads,123,USD,c2,Generic,20,100,5,0,0",
          "2026-01-02,google_ads,123,USD,c1,Brand,30,100,5,0,0")
    assert main(["import", str(tmp_path)]) == 0
    assert main(["import", str(tmp_path)]) == 0
    assert sql("select count(*), sum(spend) from raw_files.ad_performance") == [(3, 60)]

    # A corrected export of Jan 1: c2 was refunded away entirely, c1 restated.
    write(tmp_path, "ad_performance.csv", HEADER, "2026-01-01,google_ads,123,USD,c1,Brand,11,100,5,0,0")
    assert main(["import", str(tmp_path)]) == 0
    rows = sql("select date::text, campaign_id, spend from raw_files.ad_performance order by 1, 2")
    assert rows == [("2026-01-01", "c1", 11), ("2026-01-02", "c1", 30)]


def test_timestamps_without_offset_are_utc_and_booleans_parse(tmp_path, clean_files, sql):
    write(tmp_path, "deals.csv", "deal_id,account_id,lead_id,created_at,closed_at,is_closed,is_won,amount,currency,owner_id",
          "D1,A1,L1,2026-01-01T09:00:00,2026-02-01T12:30:00+02:00,TRUE,yes,1000.00,gbp,O1",
          "D2,A1,,2026-01-05,,false,false,,USD,",
          "D3,A1,,2026-01-05,,false,true,5,USD,")
    assert main(["import", str(tmp_path)]) == 1
    rows = sql("select deal_id, created_at at time zone 'UTC', closed_at at time zone 'UTC', is_closed, is_won, currency "
               "from raw_files.deals order by deal_id")
    assert [(r[0], str(r[1]), str(r[2]), r[3], r[4], r[5]) for r in rows] == [
        ("D1", "2026-01-01 09:00:00", "2026-02-01 10:30:00", True, True, "GBP"),
        ("D2", "2026-01-05 00:00:00", "None", False, False, "USD"),
    ]
    assert sql("select reason from raw_files.quarantine")[0][0] == "field 'is_won': a won deal must be closed (is_closed=true)"
