"""The one HTTP client every connector uses: auth, retries, backoff, redaction.

Errors are classified the way the vendors mean them: rate limits and 5xx
are retried with jittered exponential backoff that honours the server's wait
hint; a 401 refreshes the token once; other 4xx fail at once with the
vendor's message. No header value, token or secret ever reaches a message.
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class ApiError(RuntimeError):
    """A vendor call that failed for good; the message is safe to log."""

    def __init__(self, vendor: str, method: str, path: str, status: int | None, detail: str):
        self.vendor, self.status, self.path = vendor, status, path
        where = f"{vendor} {method} {path}"
        super().__init__(f"{where} failed with HTTP {status}: {detail}" if status else f"{where} failed: {detail}")


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 60.0
    timeout: float = 60.0

    def delay(self, attempt: int, hint: float | None) -> float:
        if hint is not None:
            return min(max(hint, 0.0), self.max_delay)
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(backoff / 2, backoff)  # "equal jitter"


@dataclass
class ApiClient:
    """A requests session bound to one vendor's base URL.

    `auth` returns the headers to send; `refresh` (optional) gets a new token
    after a 401. `wait_hint` reads a vendor-specific retry delay out of a
    failed response (seconds), falling back to the Retry-After header.
    """

    vendor: str
    base_url: str
    auth: Callable[[], dict[str, str]]
    refresh: Callable[[], None] | None = None
    wait_hint: Callable[[requests.Response], float | None] | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: tuple[str, ...] = ()
    session: requests.Session = field(default_factory=requests.Session)
    calls: int = 0

    def url(self, path: str) -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        if not path:
            return self.base_url
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one call, retrying as the policy says; returns the parsed JSON body."""
        refreshed = False
        attempt = 0
        safe_path = path.split("?")[0]
        while True:
            attempt += 1
            self.calls += 1
            headers = {**kwargs.pop("headers", {}), **self.auth()}
            try:
                response = self.session.request(
                    method, self.url(path), headers=headers, timeout=self.policy.timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.policy.max_attempts:
                    raise ApiError(self.vendor, method, safe_path, None, self.redact(type(exc).__name__)) from None
                self._sleep(attempt, None, f"{type(exc).__name__}")
                continue
            if response.status_code < 400:
                try:
                    return response.json() if response.content else None
                except ValueError:
                    # A truncated or garbled body is a transient fault, like a 5xx.
                    if attempt >= self.policy.max_attempts:
                        raise ApiError(self.vendor, method, safe_path, response.status_code, "invalid JSON body") from None
                    self._sleep(attempt, None, "invalid JSON body")
                    continue
            if response.status_code == 401 and self.refresh is not None and not refreshed:
                refreshed = True
                self.refresh()
                continue
            if response.status_code in RETRYABLE_STATUS and attempt < self.policy.max_attempts:
                hint = self.wait_hint(response) if self.wait_hint else None
                if hint is None:
                    hint = retry_after(response)
                self._sleep(attempt, hint, f"HTTP {response.status_code}")
                continue
            raise ApiError(self.vendor, method, safe_path, response.status_code, self.redact(vendor_message(response)))

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _sleep(self, attempt: int, hint: float | None, why: str) -> None:
        delay = self.policy.delay(attempt, hint)
        log.warning("%s: %s, retry %d/%d in %.1fs", self.vendor, why, attempt, self.policy.max_attempts - 1, delay)
        time.sleep(delay)


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def vendor_message(response: requests.Response) -> str:
    """The human part of a vendor's error body, trimmed; never the request."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:300]
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message") or body.get("message")
        else:
            message = body.get("error_description") or body.get("message") or error
        if message:
            return re.sub(r"\s+", " ", str(message))[:300]
    return str(body)[:300]
