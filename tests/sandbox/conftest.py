"""One running sandbox for the read-only tests; tests that mutate data start their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from funnelhouse.sandbox import Sandbox, start_sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(scale=1.0, seed=7) as running:
        yield running


@pytest.fixture()
def small_sandbox() -> Iterator[Sandbox]:
    with start_sandbox(scale=0.3, seed=11) as running:
        yield running


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="session")
def hubspot_headers() -> Callable[[Sandbox], dict[str, str]]:
    """Headers of an authorized HubSpot call to ``sb``."""
    return lambda sb: {"Authorization": f"Bearer {sb.credentials['hubspot_access_token']}"}


@pytest.fixture(scope="session")
def google_ads_headers(http: requests.Session) -> Callable[[Sandbox], dict[str, str]]:
    """Headers of an authorized Google Ads call to ``sb``, with a freshly minted access token."""

    def make(sb: Sandbox) -> dict[str, str]:
        token = http.post(f"{sb.google_ads.base_url}/token", data={
            "grant_type": "refresh_token",
            "client_id": sb.credentials["google_ads_client_id"],
            "client_secret": sb.credentials["google_ads_client_secret"],
            "refresh_token": sb.credentials["google_ads_refresh_token"],
        }).json()["access_token"]
        return {"Authorization": f"Bearer {token}", "developer-token": sb.credentials["google_ads_developer_token"]}

    return make
