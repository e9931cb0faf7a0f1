"""What every API module shares: the role guards, the documented error answers and the context body parser.

Errors are answered by service.errors' handlers: a route raises (or lets an
engine error through) and the app's one handler writes the JSON body.
"""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse

from engine import validate_context
from service.auth import AUDITOR, AUTHOR, MANAGER, ROLES
from service.deps import Identity, require_roles
from service.http import unprocessable
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


def parse_context(raw: bytes) -> tuple[str, Any] | JSONResponse:
    """(text exactly as received, parsed context), or the 422 response for a body that is not JSON.
    A context the schema refuses raises ContextError (422 "invalid context" from the error handler)."""
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
    validate_context(data)
    return text, data


def visible_to(identity: Identity) -> str | None:
    """Whose decisions a caller may read: None for everyone's (auditors), else their own."""
    return None if identity.has(AUDITOR) else identity.name
