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
from typing import Any, BinaryIO, Callable

import requests

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class ApiError(RuntimeError):
    """A vendor call that failed for good; the message is safe to log.

    `retryable` says the failure was transient (rate limit, 5xx, network) and only
    outlasted this run's retries: a later attempt may succeed, whatever the status
    (Meta and Microsoft send rate limits as HTTP 400).
    """

    def __init__(self, vendor: str, method: str, path: str, status: int | None, detail: str,
                 retryable: bool = False):
        self.vendor, self.status, self.path, self.retryable = vendor, status, path, retryable
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


# What to do with a failed response: a vendor's `classify` may say, or the status decides.
RETRY, REFRESH, FAIL = "retry", "refresh", "fail"
# Network faults worth another attempt; ChunkedEncodingError is a body cut off mid-way.
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def default_verdict(status: int) -> str:
    if status == 401:
        return REFRESH
    return RETRY if status in RETRYABLE_STATUS else FAIL


@dataclass
class ApiClient:
    """A requests session bound to one vendor's base URL.

    `auth` returns the headers to send; `refresh` (optional) gets a new token
    after a 401. `wait_hint` reads a vendor-specific retry delay out of a
    failed response (seconds), falling back to the Retry-After header.
    `classify` (optional) tells RETRY / REFRESH / FAIL for a failed response
    when the vendor's status codes do not (Meta sends rate limits and expired
    tokens as HTTP 400); None keeps the status rules. `observe` (optional)
    sees every successful response, e.g. to slow down on usage headers.
    """

    vendor: str
    base_url: str
    auth: Callable[[], dict[str, str]]
    refresh: Callable[[], None] | None = None
    wait_hint: Callable[[requests.Response], float | None] | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: tuple[str, ...] = ()
    session: requests.Session = field(default_factory=requests.Session)
    classify: Callable[[requests.Response], str | None] | None = None
    observe: Callable[[requests.Response], None] | None = None
    calls: int = 0

    def url(self, path: str) -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        if not path:
            return self.base_url
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one call, retrying as the policy says; returns the parsed JSON body."""
        return self._call(method, path, kwargs, lambda response: response.json() if response.content else None)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def download(self, path: str, dest: BinaryIO, *, authenticated: bool = False, chunk_size: int = 1 << 16) -> int:
        """GET a file (a report archive) into `dest`, retried like any call; returns its size in bytes.

        Pre-signed download URLs carry their own authorization, so the auth
        headers go along only when asked. A body shorter than its
        Content-Length is a transient fault and is fetched again.
        """

        def save(response: requests.Response) -> int:
            dest.seek(0)
            dest.truncate()
            size = 0
            for chunk in response.iter_content(chunk_size):
                dest.write(chunk)
                size += len(chunk)
            expected = response.headers.get("Content-Length")
            if expected is not None and expected.isdigit() and int(expected) != size:
                raise requests.exceptions.ChunkedEncodingError(f"got {size} of {expected} bytes")
            dest.flush()
            return size

        return self._call("GET", path, {"stream": True}, save, authenticated=authenticated)

    def _call(self, method: str, path: str, kwargs: dict[str, Any], parse: Callable[[requests.Response], Any],
              authenticated: bool = True) -> Any:
        refreshed = False
        attempt = 0
        safe_path = path.split("?")[0]
        extra_headers = kwargs.pop("headers", {})
        while True:
            attempt += 1
            self.calls += 1
            headers = {**extra_headers, **(self.auth() if authenticated else {})}
            try:
                response = self.session.request(
                    method, self.url(path), headers=headers, timeout=self.policy.timeout, **kwargs
                )
            except TRANSIENT_ERRORS as exc:
                self._retry_or_raise(attempt, method, safe_path, None, type(exc).__name__)
                continue
            if response.status_code < 400:
                try:
                    result = parse(response)
                except (ValueError, *TRANSIENT_ERRORS) as exc:
                    # A truncated or garbled body is a transient fault, like a 5xx.
                    why = "invalid JSON body" if isinstance(exc, ValueError) else f"{type(exc).__name__} reading the body"
                    self._retry_or_raise(attempt, method, safe_path, response.status_code, why)
                    continue
                finally:
                    response.close()
                if self.observe is not None:
                    self.observe(response)
                return result
            verdict = (self.classify(response) if self.classify else None) or default_verdict(response.status_code)
            if verdict == REFRESH and self.refresh is not None and not refreshed:
                refreshed = True
                self.refresh()
                continue
            if verdict == RETRY and attempt < self.policy.max_attempts:
                hint = self.wait_hint(response) if self.wait_hint else None
                if hint is None:
                    hint = retry_after(response)
                self._sleep(attempt, hint, f"HTTP {response.status_code}")
                continue
            raise ApiError(self.vendor, method, safe_path, response.status_code, self.redact(vendor_message(response)),
                           retryable=verdict == RETRY)

    def _retry_or_raise(self, attempt: int, method: str, safe_path: str, status: int | None, why: str) -> None:
        if attempt >= self.policy.max_attempts:
            raise ApiError(self.vendor, method, safe_path, status, self.redact(why), retryable=True) from None
        self._sleep(attempt, None, why)

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
        # Microsoft Advertising: {"Errors": [...]} or {"OperationErrors": [...]}, each with a Message.
        for key in ("Errors", "OperationErrors", "BatchErrors"):
            items = body.get(key)
            if isinstance(items, list) and items and isinstance(items[0], dict) and items[0].get("Message"):
                return re.sub(r"\s+", " ", "; ".join(str(i.get("Message")) for i in items if i.get("Message")))[:300]
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message") or body.get("message")
        else:
            message = body.get("error_description") or body.get("message") or error
        if message:
            return re.sub(r"\s+", " ", str(message))[:300]
    return str(body)[:300]
