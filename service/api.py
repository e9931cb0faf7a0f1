"""The JSON API, versioned under /api/v1, plus /healthz and /readyz.

Who may call what (401 without a valid token, 403 with the wrong role):
  POST /recommendations              manager
  GET  /decisions, /decisions/{id}   manager (own decisions), auditor (all)
  GET  /audit/verify, /rulebases...  auditor (rule base files: author too)
  GET  /rules, /rules/{id}           author, auditor
  POST /rules/check                  author
  GET  /catalogue, /schema/context   any role
Nothing here updates or deletes a decision.
"""
from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from engine import ENGINE_VERSION, ContextError, EngineError, ProjectContext, ResolutionError, validate_context
from service.auth import AUDITOR, AUTHOR, MANAGER, ROLES
from service.deps import Identity, identity_from_request, require_roles
from service.http import error_body, unprocessable
from service.log import DatabaseError, DecisionFilter, LogError
from service.log.chain import timestamp
from service.schemas import (CandidateRuleBase, CheckOut, DateOrTime, DecisionOut, DecisionPageOut, ErrorOut,
                             IdentityOut, RecommendationOut, RuleBaseFilesOut, RuleBaseVersionOut, RuleDetailOut,
                             RulesOut, VerifyOut)
from service.workers import WorkerFailure

log = logging.getLogger("cogov.api")

router = APIRouter(prefix="/api/v1")
health = APIRouter()

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


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(error_body(detail), status_code=503, headers={"Retry-After": "1"})


def _parse_context(raw: bytes) -> tuple[str, Any] | JSONResponse:
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


@router.post("/recommendations", status_code=201, response_model=RecommendationOut, openapi_extra=CONTEXT_BODY,
             responses={**ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut},
                        503: {"model": ErrorOut, "description": "No engine worker could answer; retry"}},
             summary="Evaluate a project context and log the decision")
async def recommend(request: Request, identity: Manager) -> JSONResponse:
    """Validate the context, evaluate it in an engine worker, write the decision
    to the log, then answer. A recommendation is never returned unlogged."""
    parsed = _parse_context(await request.body())
    if isinstance(parsed, JSONResponse):
        return parsed
    text, context = parsed
    state = request.app.state
    try:
        rec = await state.pool.evaluate(context)
    except WorkerFailure as exc:
        return _unavailable(str(exc))
    except ContextError as exc:
        return unprocessable("invalid context", exc.errors)
    except ResolutionError as exc:
        return unprocessable(f"the rule base cannot make a recommendation for this context: {exc}", [])
    except EngineError as exc:
        log.error("engine error on a valid context: %s", exc)
        return JSONResponse(error_body(f"the rules engine failed on this context: {exc}"), status_code=500)
    try:
        record = await run_in_threadpool(
            state.store.record, identity=identity, context_raw=text, context=context, recommendation=rec,
            rulebase_version=rec.get("rulebase", {}).get("version", state.rulebase.version),
            engine_version=rec.get("engine", {}).get("version", ENGINE_VERSION))
    except (SQLAlchemyError, DatabaseError, LogError) as exc:
        log.error("decision log write failed: %s", exc)
        return _unavailable("the decision could not be written to the decision log, so no recommendation "
                            "is returned; retry later")
    body = {"decision_id": record.id, "created_at": timestamp(record.created_at), **rec}
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/v1/decisions/{record.id}"})


def _visible(identity: Identity) -> str | None:
    """Whose decisions a caller may read: None for everyone's (auditors), else their own."""
    return None if identity.has(AUDITOR) else identity.name


@router.get("/decisions", response_model=DecisionPageOut, responses={**ERRORS, 422: {"model": ErrorOut}},
            summary="List decisions, newest first")
