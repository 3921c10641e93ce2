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
from .linkedin import LinkedInServer
from .meta import MetaServer
from .microsoft_ads import MicrosoftAdsServer
from .salesforce import SalesforceServer

__all__ = [
    "Company", "Fault", "FaultQueue", "GoogleAdsServer", "HubSpotServer", "LinkedInServer", "LoggedRequest",
    "MetaServer", "MicrosoftAdsServer", "SalesforceServer", "Sandbox", "SandboxServer", "build_company", "new_credentials",
    "start_sandbox",
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
        "meta_access_token": "EAAB" + secrets.token_urlsafe(120),
        "meta_app_id": str(10**14 + secrets.randbelow(9 * 10**14)),
        "meta_app_secret": secrets.token_hex(16),
        "linkedin_access_token": "AQV" + secrets.token_urlsafe(90),
        "linkedin_client_id": "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(14)),
        "linkedin_client_secret": "WPL_AP1." + secrets.token_urlsafe(24),
        "linkedin_refresh_token": "AQW" + secrets.token_urlsafe(90),
        "microsoft_ads_client_id": str(uuid.uuid4()),
        "microsoft_ads_refresh_token": "M.C5" + secrets.token_urlsafe(64),
        "microsoft_ads_developer_token": "".join(secrets.choice(string.ascii_uppercase + string.digits)
                                                 for _ in range(16)),
        "salesforce_client_id": "3MVG9" + "".join(secrets.choice(alnum + "._") for _ in range(80)),
        "salesforce_client_secret": "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(64)),
        "salesforce_refresh_token": "5Aep861" + "".join(secrets.choice(alnum + ".") for _ in range(80)),
    }


@dataclass
class Sandbox:
    """The running servers of one company; stop it (or use ``with``) to free the ports."""

    company: Company
    hubspot: HubSpotServer
    google_ads: GoogleAdsServer
    credentials: dict[str, str]
    meta: MetaServer
    linkedin: LinkedInServer
    microsoft_ads: MicrosoftAdsServer
    salesforce: SalesforceServer

    @property
    def servers(self) -> tuple[SandboxServer, ...]:
        return (self.hubspot, self.google_ads, self.meta, self.linkedin, self.microsoft_ads, self.salesforce)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# The vendors in the order `port_base` numbers their servers: hubspot on the base port, google_ads on base + 1, ...
PORT_ORDER = ("hubspot", "google_ads", "meta", "linkedin", "microsoft_ads", "salesforce")


def fixed_ports(base: int) -> dict[str, int]:
    """start_sandbox's `<vendor>_port` arguments for consecutive ports from `base` (0: free ports)."""
    return {f"{vendor}_port": base + offset if base else 0 for offset, vendor in enumerate(PORT_ORDER)}


def start_sandbox(scale: float = 1.0, seed: int = 7, *, today: date = DEFAULT_TODAY, host: str = "127.0.0.1",
                  hubspot_port: int = 0, google_ads_port: int = 0, meta_port: int = 0, linkedin_port: int = 0,
                  microsoft_ads_port: int = 0, salesforce_port: int = 0, company: Company | None = None) -> Sandbox:
    """Build the company once and serve every vendor on loopback (port 0 = a free port).

    ``company``: serve this one instead of building it (e.g. one whose ad platforms are larger).
    """
    company = company or build_company(scale=scale, seed=seed, today=today)
    creds = new_credentials()
    hubspot = HubSpotServer(company, creds["hubspot_access_token"], host, hubspot_port)
    google_ads = GoogleAdsServer(
        company, client_id=creds["google_ads_client_id"], client_secret=creds["google_ads_client_secret"],
        refresh_token=creds["google_ads_refresh_token"], developer_token=creds["google_ads_developer_token"],
        host=host, port=google_ads_port,
    )
    meta = MetaServer(company, access_token=creds["meta_access_token"], app_id=creds["meta_app_id"],
                      app_secret=creds["meta_app_secret"], host=host, port=meta_port)
    linkedin = LinkedInServer(
        company, access_token=creds["linkedin_access_token"], client_id=creds["linkedin_client_id"],
        client_secret=creds["linkedin_client_secret"], refresh_token=creds["linkedin_refresh_token"], host=host,
        port=linkedin_port,
    )
    microsoft_ads = MicrosoftAdsServer(
        company, client_id=creds["microsoft_ads_client_id"], refresh_token=creds["microsoft_ads_refresh_token"],
        developer_token=creds["microsoft_ads_developer_token"], host=host, port=microsoft_ads_port,
    )
    salesforce = SalesforceServer(
        company, client_id=creds["salesforce_client_id"], client_secret=creds["salesforce_client_secret"],
        refresh_token=creds["salesforce_refresh_token"], host=host, port=salesforce_port,
    )
    started: list[SandboxServer] = []
    try:
        for server in (hubspot, google_ads, meta, linkedin, microsoft_ads, salesforce):
            server.start()
            started.append(server)
    except OSError:
        for server in started:
            server.stop()
        raise
    return Sandbox(company, hubspot, google_ads, creds, meta, linkedin, microsoft_ads, salesforce)
