"""An incremental `dbt build` after one more day of data, against the full build before it.

Builds the sandbox company with its ad platforms at `--scale` (two years of
history; the default gives over 1,000,000 ad-stat rows across Google Ads, Meta,
LinkedIn and Microsoft Advertising) and its CRMs at `--crm-scale`, in a fresh
warehouse under `--home`. Raw data arrives the way production gets it: the
real extract DAGs (`dag.test()`) call the sandbox APIs over HTTP. The CRM is
kept at the demo's size because the HubSpot imitation answers a search by
scanning every record, which at a million ad rows' worth of leads takes hours,
and the ad volume is what an incremental build has to keep out of its reads.
Leads reference the ad campaigns by name, as UTMs do.

Then the timed part: a full `dbt build` as the transform DAG runs it (seeds,
models and data tests; `transform.PRODUCTION_BUILD`), one more day (every platform's new day, restated days
inside each lookback window, a few new leads and a new deal, a deal won),
extracted again by the same DAGs, and the incremental `dbt build` over it.
Both times include dbt's start-up and its tests; the per-node sums (models vs
tests, 4 threads) are printed too. So is the floor under any incremental
build, measured in the same run: a `dbt build` that selects no node (start-up,
partial parse, writing the manifest) and its share of the full build. An
incremental build cannot be cheaper than that share.

    .venv/bin/python bench/dbt_incremental.py [--scale 70] [--crm-scale 1] [--home DIR] [--keep]

Last lines: startup_over_full=<build selecting no node s ÷ full build s>, then
incremental_over_full=<incremental build s ÷ full build s>. Target: <= 0.05.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any


def widen_ad_platforms(company: Any, scale: float) -> None:
    """Give the company the ad platforms the generator builds at `scale` (same seed, same history)."""
    from funnelhouse.sandbox import company as generator

    start = company.today - timedelta(days=generator.HISTORY_DAYS)
    company.google_ads, _ = generator._build_google_ads(random.Random(company.seed), scale, start, company.today)
    for spec in generator.PLATFORMS:
        data, _ = generator._build_platform(spec, company.seed, scale, start, company.today)
        setattr(company, {"meta_ads": "meta", "linkedin_ads": "linkedin"}.get(spec.platform, spec.platform), data)


def ad_rows(company: Any) -> dict[str, int]:
    return {"google_ads": len(company.google_ads.stats), "meta_ads": len(company.meta.stats),
            "linkedin_ads": len(company.linkedin.stats), "microsoft_ads": len(company.microsoft_ads.stats)}


def next_day(sandbox: Any) -> dict[str, int]:
    """One more day at every vendor: new stats, restated recent days, new leads, a new deal, a deal won."""
    from funnelhouse.sandbox.company import iso

    company = sandbox.company
    day = company.today  # the day that ends before the next run
    company.today, company.now = company.today + timedelta(days=1), company.now + timedelta(days=1)
    changed = {"new_stat_rows": 0, "restated_stat_rows": 0}
    last = day - timedelta(days=1)
    for stat in [s for s in company.google_ads.stats if s.date == last]:
        sandbox.google_ads.add_stat(replace(stat, date=day, clicks=stat.clicks + 1))
        changed["new_stat_rows"] += 1
    changed["restated_stat_rows"] += len(sandbox.google_ads.restate(day - timedelta(days=5)))
    for server in (sandbox.meta, sandbox.linkedin, sandbox.microsoft_ads):
        for stat in [s for s in server.data.stats if s.date == last]:
            server.add_stat(replace(stat, date=day, clicks=stat.clicks + 1))
            changed["new_stat_rows"] += 1
        changed["restated_stat_rows"] += len(server.restate(day - timedelta(days=3)))

    hubspot = sandbox.hubspot
    recent = sorted((c for c in company.hubspot.contacts if not c.archived), key=lambda c: c.created_at)[-3:]
    leads = []
    for i, contact in enumerate(recent):
        props = dict(contact.properties)
        props["email"] = f"next.day.{i}@{(props.get('email') or 'example.com').split('@')[-1]}"
        props.update(lifecyclestage="lead", hubspot_owner_id=None,
                     **{k: None for k in props if k.startswith("hs_lifecyclestage_") and k.endswith("_date")})
        leads.append(hubspot.create("contacts", props))
    model = next(d for d in reversed(company.hubspot.deals) if d.properties["dealstage"] != "closedwon")
    props = dict(model.properties)
    props.update(dealname=f"{props['dealname']} (next day)", dealstage="appointmentscheduled",
                 hs_is_closed="false", hs_is_closed_won="false", closedate=None)
    hubspot.create("deals", props, {"contacts": [leads[0].id]})
    hubspot.update("deals", model.id, {"dealstage": "closedwon", "hs_is_closed": "true", "hs_is_closed_won": "true",
                                       "closedate": iso(hubspot.clock)})
    changed.update(new_leads=len(leads), new_deals=1, deals_won=1)
    return changed


def node_times(target: Path) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """Summed execution time per resource type, and each node's time by type, from run_results.json."""
    body = json.loads((target / "run_results.json").read_text())
    sums: dict[str, float] = {}
    nodes: dict[str, list[tuple[float, str]]] = {}
    for res in body["results"]:
        kind, name = res["unique_id"].split(".")[0], res["unique_id"].split(".")[2]
        sums[kind] = sums.get(kind, 0.0) + res["execution_time"]
        nodes.setdefault(kind, []).append((res["execution_time"], name))
    return sums, {kind: sorted(times, reverse=True) for kind, times in nodes.items()}


