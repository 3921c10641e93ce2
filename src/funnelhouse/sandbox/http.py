"""Shared core of the sandbox servers: routing, JSON replies, request log, faults.

Every vendor imitation subclasses :class:`SandboxServer`, declares its routes with
:func:`route` and returns :class:`Reply` objects. The core records every request
(secrets masked) so tests can assert on paging, filters and retries, and it lets a
test script failures per route before the vendor code ever runs.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

MASK = "***"
SECRET_HEADERS = {"authorization", "developer-token", "developertoken", "x-api-key", "cookie"}
SECRET_FIELDS = {"client_secret", "refresh_token", "access_token", "hapikey", "password", "code", "fb_exchange_token",
                 "appsecret_proof", "sig"}


@dataclass
class Request:
    """One parsed HTTP request, handed to a route."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route
    raw_query: str = ""  # the query string exactly as sent (Rest.li syntax must be checked undecoded)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter (repeat parameters are rare in these APIs)."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body as JSON; raises :class:`BadRequest` so vendors answer with their own 400."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise BadRequest(f"Invalid JSON body: {exc}") from exc

    def form(self) -> dict[str, str]:
        """The body as application/x-www-form-urlencoded fields."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def bearer(self) -> str | None:
        """The token of an ``Authorization: Bearer`` header, if any."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


@dataclass
class Reply:
    """What a route answers: status, JSON-able body (or raw bytes) and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class BadRequest(Exception):
    """Raised by request parsing; the vendor turns it into its own 400 body."""


@dataclass
class LoggedRequest:
    """A request as the log keeps it: secrets in headers, query and form bodies masked."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    status: int = 0
    at: float = 0.0
    raw_query: str = ""  # as sent, undecoded (secret values masked)


@dataclass
class Fault:
    """A scripted failure: answered instead of the real route while ``times`` lasts."""

    pattern: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int
    method: str | None
    skip: int = 0  # let this many matching requests through first
    delay: float = 0.0  # seconds to sleep before answering (timeouts)
    disconnect: bool = False  # close the socket without any response
    truncate: bool = False  # answer the real route, but close after half of the body


class FaultQueue:
    """Per-route queue of scripted faults; ``pattern`` is an exact path or a glob."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        pattern: str,
        status: int = 500,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        method: str | None = None,
        skip: int = 0,
        delay: float = 0.0,
        disconnect: bool = False,
        truncate: bool = False,
    ) -> Fault:
        """Queue a fault. ``body=None`` means the vendor's own error body for ``status``.

        ``truncate=True`` lets the real route answer, announces the whole body's
        length and closes the connection half-way through it (``status`` is ignored).
        """
        fault = Fault(pattern, status, dict(headers or {}), body, times, method, skip, delay, disconnect, truncate)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first live fault matching this request, consuming one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.method and fault.method.upper() != method:
                    continue
                if path != fault.pattern and not fnmatch.fnmatchcase(path, fault.pattern):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        return len(self._faults)


Route = Callable[[Any, Request], Reply]


def route(method: str, pattern: str) -> Callable[[Route], Route]:
    """Mark a server method as the handler of ``method`` + full-match regex ``pattern``."""

    def mark(fn: Route) -> Route:
        fn.__dict__.setdefault("_routes", []).append((method.upper(), re.compile(pattern)))
        return fn

    return mark


def _mask_mapping(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (MASK if k.lower() in SECRET_FIELDS else v) for k, v in values.items()}


def _mask_raw_query(query: str) -> str:
    parts = []
    for part in query.split("&") if query else []:
        key, sep, _ = part.partition("=")
        parts.append(f"{key}={MASK}" if sep and unquote(key).lower() in SECRET_FIELDS else part)
    return "&".join(parts)


def _mask_header(name: str, value: str) -> str:
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, sep, _ = value.partition(" ")
    return f"{scheme} {MASK}" if sep and scheme.lower() in {"bearer", "basic"} else MASK


class SandboxHandler(BaseHTTPRequestHandler):
    """Generic request handler: parse, log, apply faults, dispatch, write JSON."""

    protocol_version = "HTTP/1.1"  # keep-alive, so paging loops do not reconnect each page
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log on stderr."""

    def _handle(self) -> None:
        app = self.server.app
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw_query=parts.query,
        )
        entry = app._log(req)
        fault = app.faults.take(req.method, req.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.disconnect:
                entry.status = 0
                self.close_connection = True
                return
            if fault.truncate or (fault.status < 400 and fault.body is None):
                # truncated, or merely slow (a delay with a success status): the real answer
                reply = app.dispatch(req)
                entry.status = reply.status
                self.send_json(reply.status, reply.body, reply.headers, cut=fault.truncate)
                return
            body = app.error_body(fault.status, req) if fault.body is None else fault.body
            reply = app.finish(req, Reply(fault.status, body, dict(fault.headers)))
        else:
            reply = app.dispatch(req)
        entry.status = reply.status
        self.send_json(reply.status, reply.body, reply.headers)

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None, cut: bool = False) -> None:
        """Write ``body`` as JSON (bytes/str are sent as they are) with a Content-Length.

        ``cut`` sends only the first half of the body and closes the connection.
        """
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8") if body is not None else b""
        headers = dict(headers or {})
        self.send_response(status)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json;charset=utf-8"
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            if cut:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: SandboxServer


class SandboxServer:
    """Base of every vendor imitation: lifecycle, routes, request log and faults."""

    name = "sandbox"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.faults = FaultQueue()
        self._requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Route]] = [
            (method, pattern, getattr(self, attr))
            for attr in dir(type(self))
            for method, pattern in getattr(getattr(type(self), attr), "_routes", [])
        ]

    # lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{self.name} server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        httpd = _HTTPServer((self.host, self.port), SandboxHandler)
        httpd.app = self
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name=f"{self.name}-{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self if self._httpd else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # request log -------------------------------------------------------------------------
    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _log(self, req: Request) -> LoggedRequest:
        body: Any = None
        if req.body:
            ctype = req.headers.get("content-type", "")
            if "x-www-form-urlencoded" in ctype:
                body = _mask_mapping(req.form())
            else:
                try:
                    body = json.loads(req.body)
                except ValueError:
                    body = req.body.decode("utf-8", "replace")
        entry = LoggedRequest(
            method=req.method,
            path=req.path,
            query={k: ([MASK] if k.lower() in SECRET_FIELDS else v) for k, v in req.query.items()},
            body=body,
            headers={k: _mask_header(k, v) for k, v in req.headers.items()},
            at=time.time(),
            raw_query=_mask_raw_query(req.raw_query),
        )
        with self._lock:
            self._requests.append(entry)
        return entry

    # dispatch ----------------------------------------------------------------------------
    def dispatch(self, req: Request) -> Reply:
        """Find the route; unknown paths get 404 and known paths with another verb 405."""
        path_known = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(req.path)
            if not match:
                continue
            path_known = True
            if method != req.method:
                continue
            req.params = match.groupdict()
            try:
                return self.finish(req, handler(req))
            except BadRequest as exc:
                return self.finish(req, Reply(400, self.error_body(400, req, str(exc))))
        status = 405 if path_known else 404
        return self.finish(req, Reply(status, self.error_body(status, req)))

    def finish(self, req: Request, reply: Reply) -> Reply:
        """Hook to add headers every response carries (rate-limit headers, request ids).

        Implementations should use ``setdefault`` so headers scripted in a fault win.
        """
        return reply

    def error_body(self, status: int, req: Request, message: str | None = None) -> Any:
        """The vendor's error body for ``status``; used for faults and generic errors."""
        return {"error": message or f"HTTP {status}"}
