"""Local imitations of the vendor APIs funnelhouse reads, all serving one synthetic company.

``start_sandbox()`` builds the company once and serves it over loopback, so connectors,
models and checks run end to end with no network and no vendor accounts. Secrets are
generated per start, so nothing in the repository can be mistaken for a real key.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import date

from .company import DEFAULT_TODAY, Company, build_company
from .google_ads import GoogleAdsServer
from .http import Fault, FaultQueue, LoggedRequest, SandboxServer
from .hubspot import HubSpotServer

__all__ = [
    "Company", "Fault", "FaultQueue", "GoogleAdsServer", "HubSpotServer", "LoggedRequest", "Sandbox",
    "SandboxServer", "build_company", "new_credentials", "start_sandbox",
]


def new_credentials() -> dict[str, str]:
    """Fresh secrets shaped like the vendors' own, so format checks in clients pass."""
    alnum = string.ascii_letters + string.digits
    return {
        "hubspot_access_token": f"pat-na1-{uuid.uuid4()}",
        "google_ads_client_id": f"{secrets.randbelow(10**12):012d}-{secrets.token_hex(16)}.apps.googleusercontent.com",
        "google_ads_client_secret": "GOCSPX-" + secrets.token_urlsafe(21),
        "google_ads_refresh_token": "1//" + secrets.token_urlsafe(64),
        "google_ads_developer_token": "".join(secrets.choice(alnum) for _ in range(22)),
    }


@dataclass
class Sandbox:
    """The running servers of one company; stop it (or use ``with``) to free the ports."""

    company: Company
    hubspot: HubSpotServer
    google_ads: GoogleAdsServer
    credentials: dict[str, str]

    def stop(self) -> None:
        self.hubspot.stop()
        self.google_ads.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(scale: float = 1.0, seed: int = 7, *, today: date = DEFAULT_TODAY, host: str = "127.0.0.1",
                  hubspot_port: int = 0, google_ads_port: int = 0) -> Sandbox:
    """Build the company once and serve HubSpot and Google Ads on loopback (port 0 = a free port)."""
    company = build_company(scale=scale, seed=seed, today=today)
    creds = new_credentials()
    hubspot = HubSpotServer(company, creds["hubspot_access_token"], host, hubspot_port)
    google_ads = GoogleAdsServer(
        company, client_id=creds["google_ads_client_id"], client_secret=creds["google_ads_client_secret"],
        refresh_token=creds["google_ads_refresh_token"], developer_token=creds["google_ads_developer_token"],
        host=host, port=google_ads_port,
    )
    hubspot.start()
    try:
        google_ads.start()
    except OSError:
        hubspot.stop()
        raise
    return Sandbox(company, hubspot, google_ads, creds)
