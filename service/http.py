"""HTTP plumbing shared by every route: the body size limit, error bodies,
the local-mode marker and the Host check.

Error bodies have one shape everywhere, RFC 9457 problem details served as
application/problem+json: {"type", "title", "status", "detail"} and, for 422,
"errors": [{"field": path, "message": ..., "type": ...}] with one entry per
bad field, so a client can point at each mistake. Which error gets which
body (or page) is service.errors' table.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.hosts import host_allowed

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


class BodyLimitMiddleware:
    """Answer 413 to any request whose body exceeds `limit` bytes.

    Checks Content-Length up front and counts chunked bodies as they arrive,
    buffering at most `limit` bytes before the application sees them.
    """

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

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
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._reject(send, 413, self._message())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

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
    runs: 421 (the Host check: every operation), and for a request with a body 408 (too slow to arrive),
    413 (too large) and 415 (not declared as JSON). Each is a problem details body (service/openapi.py)."""
    body = {"408": "The request's headers or body did not arrive within the time limit; the connection is "
                   "closed.",
            "413": "The body is larger than the service's limit (262144 bytes unless configured otherwise).",
            "415": "The body is not declared as JSON: send `Content-Type: application/json`."}
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
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
    return schema


class JsonBodyMiddleware:
    """Answer 415 to an API request whose body is declared as anything but JSON.

    The API reads JSON only; a form post or text/plain sent to it is a client
    mistake better named than parsed. A body with no Content-Type is read as JSON.
    Pages (outside /api/) take form posts and are not affected.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/") and \
                scope.get("method") in ("POST", "PUT", "PATCH"):
            declared = dict(scope["headers"]).get(b"content-type")
            kind = (declared or b"application/json").split(b";")[0].strip().lower()
            if not (kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))):
                await send_problem(send, 415, f"the body must be JSON (Content-Type: application/json), "
                                              f"not {kind.decode('latin-1')[:100]}")
                return
        await self.app(scope, receive, send)
