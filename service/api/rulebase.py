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
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from service.api.common import ERRORS, Author, JsonBodyRoute, RuleReader
from service.deps import ActivatorDep, ServingDep, StoreDep
from service.rulebase_diff import diff_rulebases
from service.serving import replica_view
from service.schemas import (ActivateOut, ActivateRuleBase, ActiveRuleBaseOut, ErrorOut, RefusalOut,
                             RollbackRuleBase, RuleBaseDiffOut)

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly
_JSON = TypeAdapter(Any)

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
async def get_active(serving: ServingDep, activator: ActivatorDep, store: StoreDep, identity: RuleReader) -> Any:
    """`version` (and `serving`, `serving_since`) is what THIS replica serves; `latest` is the version of the
    history's latest activation, which every replica on the log follows within moments (`in_step`;
    `refused` when this one refused it)."""
    history = await run_in_threadpool(store.list_activations)
    versions = await run_in_threadpool(store.list_rulebases)
    body = ActiveRuleBaseOut.model_validate({**active(serving), "history": history, "versions": versions})
    # the replica's fields beside the model's, serialised alike (the response model would drop them)
    view = replica_view(serving, history[0] if history else None, activator.refused)
    return JSONResponse({**body.model_dump(mode="json"), **_JSON.dump_python(view, mode="json")})


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
