"""Serve the sandbox until interrupted: ``python -m funnelhouse.sandbox --scale 1``.

Base URLs go to stdout; secrets never do. They go only to ``--credentials-file``,
created with mode 0600, for the processes that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from datetime import date

from . import start_sandbox
from .company import DEFAULT_TODAY


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m funnelhouse.sandbox", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY,
                        help="YYYY-MM-DD; the history ends the day before")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--hubspot-port", type=int, default=0)
    parser.add_argument("--google-ads-port", type=int, default=0)
    parser.add_argument("--meta-port", type=int, default=0)
    parser.add_argument("--linkedin-port", type=int, default=0)
    parser.add_argument("--microsoft-ads-port", type=int, default=0)
    parser.add_argument("--salesforce-port", type=int, default=0)
    parser.add_argument("--credentials-file", help="write base URLs and secrets here as JSON (mode 0600)")
    args = parser.parse_args(argv)

    sandbox = start_sandbox(args.scale, args.seed, today=args.today, host=args.host,
                            hubspot_port=args.hubspot_port, google_ads_port=args.google_ads_port,
                            meta_port=args.meta_port, linkedin_port=args.linkedin_port,
                            microsoft_ads_port=args.microsoft_ads_port, salesforce_port=args.salesforce_port)
    if args.credentials_file:
        company = sandbox.company
        payload = {"hubspot_base_url": sandbox.hubspot.base_url, "google_ads_base_url": sandbox.google_ads.base_url,
                   "google_ads_customer_ids": [c.id for c in company.google_ads.customers],
                   "meta_base_url": sandbox.meta.base_url, "meta_account_ids": [a.id for a in company.meta.accounts],
                   "linkedin_base_url": sandbox.linkedin.base_url,
                   "linkedin_account_ids": [a.id for a in company.linkedin.accounts],
                   "microsoft_ads_base_url": sandbox.microsoft_ads.base_url,
                   "microsoft_ads_customer_id": company.microsoft_ads.accounts[0].customer_id,
                   "microsoft_ads_account_ids": [a.id for a in company.microsoft_ads.accounts],
                   "salesforce_login_url": sandbox.salesforce.base_url, **sandbox.credentials}
        fd = os.open(args.credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=2)
    print(f"hubspot     {sandbox.hubspot.base_url}", flush=True)
    print(f"google_ads  {sandbox.google_ads.base_url}", flush=True)
    print(f"meta        {sandbox.meta.base_url}", flush=True)
    print(f"linkedin    {sandbox.linkedin.base_url}", flush=True)
    print(f"microsoft   {sandbox.microsoft_ads.base_url}", flush=True)
    print(f"salesforce  {sandbox.salesforce.base_url}", flush=True)
    print(json.dumps(sandbox.company.summary()), flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