async def list_decisions(
        request: Request, identity: Reader,
        date_from: Annotated[DateOrTime | None, Query(description="Earliest, inclusive (a date: from 0:00Z)")] = None,
        date_to: Annotated[DateOrTime | None, Query(description="Latest, inclusive (a date: to its end, UTC)")] = None,
        approach: Annotated[str | None, Query(max_length=64)] = None,
        rulebase_version: Annotated[str | None, Query(max_length=100)] = None,
        city: Annotated[str | None, Query(max_length=200, description="Case-insensitive")] = None,
        rule: Annotated[str | None, Query(max_length=200, description="Only decisions in which it fired")] = None,
        cursor: Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Any:
    """Managers see their own decisions; auditors see every decision."""
    filters = DecisionFilter(date_from=date_from, date_to=date_to, approach=approach,
                             rulebase_version=rulebase_version, city=city, rule=rule, caller=_visible(identity))
    try:
        page = await run_in_threadpool(request.app.state.store.list, filters, cursor, limit)
    except ValueError as exc:
        return unprocessable("invalid request", [{"field": "query.cursor", "message": str(exc), "type": "value_error"}])
    return {"items": [r.summary() for r in page.items], "next_cursor": page.next_cursor, "limit": limit}


@router.get("/decisions/{decision_id}", response_model=DecisionOut,
            responses={**ERRORS, 404: {"model": ErrorOut}}, summary="The full audit record of a decision")
async def get_decision(request: Request, decision_id: str, identity: Reader) -> Any:
    """A manager asking for someone else's decision gets 404, as if it did not exist."""
    record = await run_in_threadpool(request.app.state.store.get, decision_id)
    owner = _visible(identity)
    if record is None or (owner is not None and record.caller_name != owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    return record.as_dict()


@router.get("/audit/verify", response_model=VerifyOut, responses=ERRORS, summary="Verify the log's hash chain")
async def verify_log(request: Request, identity: Auditor) -> Any:
    """Walks the whole chain (as `cogov audit verify` does); ok=false names the first bad record."""
    result = await run_in_threadpool(request.app.state.store.verify)
    return result.as_dict()


@router.get("/rulebases", response_model=list[RuleBaseVersionOut], responses=ERRORS,
            summary="Rule base versions the log holds")
async def list_rulebases(request: Request, identity: RuleReader) -> Any:
    return await run_in_threadpool(request.app.state.store.list_rulebases)


@router.get("/rulebases/{version}", response_model=RuleBaseFilesOut, responses={**ERRORS, 404: {"model": ErrorOut}},
            summary="The files of a stored rule base version")
async def get_rulebase(request: Request, version: str, identity: RuleReader) -> Any:
    """The exact rules a past decision was made with (its rulebase_version)."""
    stored = await run_in_threadpool(request.app.state.store.get_rulebase, version)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stored rule base version {version}")
    return {"version": stored.version, "digest": stored.digest, "stored_at": stored.stored_at, "files": stored.files}


@router.get("/rules", response_model=RulesOut, responses=ERRORS, summary="The loaded rule base, as authored")
async def list_rules(request: Request, identity: RuleReader) -> Any:
    rb = request.app.state.rulebase
    return {"version": rb.version, "rule_count": rb.rule_count, "rules": [r.as_authored() for r in rb.rules]}


@router.get("/rules/{rule_id}", response_model=RuleDetailOut, responses={**ERRORS, 404: {"model": ErrorOut}},
            summary="One rule, as authored, with its file and line")
async def get_rule(request: Request, rule_id: str, identity: RuleReader) -> Any:
    rb = request.app.state.rulebase
    rule = rb.by_id.get(rule_id)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {rule_id} in rule base {rb.version}")
    return {**rule.as_authored(), "rulebase_version": rb.version}


@router.post("/rules/check", response_model=CheckOut, responses={**ERRORS, 413: {"model": ErrorOut},
                                                                   503: {"model": ErrorOut}},
             summary="Check a candidate rule base")
async def check_rules(request: Request, candidate: CandidateRuleBase, identity: Author) -> Any:
    """Loads and compiles the candidate in an engine worker, never in the web
    process (a pathological rule base can hang or crash durable_rules).
    ok=false lists every error as file:line."""
    try:
        return await request.app.state.pool.check(candidate.files)
    except WorkerFailure as exc:
        return _unavailable(f"the rule base check did not complete: {exc}")


@router.get("/catalogue", responses=ERRORS, summary="The technique catalogue and the other catalogues")
async def catalogue(request: Request, identity: Anyone) -> Any:
    rb = request.app.state.rulebase
    return {"rulebase_version": rb.version, **rb.catalogue.model_dump(mode="json")}


@router.get("/schema/context", responses=ERRORS, summary="JSON schema of the project context")
async def context_schema(identity: Anyone) -> Any:
    return ProjectContext.model_json_schema()


@router.get("/me", response_model=IdentityOut, responses={401: ERRORS[401]}, summary="Who the token belongs to")
async def whoami(request: Request) -> Any:
    identity = identity_from_request(request)
    return {"name": identity.name, "role": identity.role, "roles": sorted(identity.roles),
            "local_mode": identity.is_local}


@health.get("/healthz", summary="Liveness")
async def healthz(request: Request) -> Any:
    """The process answers. `mode` says whether API tokens are enforced."""
    return {"status": "ok", "mode": "local" if request.app.state.tokens.local_mode else "tokens"}


@health.get("/readyz", summary="Readiness", responses={503: {"description": "Not ready; `checks` says why"}})
async def readyz(request: Request) -> Any:
    """Ready when the rule base is loaded, the database answers and an engine worker is alive."""
    state = request.app.state
    checks: dict[str, Any] = {"rulebase": {"ok": state.rulebase is not None, "version": state.rulebase.version}}
    try:
        await run_in_threadpool(state.store.ping)
        checks["database"] = {"ok": True}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": str(exc)}
    checks["workers"] = {"ok": state.pool.ready, **state.pool.status()}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
