"""The `funnelhouse` command."""

from __future__ import annotations

import argparse
import os
import sys


def _warehouse(args: argparse.Namespace) -> int:
    from funnelhouse import warehouse
    from funnelhouse.warehouse import embedded, layout

    if args.action == "start":
        if warehouse.is_external():
            print(f"using {warehouse.redact(warehouse.url())} (FUNNELHOUSE_WAREHOUSE_URL); nothing to start")
        else:
            embedded.start()
        layout.bootstrap()
        print(f"warehouse running: {warehouse.redact(warehouse.url())}")
    elif args.action == "stop":
        if warehouse.is_external():
            print("FUNNELHOUSE_WAREHOUSE_URL is set: the warehouse is not ours to stop")
        else:
            print("stopped" if embedded.stop() else "not running")
    elif args.action == "url":
        # The full URL, secret included, is what this command is for.
        print(warehouse.url())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from funnelhouse import demo

    return demo.main(scale=args.scale)


def _sandbox(args: argparse.Namespace) -> int:
    from funnelhouse.sandbox.__main__ import main

    forwarded = ["--scale", str(args.scale)]
    return main(forwarded)


def _bi_credentials(args: argparse.Namespace) -> int:
    from funnelhouse.warehouse import layout

    layout.bootstrap()
    print(layout.bi_url())
    return 0


def _airflow(args: argparse.Namespace) -> int:
    """Airflow standalone with the project's DAGs, metadata in the warehouse server."""
    from funnelhouse.orchestration import local

    local.configure()
    local.migrate()
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.execv(airflow, [airflow, "standalone"])
    return 0


def _report(args: argparse.Namespace) -> int:
    from funnelhouse.report.scorecard import scorecard

    print(scorecard())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="funnelhouse", description="The metrics warehouse marketing, sales and finance share.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("warehouse", help="the embedded PostgreSQL warehouse")
    p.add_argument("action", choices=["start", "stop", "url"])
    p.set_defaults(func=_warehouse)

    p = sub.add_parser("demo", help="run the whole pipeline against the sandbox company and print the scorecard")
    p.add_argument("--scale", type=float, default=1.0)
    p.set_defaults(func=_demo)

    p = sub.add_parser("sandbox", help="serve the sandbox vendor APIs until interrupted")
    p.add_argument("--scale", type=float, default=1.0)
    p.set_defaults(func=_sandbox)

    p = sub.add_parser("bi-credentials", help="print a connection string for the read-only BI role")
    p.set_defaults(func=_bi_credentials)

    p = sub.add_parser("airflow", help="start Airflow (standalone) with the project's DAGs on localhost:8080")
    p.set_defaults(func=_airflow)

    p = sub.add_parser("report", help="print the KPI scorecard from the published marts")
    p.set_defaults(func=_report)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
