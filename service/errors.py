"""Errors mapped once: every error a route lets go becomes the API's JSON error or the HTML error page here.

`problem(exc)` is the one table from an error to what the caller is told:
an engine error by its `code` (engine.errors), a worker that could not
answer (503 with Retry-After), a decision log database that cannot be
reached (503 with Retry-After; any other database error is a bug and stays
a 500), a refused activation, the service's own errors (ServiceError, with
their status), HTTP errors (an unknown path, a wrong method, 401/403) and
request validation. `install_error_handlers`
registers one handler for all of them on the app: paths the API and the
probes serve (service.http.wants_json) get RFC 9457 problem details
(application/problem+json: type, title, status, detail, errors?), any other
path the pages' error page, so an unknown page address gets a page too.

Routes catch an error only where they answer something other than the
error (a form shown again with its answers kept, a field named in the body).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from engine import CogovError
from service.http import field_path, problem_response, wants_json
from service.log import DatabaseError
from service.log.store import RecordNotRenderable
from service.serving import ActivationRefused
from service.workers import WorkerFailure

log = logging.getLogger("cogov.errors")

# (request, status, heading, message, details) -> the HTML error page; the app factory passes the pages' one
PageError = Callable[[Request, int, str, str, list[str]], Response]


class ServiceError(Exception):
    """An error of the service's own, answered with `status_code` and its message (heading `title` on a
    page) and `headers`."""

    status_code = 500
    title = "Something went wrong"
    headers: dict[str, str] = {}


class Unavailable(ServiceError):
    """Nothing could answer now (the decision log, a replay's engine process): retry."""

    status_code = 503
    title = "Unavailable"
    headers = {"Retry-After": "1"}


@dataclass(frozen=True)
class Problem:
    """What a caller is told: the status, the API's detail and errors, the page's heading and message."""

    status: int
    detail: Any
    title: str
    errors: list[dict[str, Any]] | None = None
    headers: dict[str, str] | None = None
    message: str | None = None   # the page's text, when it should differ from the API's detail

    @property
    def page_message(self) -> str:
        text = self.message or str(self.detail)
        return text[:1].upper() + text[1:]

    def page_details(self) -> list[str]:
        return [f"{e['field']}: {e['message']}" if e.get("field") else str(e.get("message", e))
                for e in self.errors or ()]


def _engine_problem(exc: CogovError) -> Problem:
    code = exc.code
    if code == "context_invalid":
        return Problem(422, "invalid context", "Invalid context", errors=list(exc.errors))
    if code == "item_unknown":   # the API takes an item only as the `item` query parameter
        return Problem(422, str(exc), "Unknown item",
                       errors=[{"field": "query.item", "message": str(exc), "type": "value_error"}])
    if code == "change_invalid":
        return Problem(422, "invalid changes", "Invalid changes", errors=list(exc.errors))
    if code == "resolution_failed":
        return Problem(422, f"the rule base cannot make a recommendation for this context: {exc}",
                       "No recommendation possible", errors=[])
    if code in ("rulebase_invalid", "yaml_invalid", "condition_invalid"):
        return Problem(422, "invalid rule base", "Invalid rule base",
                       errors=[{"field": e.get("file") or "", "message": e.get("message", ""),
                                "type": "rule_base_error", "line": e.get("line")} for e in exc.error_dicts()]
                       or [{"field": exc.file or "", "message": str(exc), "type": "rule_base_error",
                            "line": exc.line}])
    log.error("engine error (%s): %s", code, exc)
    return Problem(500, f"the rules engine failed on this context: {exc}", "The rules engine failed")


_HTTP_TITLES = {401: "Not allowed", 403: "Not allowed", 404: "Not found", 405: "Not allowed here"}
_HTTP_MESSAGES = {404: "There is no page at this address.", 405: "This page does not answer that kind of request."}


def refusal_status(refused: ActivationRefused) -> int:
    """A refused activation's status: no such version 404, workers that would not start 503, else 422."""
    return {"unknown": 404, "start": 503}.get(refused.kind, 422)


# SQLite's primary result codes that say the file cannot be used now (busy, locked, read-only, I/O error, disk
# full, cannot open); its others (SQLITE_ERROR: no such table, a syntax error...) are the code's mistakes
_SQLITE_UNAVAILABLE = {5, 6, 8, 10, 13, 14}
DATABASE_ERRORS = (DBAPIError, psycopg.OperationalError, psycopg.InterfaceError, DatabaseError)


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error says the decision log cannot be reached or used now (retry later), rather
    than that the code asked it something wrong (a bug: a 500). psycopg's OperationalError and
    InterfaceError are a lost or refused connection, a server shutting down, a timeout; SQLite's are told
    apart by their result code; a connection SQLAlchemy invalidated is lost whatever the driver said."""
    if isinstance(exc, DatabaseError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _SQLITE_UNAVAILABLE


def problem(exc: Exception) -> Problem:
    """What the caller is told about `exc` (the one table; see the module docstring)."""
    if isinstance(exc, CogovError):
        return _engine_problem(exc)
    if isinstance(exc, DATABASE_ERRORS) and database_unavailable(exc):
        log.warning("decision log database unavailable: %s", exc)
        return Problem(503, "the decision log database is unavailable; retry later", "Unavailable",
                       headers={"Retry-After": "1"},
                       message="The decision log cannot be reached at the moment: try again shortly.")
    if isinstance(exc, RecordNotRenderable):    # a compact decision whose rule base cannot be had
        return Problem(409, str(exc), "Decision cannot be shown")
    if isinstance(exc, WorkerFailure):
        return Problem(503, str(exc), "The engine is unavailable", headers={"Retry-After": "1"},
                       message=f"The engine is unavailable ({exc.kind}): try again in a moment.")
    if isinstance(exc, ActivationRefused):
        return Problem(refusal_status(exc), exc.detail, "Rule base refused",
                       errors=[{"message": line} for line in exc.lines()])
    if isinstance(exc, ServiceError):
        return Problem(exc.status_code, str(exc), exc.title, headers=dict(exc.headers) or None)
    if isinstance(exc, RequestValidationError):
        return Problem(422, "invalid request", "Invalid request",
                       errors=[{"field": field_path(e.get("loc", ())), "message": _message(e),
                                "type": e.get("type", "")} for e in exc.errors()])
    if isinstance(exc, HTTPException):
        return Problem(exc.status_code, exc.detail, _HTTP_TITLES.get(exc.status_code, "Error"),
                       headers=dict(exc.headers) if exc.headers else None,
                       message=_HTTP_MESSAGES.get(exc.status_code))
    raise TypeError(f"no mapping for {type(exc).__name__}")   # only registered classes reach problem()


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")   # our own validators' messages stand alone


def json_error(exc: Exception) -> Response:
    """The API's answer to `exc`: problem details (and "errors" where the table gives them)."""
    p = problem(exc)
    if isinstance(exc, ActivationRefused):   # the refusal's kind, and each error located in its file
        errors = [{"field": e.get("file") or "", "type": "rule_base_error", **e} for e in exc.errors]
        return problem_response(p.status, exc.detail, errors, p.headers, kind=exc.kind)
    if p.status in (204, 304):
        return Response(status_code=p.status, headers=p.headers)
    return problem_response(p.status, p.detail, p.errors, p.headers)


def install_error_handlers(app: FastAPI, page_error: PageError | None = None) -> None:
    """Register the one handler: JSON for the API and the probes, `page_error`'s page for anything else
    (JSON everywhere when the app has no pages)."""
    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DATABASE_ERRORS) and not database_unavailable(exc):
            raise exc   # a bug, not an outage: the server's own 500 (and its traceback in the log)
        if page_error is None or wants_json(request.url.path):
            return json_error(exc)
        p = problem(exc)
        response = page_error(request, p.status, p.title, p.page_message, p.page_details())
        for name, value in (p.headers or {}).items():
            response.headers.setdefault(name, value)
        return response

    for kind in (CogovError, RecordNotRenderable, WorkerFailure, ActivationRefused, ServiceError, RequestValidationError, HTTPException,
                 *DATABASE_ERRORS):
        app.add_exception_handler(kind, handle)
