"""What every API module shares: the role guards, error responses and the context body parser."""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse

from engine import ContextError, EngineError, ResolutionError, validate_context
from service.auth import AUDITOR, AUTHOR, MANAGER, ROLES
from service.deps import Identity, require_roles
from service.http import error_body, unprocessable
from service.schemas import ErrorOut

ERRORS = {401: {"model": ErrorOut, "description": "Missing or unknown API token"},
          403: {"model": ErrorOut, "description": "The token's role may not do this"}}
Manager = Annotated[Identity, Depends(require_roles(MANAGER))]
Reader = Annotated[Identity, Depends(require_roles(MANAGER, AUDITOR))]
Auditor = Annotated[Identity, Depends(require_roles(AUDITOR))]
RuleReader = Annotated[Identity, Depends(require_roles(AUTHOR, AUDITOR))]
Author = Annotated[Identity, Depends(require_roles(AUTHOR))]
Anyone = Annotated[Identity, Depends(require_roles(*ROLES))]

CONTEXT_BODY = {"requestBody": {"required": True, "description": "A project context (see /api/v1/schema/context).",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                                                            "ProjectContext"}}}}}


def unavailable(detail: str) -> JSONResponse:
    return JSONResponse(error_body(detail), status_code=503, headers={"Retry-After": "1"})


def parse_context(raw: bytes) -> tuple[str, Any] | JSONResponse:
    """(text exactly as received, parsed and valid context), or the 422 response."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return unprocessable("invalid context", [{"field": "", "message": "the body is not UTF-8 text",
                                                  "type": "invalid_encoding"}])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return unprocessable("invalid context", [{"field": "", "type": "json_invalid",
                                                  "message": f"invalid JSON at line {exc.lineno} column "
                                                             f"{exc.colno}: {exc.msg}"}])
    except (RecursionError, ValueError) as exc:   # nested too deeply; an integer too long to convert
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split("\n")[0]
        return unprocessable("invalid context", [{"field": "", "type": "json_invalid",
                                                  "message": f"invalid JSON: {reason}"}])
    try:
        validate_context(data)
    except ContextError as exc:
        return unprocessable("invalid context", exc.errors)
    return text, data




def visible_to(identity: Identity) -> str | None:
    """Whose decisions a caller may read: None for everyone's (auditors), else their own."""
    return None if identity.has(AUDITOR) else identity.name


def evaluation_refused(exc: Exception) -> JSONResponse:
    """The answer to an evaluation that gave no recommendation: 503 when no worker could answer (retry),
    422 for a context the schema or the rule base refuses, 500 for an engine fault."""
    from service.workers import WorkerFailure   # late: workers imports the engine's heavy parts

    if isinstance(exc, WorkerFailure):
        return unavailable(str(exc))
    if isinstance(exc, ContextError):
        return unprocessable("invalid context", exc.errors)
    if isinstance(exc, ResolutionError):
        return unprocessable(f"the rule base cannot make a recommendation for this context: {exc}", [])
    if isinstance(exc, EngineError):
        return JSONResponse(error_body(f"the rules engine failed on this context: {exc}"), status_code=500)
    raise exc
