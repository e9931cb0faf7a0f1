"""HTTP plumbing shared by every route: the body size limit and time limit,
error bodies, the local-mode marker, the Host check, the Origin check (and
CORS for allowed origins), the JSON-only body check and the Allow header of
405 answers; and the server protocol with a deadline on request headers.

Error bodies have one shape everywhere, RFC 9457 problem details served as
application/problem+json: {"type", "title", "status", "detail"} and, for 422,
"errors": [{"field": path, "message": ..., "type": ...}] with one entry per
bad field, so a client can point at each mistake. Which error gets which
body (or page) is service.errors' table.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.hosts import Origin, host_allowed, parse_origin, request_origin, serialize_origin

LOCAL_MODE_HEADER = (b"x-cogov-mode", b"local")


PROBLEM_JSON = "application/problem+json"   # RFC 9457: every error answer of the API and the probes
# RFC 9110's reason phrases where Python's differ (older names)
_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    """The title of an "about:blank" problem: the status's reason phrase (RFC 9457 section 4.2.1)."""
    try:
        return _PHRASES.get(status) or HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(detail: str, errors: list[dict[str, Any]] | None = None, *, status: int) -> dict[str, Any]:
    """A problem details body. Its type is "about:blank": the status says what kind of problem it is, `detail`
    this occurrence, and `errors` (an extension) each bad field."""
    body: dict[str, Any] = {"type": "about:blank", "title": status_title(status), "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem_response(status: int, detail: str, errors: list[dict[str, Any]] | None = None,
                     headers: dict[str, str] | None = None, **extensions: Any) -> JSONResponse:
    """The API's error answer: problem details (plus `extensions`, e.g. a refused activation's kind)."""
    return ProblemResponse({**error_body(detail, errors, status=status), **extensions}, status_code=status,
                           headers=headers)


async def send_problem(send: Send, status: int, detail: str, *extra: tuple[bytes, bytes]) -> None:
    """Answer a problem from a raw ASGI middleware (before any route), with `extra` headers."""
    payload = json.dumps(error_body(detail, status=status)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(payload)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": payload})


def unprocessable(detail: str, errors: list[dict[str, Any]]) -> JSONResponse:
    return problem_response(422, detail, errors)


def field_path(loc: tuple | list) -> str:
    """('query', 'limit') -> 'query.limit'; ('body', 'files', 'a.yaml') -> 'body.files.a.yaml'; [i] for indexes."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class _TooLarge(Exception):
    """A body went over BodyLimitMiddleware's limit while it was being read."""


class BodyLimitMiddleware:
    """Answer 413 to any request whose body exceeds `limit` bytes, and 408 to one whose body has not
    arrived `timeout` seconds after its headers did (then the connection is closed).

    Checks Content-Length up front and counts chunked bodies as they arrive,
    buffering at most `limit` bytes before the application sees them, so no
    route, token check or engine worker waits for a slow client: only this
    coroutine does, and not past the deadline. (The headers' own deadline is
    the server's: see timed_h11_protocol.)
    """

    def __init__(self, app: ASGIApp, limit: int, timeout: float | None = None):
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                await self._reject(send, 400, "invalid Content-Length header")
                return
            if too_big:
                await self._reject(send, 413, self._message())
                return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and length is None:
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout):
                body = await self._read(receive)
        except TimeoutError:
            await self._reject(send, 408, f"the request body did not arrive within {self.timeout:g} s of its "
                                          "headers (the service's request time limit)")
            return
        except _TooLarge:
            await self._reject(send, 413, self._message())
            return
        if body is None:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body; None when the client went away; _TooLarge as soon as it is over the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _message(self) -> str:
        return f"request body is larger than the limit of {self.limit} bytes"

    @staticmethod
    async def _reject(send: Send, status: int, detail: str) -> None:
        await send_problem(send, status, detail, (b"connection", b"close"))


