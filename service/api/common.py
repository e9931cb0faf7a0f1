"""What every API module shares: the role guards, the documented error answers and the context body parser.

Error answers are declared per route with `problem(status, description)`;
service/openapi.py serves them all as RFC 9457 problem details and adds the
answers of the middlewares (413, 415, 421, ...) through
service.http.document_error_bodies.

Errors are answered by service.errors' handlers: a route raises (or lets an
engine error through) and the app's one handler writes the JSON body.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from engine import jsontext, validate_context
from service.auth import AUDITOR, AUTHOR, MANAGER, ROLES
from service.deps import Identity, require_roles
from service.http import unprocessable
from service.schemas import ProblemDetails


def problem(status: int, description: str) -> dict[int, dict[str, Any]]:
    """One documented error answer of a route (a problem details body)."""
    return {status: {"model": ProblemDetails, "description": description}}


ERRORS = {**problem(401, "No token, or an unknown or expired one (the answer carries `WWW-Authenticate: Bearer`)."),
          **problem(403, "The token's role may not do this.")}
UNAVAILABLE = problem(503, "Nothing could answer now (evaluation, or the decision log): retry after the "
                           "`Retry-After` seconds.")
Manager = Annotated[Identity, Depends(require_roles(MANAGER))]
Reader = Annotated[Identity, Depends(require_roles(MANAGER, AUDITOR))]
Auditor = Annotated[Identity, Depends(require_roles(AUDITOR))]
RuleReader = Annotated[Identity, Depends(require_roles(AUTHOR, AUDITOR))]
Author = Annotated[Identity, Depends(require_roles(AUTHOR))]
Anyone = Annotated[Identity, Depends(require_roles(*ROLES))]

CONTEXT_BODY = {"requestBody": {"required": True, "description": "A project context: the project, the decision, "
                                                                   "the public, the stakeholder groups and the "
                                                                   "city team's capacity (GET /api/v1/schema/context "
                                                                   "serves its JSON Schema).",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                                                            "ProjectContext"}}}}}


def parse_context(raw: bytes) -> tuple[str, Any] | JSONResponse:
    """(text exactly as received, parsed context), or the 422 response for a body that is not strict JSON
    (engine.jsontext: UTF-8, JSON, no key twice in an object, the repeated key named by its path).
    A context the schema refuses raises ContextError (422 "invalid context" from the error handler)."""
    try:
        text = jsontext.decode(raw)
        data = jsontext.loads(text)
    except jsontext.JsonTextError as exc:
        return unprocessable("invalid context", [_about_the_body(e) for e in exc.errors])
    validate_context(data)
    return text, data


def _about_the_body(error: dict[str, Any]) -> dict[str, Any]:
    if error["type"] == "invalid_encoding":
        return {**error, "message": f"the body is {error['message']}"}
    return error


class JsonBodyRoute(APIRoute):
    """A route whose JSON body model is read strictly (engine.jsontext) before FastAPI reads it.

    FastAPI keeps the last of two equal keys and answers a body that is not
    UTF-8 with a 400 of its own; here both are a 422 "invalid request" naming
    the body (`body`) or the repeated key (`body.context.decision.quality_requirement`), as any other
    invalid body is. Every API router whose routes take a body model is made
    with `APIRouter(route_class=JsonBodyRoute)` (a test walks the routes).
    A route reading its body itself (a context) calls parse_context instead.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strict(request: Request) -> Response:
            raw = await request.body()   # kept by the request: FastAPI reads it from there, not again
            if raw:
                try:
                    jsontext.loads(raw)
                except jsontext.JsonTextError as exc:
                    raise RequestValidationError(
                        [{"type": e["type"], "loc": ("body", e["field"]) if e["field"] else ("body",),
                          "msg": _about_the_body(e)["message"]} for e in exc.errors]) from None
            return await handler(request)
        return strict


def visible_to(identity: Identity) -> str | None:
    """Whose decisions a caller may read: None for everyone's (auditors), else their own."""
    return None if identity.has(AUDITOR) else identity.name
