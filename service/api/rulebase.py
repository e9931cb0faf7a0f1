"""The served rule base: activate (files or the rules directory), roll back, history, diff of two versions.

Writes need the author role; reads, author or auditor. Activation runs the
checks of service.serving first; a refusal answers 422 with every error as
file:line (or the time limit that stopped the check) and the old version
keeps serving. The refusal's answer (ActivationRefused -> RefusalOut) is
service.errors'.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from starlette.concurrency import run_in_threadpool

from service.api.common import ERRORS, Author, JsonBodyRoute, RuleReader
from service.deps import ActivatorDep, ServingDep, StoreDep
from service.rulebase_diff import diff_rulebases
from service.schemas import (ActivateOut, ActivateRuleBase, ActiveRuleBaseOut, ErrorOut, RefusalOut,
                             RollbackRuleBase, RuleBaseDiffOut)

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly

REFUSALS = {**ERRORS, 404: {"model": RefusalOut, "description": "No such stored version (rollback)"},
            422: {"model": RefusalOut | ErrorOut,
                  "description": "Refused: invalid, or its check overran the time limit (RefusalOut); "
                                 "or the request body is not valid (ErrorOut)"},
            503: {"model": RefusalOut, "description": "Refused: its engine workers would not start"}}


def active(serving: Any) -> dict[str, Any]:
    return {"version": serving.version, "rule_count": serving.rulebase.rule_count,
            "activation": serving.activation}


@router.get("/rulebase", response_model=ActiveRuleBaseOut, responses=ERRORS,
            summary="The rule base serving now, the activation history and the stored versions")
async def get_active(serving: ServingDep, store: StoreDep, identity: RuleReader) -> Any:
    history = await run_in_threadpool(store.list_activations)
    versions = await run_in_threadpool(store.list_rulebases)
    return {**active(serving), "history": history, "versions": versions}


@router.post("/rulebase", response_model=ActivateOut, responses=REFUSALS, summary="Activate a rule base")
async def activate(activator: ActivatorDep, body: ActivateRuleBase, identity: Author) -> Any:
    """Checked and compiled in a separate process with a time limit, then
    swapped in: requests in flight finish on the old version, later ones use
    the new one. `changed` is false when it is the version already serving."""
    if body.from_directory:
        return await activator.activate_directory(identity.name, note=body.note)
    return await activator.activate(body.files, identity.name, note=body.note)


@router.post("/rulebase/rollback", response_model=ActivateOut, responses=REFUSALS,
             summary="Re-activate a stored rule base version")
async def rollback(activator: ActivatorDep, body: RollbackRuleBase, identity: Author) -> Any:
    return await activator.rollback(body.version, identity.name, note=body.note)


@router.get("/rulebases/{a}/diff/{b}", response_model=RuleBaseDiffOut,
            responses={**ERRORS, 404: {"model": ErrorOut}}, summary="File-by-file unified diff of two versions")
async def diff(store: StoreDep, a: str, b: str, identity: RuleReader) -> Any:
    found = {}
    for version in (a, b):
        stored = await run_in_threadpool(store.get_rulebase, version)
        if stored is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stored rule base version {version}")
        found[version] = stored.files
    return {"a": a, "b": b, "files": diff_rulebases(found[a], found[b], a, b)}