def timed_build(label: str) -> float:
    from funnelhouse import transform

    started = time.perf_counter()
    result = transform.run(*transform.PRODUCTION_BUILD)
    elapsed = time.perf_counter() - started
    sums, nodes = node_times(transform.target_dir())
    print(f"{label}: {elapsed:7.1f} s  {result}")
    print("  summed node time (4 threads): " + ", ".join(f"{k}={v:.1f}s" for k, v in sorted(sums.items())))
    for kind in ("model", "test"):
        print(f"  slowest {kind}s: " + ", ".join(f"{name} {secs:.1f}s" for secs, name in nodes.get(kind, [])[:6]))
    return elapsed


def startup_floor() -> float:
    """Seconds of a production `dbt build` that selects no node: what every build pays before its first node."""
    from funnelhouse import transform

    started = time.perf_counter()
    transform.run(*transform.PRODUCTION_BUILD, "--select", NO_NODE)
    return time.perf_counter() - started


# A tag no node carries: the build parses the project, selects nothing and stops.
NO_NODE = "tag:funnelhouse-bench-selects-no-node"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=70.0, help="ad platforms' scale (70: about 1.03M stat rows)")
    parser.add_argument("--crm-scale", type=float, default=1.0, help="the CRMs' scale (1: the demo's company)")
    parser.add_argument("--home", type=Path, default=Path("/tmp/funnelhouse-bench-incremental"),
                        help="a funnelhouse home of its own; wiped first")
    parser.add_argument("--keep", action="store_true", help="leave the warehouse running afterwards")
    args = parser.parse_args()

    os.environ["FUNNELHOUSE_HOME"] = str(args.home)
    from funnelhouse import settings
    from funnelhouse.warehouse import embedded

    if args.home.exists():
        embedded.stop()
        shutil.rmtree(args.home)
    settings.disable_telemetry()
    from funnelhouse.demo import DEMO_LOGICAL_DATE, EXTRACT_DAGS, run_pipeline
    from funnelhouse.sandbox import build_company, start_sandbox
    from funnelhouse.warehouse import layout

    embedded.start()
    layout.bootstrap()
    try:
        started = time.perf_counter()
        company = build_company(scale=args.crm_scale)
        widen_ad_platforms(company, args.scale)
        rows = ad_rows(company)
        summary = company.summary()
        print(f"sandbox company: ad scale {args.scale:g}, crm scale {args.crm_scale:g}, "
              f"generated in {time.perf_counter() - started:.1f} s")
        print(f"  ad_stat_rows={sum(rows.values()):,} (" + ", ".join(f"{k}={v:,}" for k, v in rows.items())
              + f"), hubspot_contacts={summary['hubspot_contacts']:,}, hubspot_deals={summary['hubspot_deals']:,}")
        with start_sandbox(company=company) as sandbox:
            started = time.perf_counter()
            run_pipeline(sandbox, dag_ids=EXTRACT_DAGS, say=lambda line: print(line, flush=True))
            print(f"extract (HTTP, history): {time.perf_counter() - started:.1f} s")
            full = timed_build("full build       ")
            floor = startup_floor()
            print(f"dbt start-up (a build that selects no node): {floor:.1f} s = {floor / full:.3f} of the full build")

            changed = next_day(sandbox)
            print("next day: " + ", ".join(f"{k}={v}" for k, v in changed.items()))
            started = time.perf_counter()
            run_pipeline(sandbox, DEMO_LOGICAL_DATE + timedelta(days=1), dag_ids=EXTRACT_DAGS, say=lambda line: None)
            print(f"extract (HTTP, lookback windows): {time.perf_counter() - started:.1f} s")
            incremental = timed_build("incremental build")
    finally:
        if not args.keep:
            import sys

            if "airflow.settings" in sys.modules:  # close Airflow's pooled connections before the server goes
                sys.modules["airflow.settings"].dispose_orm()
            embedded.stop()
    print(f"startup_over_full={floor / full:.3f}")
    print(f"incremental_over_full={incremental / full:.3f}")


if __name__ == "__main__":
    main()
