"""The `funnelhouse` command."""

from __future__ import annotations

import argparse
import json
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
    if args.connections_file:
        return _sandbox_with_connections(args)
    from funnelhouse.sandbox.__main__ import main

    from funnelhouse.sandbox import fixed_ports

    forwarded = ["--scale", str(args.scale), "--host", args.host]
    for argument, port in fixed_ports(args.port_base).items():
        forwarded += ["--" + argument.replace("_", "-"), str(port)]
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
    bin_dir = os.path.dirname(sys.executable)
    # standalone starts its components as `airflow ...` subprocesses: they must find this venv's.
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    airflow = os.path.join(bin_dir, "airflow")
    os.execv(airflow, [airflow, "standalone"])
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from funnelhouse.load.files import import_directory
    from funnelhouse.sources.files import FileContractError

    try:
        result = import_directory(Path(args.directory))
    except FileContractError as exc:
        print(f"import failed, nothing loaded: {exc}", file=sys.stderr)
        return 2
    print(result.render())
    if result.quarantined and not args.allow_quarantine:
        print(f"\n{result.quarantined} line(s) quarantined; the good lines loaded. "
              "Fix and re-import, or pass --allow-quarantine to accept.", file=sys.stderr)
        return 1
    return 0


def _metrics(args: argparse.Namespace) -> int:
    """MetricFlow (`mf`) against the warehouse's build, with the dbt profile's connection set."""
    from funnelhouse import transform

    mf = os.path.join(os.path.dirname(sys.executable), "mf")
    if not os.path.exists(mf):
        print("MetricFlow is not installed: pip install dbt-metricflow (it is in requirements.lock)", file=sys.stderr)
        return 2
    # mf reads the semantic manifest from the project's own target/ folder.
    transform.run("parse", target=transform.project_dir() / "target")
    env = transform.dbt_env()
    env["DBT_PROFILES_DIR"] = str(transform.project_dir())
    os.chdir(transform.project_dir())
    os.execve(mf, [mf, *args.mf_args], env)
    return 0


def _report(args: argparse.Namespace) -> int:
    from funnelhouse.report.scorecard import scorecard

    print(scorecard())
    return 0


def _sandbox_with_connections(args: argparse.Namespace) -> int:
    """Serve the sandbox until SIGTERM, and write the Airflow connections that reach it (the docker/ demo)."""
    import dataclasses
    import signal
    import threading
    from types import SimpleNamespace
    from urllib.parse import urlsplit, urlunsplit

    from funnelhouse.demo import sandbox_connections
    from funnelhouse.sandbox import fixed_ports, start_sandbox

    sandbox = start_sandbox(args.scale, host=args.host, **fixed_ports(args.port_base))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        # The same sandbox, its servers seen from other machines: under --connections-host.
        view = SimpleNamespace(**{field.name: getattr(sandbox, field.name) for field in dataclasses.fields(sandbox)})
        for name, value in list(vars(view).items()):
            if args.connections_host and hasattr(value, "base_url"):
                parts = urlsplit(value.base_url)
                netloc = f"{args.connections_host}:{parts.port}"
                setattr(view, name, SimpleNamespace(base_url=urlunsplit(parts._replace(netloc=netloc))))
        conns = sandbox_connections(view)
        _write_private_json(args.connections_file, conns)
        for conn_id, conn in sorted(conns.items()):
            print(f"{conn_id:<28} {conn.get('host')}", flush=True)
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def _write_private_json(path: str, data: object) -> None:
    """Write JSON readable by this user only, complete or not at all (readers poll for the file)."""
    _write_private_text(path, json.dumps(data))


def _write_private_text(path: str, text: str) -> None:
    partial = f"{path}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(partial, path)


def _connections(args: argparse.Namespace) -> int:
    """Write the vendor connections as a file for `airflow connections import` (secrets go only there)."""
    from funnelhouse.orchestration.env_connections import HalfConfigured, from_environment

    try:
        conns = from_environment()
    except HalfConfigured as exc:
        raise SystemExit(f"funnelhouse connections: {exc}") from None
    if args.format == "env":
        # One AIRFLOW_CONN_<ID>=<json> line per connection, e.g. for `kubectl create secret --from-env-file`.
        _write_private_text(args.output, "".join(f"AIRFLOW_CONN_{conn_id.upper()}={json.dumps(conn)}\n"
                                                 for conn_id, conn in sorted(conns.items())))
    else:
        _write_private_json(args.output, conns)
    print("connections: " + (", ".join(sorted(conns)) or "none (no vendor credentials set)"))
    return 0


def _pools(args: argparse.Namespace) -> int:
    """Create the vendor API pools in the Airflow metadata database the environment configures."""
    from funnelhouse.orchestration.local import ensure_pools

    for name, slots, created in ensure_pools():
        print(f"pool {name:<20} {slots:>3} slots  {'created' if created else 'kept (already exists)'}")
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
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port-base", type=int, default=0,
                   help="serve HubSpot, Google Ads, Meta, LinkedIn, Microsoft Ads and Salesforce on this port and "
                        "the next five (default: free ports)")
    p.add_argument("--connections-file", help="also write Airflow connections to these servers here (mode 0600)")
    p.add_argument("--connections-host", help="host name under which other machines reach these servers")
    p.set_defaults(func=_sandbox)

    p = sub.add_parser("bi-credentials", help="print a connection string for the read-only BI role")
    p.set_defaults(func=_bi_credentials)

    p = sub.add_parser("airflow", help="start Airflow (standalone) with the project's DAGs on localhost:8080")
    p.set_defaults(func=_airflow)

    p = sub.add_parser("import", help="load the canonical CSV files of a directory (ad_performance.csv, leads.csv, ...)")
    p.add_argument("directory")
    p.add_argument("--allow-quarantine", action="store_true", help="exit 0 even if some lines were quarantined")
    p.set_defaults(func=_import)

    p = sub.add_parser("metrics", help="run MetricFlow against the warehouse, e.g. "
                                        "`funnelhouse metrics query --metrics cpl,roas --group-by metric_time__month`")
    p.add_argument("mf_args", nargs=argparse.REMAINDER, help="arguments for `mf`")
    p.set_defaults(func=_metrics)

    p = sub.add_parser("report", help="print the KPI scorecard from the published marts")
    p.set_defaults(func=_report)

    p = sub.add_parser("connections", help="write the vendor Airflow connections from the FUNNELHOUSE_<VENDOR>_* "
                                           "variables (docker/.env.example), for `airflow connections import`")
    p.add_argument("--output", required=True, help="the file to write (mode 0600)")
    p.add_argument("--format", choices=["json", "env"], default="json",
                   help="json: for `airflow connections import`; env: AIRFLOW_CONN_<ID>=<json> lines, "
                        "e.g. for a Kubernetes secret")
    p.set_defaults(func=_connections)

    p = sub.add_parser("pools", help="create the vendor API pools the DAGs use, in the Airflow metadata database "
                                     "that AIRFLOW__DATABASE__SQL_ALCHEMY_CONN names (existing pools keep their size)")
    p.set_defaults(func=_pools)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
