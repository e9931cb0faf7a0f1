"""The rule base: GET /rules, /rulebases, /catalogue, /schema/context; POST /rules/check."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from starlette.concurrency import run_in_threadpool

from engine import ProjectContext
from service.api.common import ERRORS, Anyone, Author, JsonBodyRoute, RuleReader
from service.deps import PoolDep, RuleBaseDep, StoreDep
from service.schemas import CandidateRuleBase, CheckOut, ErrorOut, RuleBaseFilesOut, RuleBaseVersionOut, \
    RuleDetailOut, RulesOut
from service.workers import WorkerFailure

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly


@router.get("/rulebases", response_model=list[RuleBaseVersionOut], responses=ERRORS,
            summary="Rule base versions the log holds")
async def list_rulebases(store: StoreDep, identity: RuleReader) -> Any:
    return await run_in_threadpool(store.list_rulebases)


@router.get("/rulebases/{version}", response_model=RuleBaseFilesOut, responses={**ERRORS, 404: {"model": ErrorOut}},
            summary="The files of a stored rule base version")
async def get_rulebase(store: StoreDep, version: str, identity: RuleReader) -> Any:
    """The exact rules a past decision was made with (its rulebase_version)."""
    stored = await run_in_threadpool(store.get_rulebase, version)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stored rule base version {version}")
    return {"version": stored.version, "digest": stored.digest, "stored_at": stored.stored_at, "files": stored.files}


@router.get("/rules", response_model=RulesOut, responses=ERRORS, summary="The loaded rule base, as authored")
async def list_rules(rb: RuleBaseDep, identity: RuleReader) -> Any:
    return {"version": rb.version, "rule_count": rb.rule_count, "rules": [r.as_authored() for r in rb.rules]}


@router.get("/rules/{rule_id}", response_model=RuleDetailOut, responses={**ERRORS, 404: {"model": ErrorOut}},
            summary="One rule, as authored, with its file and line")
async def get_rule(rb: RuleBaseDep, rule_id: str, identity: RuleReader) -> Any:
    rule = rb.by_id.get(rule_id)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {rule_id} in rule base {rb.version}")
    return {**rule.as_authored(), "rulebase_version": rb.version}


@router.post("/rules/check", response_model=CheckOut, responses={**ERRORS, 413: {"model": ErrorOut},
                                                                   503: {"model": ErrorOut}},
             summary="Check a candidate rule base")
async def check_rules(pool: PoolDep, candidate: CandidateRuleBase, identity: Author) -> Any:
    """Loads and compiles the candidate in an engine worker, never in the web
    process (a pathological rule base can hang or crash durable_rules).
    ok=false lists every error as file:line."""
    try:
        return await pool.check(candidate.files)   # the leased pool: not retired by a swap meanwhile
    except WorkerFailure as exc:   # answered by service.errors (503), saying what did not complete
        raise WorkerFailure(f"the rule base check did not complete: {exc}", exc.kind) from None


@router.get("/catalogue", responses=ERRORS, summary="The technique catalogue and the other catalogues")
async def catalogue(rb: RuleBaseDep, identity: Anyone) -> Any:
    return {"rulebase_version": rb.version, **rb.catalogue.model_dump(mode="json")}


@router.get("/schema/context", responses=ERRORS, summary="JSON schema of the project context")
async def context_schema(identity: Anyone) -> Any:
    return ProjectContext.model_json_schema()