class _ResponseHeadersMiddleware:
    """Base of the middlewares that edit the headers of every HTTP response start."""

    def __init__(self, app: ASGIApp):
        self.app = app

    def headers(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def edited(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self.headers(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, edited)


class LocalModeMiddleware(_ResponseHeadersMiddleware):
    """Mark every response of a service running without tokens (X-Cogov-Mode: local)."""

    def headers(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return [*headers, LOCAL_MODE_HEADER]


MISDIRECTED = 421   # RFC 9110 15.5.20: the request was not meant for this server
_JSON_PATHS = ("/healthz", "/readyz", "/openapi.json")


def wants_json(path: str) -> bool:
    """Whether an error for `path` is a JSON body (the API and the probes) rather than an HTML page."""
    return path == "/api" or path.startswith("/api/") or path in _JSON_PATHS


class HostCheckMiddleware:
    """Answer 421 to any request whose Host header is not a loopback name or one of `allowed`.

    The guard against DNS rebinding in local mode (see service.hosts): a page on
    another site that gets its name resolved to 127.0.0.1 reaches this service
    with its own name in Host and is refused before any route runs. A request
    with no Host header, or several, is refused too. The API and the probes get
    {"detail": ...}; pages get the HTML error page from `page_error` (when the
    pages are installed).
    """

    def __init__(self, app: ASGIApp, allowed: frozenset[str],
                 page_error: Callable[[Request, int, str], Response] | None = None):
        self.app, self.allowed, self.page_error = app, allowed, page_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = [value.decode("latin-1") for name, value in scope["headers"] if name == b"host"]
        if len(hosts) == 1 and host_allowed(hosts[0], self.allowed):
            await self.app(scope, receive, send)
            return
        detail = self._message(hosts)
        if self.page_error is not None and not wants_json(scope["path"]):
            response = self.page_error(Request(scope), MISDIRECTED, detail)
        else:
            response = problem_response(MISDIRECTED, detail)
        await response(scope, receive, send)

    @staticmethod
    def _message(hosts: list[str]) -> str:
        rule = ("this service answers only to loopback names (localhost, 127.0.0.1, [::1], with any port) and "
                "to the names in COGOV_ALLOWED_HOSTS, so that another site cannot reach it through DNS rebinding")
        if not hosts:
            return f"the request has no Host header: {rule}"
        if len(hosts) > 1:
            return f"the request has {len(hosts)} Host headers: {rule}"
        shown = hosts[0] if len(hosts[0]) <= 100 else hosts[0][:100] + "..."
        return f"the Host header {shown!r} is not allowed: {rule}"


# Headers every response carries unless its route set its own (pages set a full CSP in pages/render.py).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
# JSON needs no script, style or frame: a browser rendering an API answer runs nothing.
JSON_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class SecurityHeadersMiddleware(_ResponseHeadersMiddleware):
    """Add SECURITY_HEADERS (and, to JSON, a deny-all CSP) to every response that lacks them."""

    def headers(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        extra = [h for h in SECURITY_HEADERS if h[0] not in present]
        content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
        if content_type.startswith((b"application/json", PROBLEM_JSON.encode())) and JSON_CSP[0] not in present:
            extra.append(JSON_CSP)
        return headers + extra


def document_error_bodies(schema: dict[str, Any]) -> dict[str, Any]:
    """Document, on every operation they apply to, the answers the middlewares above give before any route
    runs: 421 (the Host check: every operation), 403 (a cross-site page's request that would change
    something), and for a request with a body 408 (too slow to arrive), 413 (too large) and 415 (not declared
    as JSON). Each is a problem details body (service/openapi.py)."""
    body = {"408": "The request's headers or body did not arrive within the time limit; the connection is "
                   "closed.",
            "413": "The body is larger than the service's limit (262144 bytes unless configured otherwise).",
            "415": "The body is not declared as JSON: send `Content-Type: application/json`."}
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault(str(MISDIRECTED), {
                "description": "The `Host` header names a host this service does not answer to (always checked "
                               "in local mode; with tokens when the operator lists the allowed host names).",
                "content": problem})
            if path.startswith("/api/") and "requestBody" in operation:
                for status, description in body.items():
                    responses.setdefault(status, {"description": description, "content": problem})
            if method.upper() not in ("GET", "HEAD", "OPTIONS"):   # the Origin check's 403, whatever the token
                cross_site = ("A web page of another origin (its `Origin` header) may not send this request, "
                              "whatever the token.")
                refused = responses.setdefault("403", {"description": "", "content": problem})
                refused["description"] = f"{refused['description']} {cross_site}".strip()
    return schema


class JsonBodyMiddleware:
    """Answer 415 to an API request with a body (every POST; PUT, PATCH and DELETE when they carry one) that
    is not declared as JSON: `application/json` or `application/<x>+json`, parameters such as charset allowed.

    The API reads JSON only; a form post or text/plain sent to it is a client
    mistake better named than parsed. A body without a Content-Type is refused
    too: it is what a page on another site sends with fetch(..., {mode: 'no-cors'})
    (OriginMiddleware refuses those by their Origin; this holds without one).
    Pages (outside /api/) take form posts and are not affected.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/") and _has_body(scope):
            declared = [value for name, value in scope["headers"] if name == b"content-type"]
            kind = declared[0].split(b";")[0].strip().lower() if len(declared) == 1 else b""
            if not (kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))):
                said = ("; the request has no Content-Type" if not declared else
                        f"; the request has {len(declared)} Content-Type headers" if len(declared) > 1 else
                        f", not {kind.decode('latin-1')[:100]}")
                await send_problem(send, 415, f"the body must be JSON (Content-Type: application/json){said}")
                return
        await self.app(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    """A POST always sends a body (an empty one too: a form's or fetch's without one is still a write);
    PUT, PATCH and DELETE when they say so (a Content-Length above 0, or chunks), so that one without a
    body to a path that does not take it is told 405 and the methods it does take."""
    method = scope.get("method")
    if method == "POST":
        return True
    return method in ("PUT", "PATCH", "DELETE") and any(
        name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0"))
        for name, value in scope["headers"])


# -- cross-site requests -------------------------------------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _header(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope["headers"] if key == name]


def is_preflight(scope: Scope) -> bool:
    """A CORS preflight: OPTIONS with Access-Control-Request-Method (and, from a browser, an Origin)."""
    return scope.get("method") == "OPTIONS" and bool(_header(scope, b"access-control-request-method"))


class OriginMiddleware:
    """Answer 403 to a request from a web page of another site: an unsafe method (anything but GET, HEAD
    and OPTIONS) or a CORS preflight whose Origin header is present and is neither the service's own
    origin (the request's scheme and Host, as the service sees them) nor one of `allowed`.

    Browsers send Origin with every cross-site POST, a form's or fetch's, even
    in 'no-cors' mode, where the page cannot read the answer but its request
    still reaches the routes: without this a page on any site could write
    decisions into the log of a local-mode service (every caller there has
    every role), and with tokens a same-site page (another port, a sibling
    subdomain) could through the cookie. `Origin: null` (a sandboxed frame, a
    file, a redirect across sites) and a malformed or repeated Origin are
    refused too; a request without Origin (curl, scripts, older browsers'
    same-origin requests) is not a cross-site one. Applies to the API and to
    the pages' form posts alike, in local and token mode; the pages' forms
    keep their own check (service.pages.access.same_origin) as well. A
    preflight is answered by the CORS middleware inside this one, and only
    for the allowed origins. API paths get problem details; pages get
    `page_error`'s page.
    """

    def __init__(self, app: ASGIApp, allowed: frozenset[Origin],
                 page_error: Callable[[Request, int, str], Response] | None = None):
        self.app, self.allowed, self.page_error = app, allowed, page_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origins = _header(scope, b"origin")
        preflight = is_preflight(scope)
        if not origins or (scope.get("method") in SAFE_METHODS and not preflight):
            await self.app(scope, receive, send)
            return
        origin = parse_origin(origins[0]) if len(origins) == 1 else None
        if origin is not None and (origin in self.allowed or (not preflight and origin == self._own(scope))):
            await self.app(scope, receive, send)
            return
        detail = self._message(origins, preflight)
        if self.page_error is not None and not wants_json(scope["path"]):
            response = self.page_error(Request(scope), 403, detail)
        else:
            response = problem_response(403, detail)
        await response(scope, receive, send)

    @staticmethod
    def _own(scope: Scope) -> Origin | None:
        hosts = _header(scope, b"host")
        return request_origin(scope.get("scheme", "http"), hosts[0]) if len(hosts) == 1 else None

    @staticmethod
    def _message(origins: list[str], preflight: bool) -> str:
        what = ("may not call this service across sites (CORS is answered for the origins in "
                "COGOV_ALLOWED_ORIGINS only)" if preflight else
                "may not send this service requests that change anything: only its own pages and the origins "
                "in COGOV_ALLOWED_ORIGINS may")
        if len(origins) > 1:
            return f"the request has {len(origins)} Origin headers: a web page {what}"
        shown = origins[0] if len(origins[0]) <= 100 else origins[0][:100] + "..."
        return f"the Origin {shown!r} is not this service's own origin: a web page there {what}"


def cors_options(allowed: frozenset[Origin]) -> dict[str, Any]:
    """Keyword arguments of Starlette's CORSMiddleware for the allowed origins: any method and request
    header (the routes decide), without credentials (a page of an allowed origin sends a token, not the
    user's cookie), the answers' Location, Retry-After and ETag readable."""
    return {"allow_origins": sorted(serialize_origin(o) for o in allowed), "allow_methods": ["*"],
            "allow_headers": ["*"], "allow_credentials": False, "max_age": 600,
            "expose_headers": ["Location", "Retry-After", "ETag"]}


# -- 405: every method the path takes ------------------------------------------------------------------------

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: list[Any], scope: Scope) -> list[str]:
    """The methods some route of `routes` answers for the scope's path (each route asked with
    Starlette's own matching, as routing would)."""
    found = []
    for method in _METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            found.append(method)
    return found


class AllowHeaderMiddleware:
    """Give a 405 answer the Allow header of its path, every method of it.

    Starlette answers 405 with the methods of the first route matching the
    path, so a path served by two routes (GET and POST /api/v1/rulebase)
    said `Allow: GET` to a DELETE or an OPTIONS (RFC 9110 15.5.6: the Allow
    header lists the target's methods)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed_methods(scope["app"].routes, scope) if "app" in scope else []
                if methods:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message = {**message, "headers": [*headers, (b"allow", ", ".join(methods).encode())]}
            await send(message)

        await self.app(scope, receive, allow)


# -- the server: a deadline on each request's headers --------------------------------------------------------

def timed_h11_protocol(request_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request headers have not all arrived
    `request_timeout` seconds after it opened (or after the previous answer on a kept-alive connection).

    uvicorn waits for headers without limit: a client trickling them
    (slowloris) or sending nothing held its connection, before any token
    check. Once the headers are in, the body's deadline is BodyLimitMiddleware's
    (408). Passed to uvicorn.run(http=...) by `cogov serve`.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class DeadlineH11Protocol(H11Protocol):
        _headers_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._headers_timer = self.loop.call_later(request_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._headers_timer is not None:
                self._headers_timer.cancel()
                self._headers_timer = None

        def _headers_late(self) -> None:
            self._headers_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():   # no request head yet
                self.logger.debug("closing a connection whose request headers did not arrive within %g s",
                                  request_timeout)
                self.transport.close()

    return DeadlineH11Protocol
