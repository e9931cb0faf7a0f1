"""The served rule base: activate (files or the rules directory), roll back, history, diff of two versions.

Writes need the author role; reads, author or auditor. Activation runs the
checks of service.serving first; a refusal answers 422 with every error as
file:line (or the time limit that stopped the check) and the old version
keeps serving. The refusal's answer (problem details with the refusal's
`kind`) is service.errors'.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from service.api.common import ERRORS, Author, JsonBodyRoute, RuleReader, problem
from service.api.idempotency import REPLAYED_DOC, IdempotencyKey, earlier, fingerprint, remember, stored_answer
from service.deps import ActivatorDep, ServingDep, StoreDep
from service.rulebase_diff import diff_rulebases
from service.serving import replica_view
from service.schemas import ActivateOut, ActivateRuleBase, ActiveRuleBaseOut, RollbackRuleBase, RuleBaseDiffOut

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly
_JSON = TypeAdapter(Any)

REFUSALS = {**ERRORS, **problem(404, "No such stored version (a rollback): `kind` is `unknown`."),
            **problem(422, "Refused: the rule base is invalid (`kind` `invalid`, `errors` has each error as "
                           "file:line), its check overran the time limit (`timeout`) or stopped (`crash`); or "
                           "the request body is not valid (`errors` names each bad field)."),
            **problem(503, "Refused: its evaluation processes would not start (`kind` `start`); the old version "
                           "keeps serving.")}


def active(serving: Any) -> dict[str, Any]:
    return {"version": serving.version, "rule_count": serving.rulebase.rule_count,
            "activation": serving.activation}


@router.get("/rulebase", response_model=ActiveRuleBaseOut, responses=ERRORS,
            summary="The rule base serving now, the activation history and the stored versions",
            operation_id="getActiveRuleBase", tags=["rule base"])
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


@router.post("/rulebase", response_model=ActivateOut, responses={**REFUSALS, 200: {"headers": REPLAYED_DOC}},
             summary="Activate a rule base", operation_id="activateRuleBase", tags=["rule base"])
async def activate(request: Request, activator: ActivatorDep, store: StoreDep, body: ActivateRuleBase,
                   identity: Author, idempotency_key: IdempotencyKey = None) -> Any:
    """Checks and compiles the rule base (its files, or the configured rules directory) with a time limit, then
    swaps it in: requests in flight finish on the old version, later ones use the new one, and the activation
    is recorded in the history. A refused rule base changes nothing. `changed` is false when it is the version
    already serving. With an `Idempotency-Key`, a retry gets the first answer again."""
    async def run() -> Any:
        if body.from_directory:
            return await activator.activate_directory(identity.name, note=body.note)
        return await activator.activate(body.files, identity.name, note=body.note)
    return await _once(request, store, identity.name, idempotency_key, run)


@router.post("/rulebase/rollback", response_model=ActivateOut, responses={**REFUSALS, 200: {"headers": REPLAYED_DOC}},
             summary="Re-activate a stored rule base version", operation_id="rollbackRuleBase", tags=["rule base"])
async def rollback(request: Request, activator: ActivatorDep, store: StoreDep, body: RollbackRuleBase,
                   identity: Author, idempotency_key: IdempotencyKey = None) -> Any:
    """Serves a stored version again, through the same checks as an activation, and records the rollback in
    the history. With an `Idempotency-Key`, a retry gets the first answer again."""
    async def run() -> Any:
        return await activator.rollback(body.version, identity.name, note=body.note)
    return await _once(request, store, identity.name, idempotency_key, run)


async def _once(request: Request, store: Any, caller: str, key: str | None, run: Any) -> Any:
    """`run()`'s answer; with an Idempotency-Key, the first answer given under it, or run's kept under it."""
    if key is None:
        return await run()
    print_ = await fingerprint(request)
    found = await earlier(store, caller, key, print_)
    if found is not None:
        return found if isinstance(found, Response) else stored_answer(found)
    content = ActivateOut.model_validate(await run()).model_dump(mode="json")
    return await remember(store, caller, key, print_, 200, content) or JSONResponse(content)


@router.get("/rulebases/{a}/diff/{b}", response_model=RuleBaseDiffOut,
            responses={**ERRORS, **problem(404, "The log holds no such rule base version.")},
            summary="File-by-file unified diff of two versions", operation_id="diffRuleBaseVersions",
            tags=["rule base"])
async def diff(store: StoreDep, a: str, b: str, identity: RuleReader) -> Any:
    """Every file of two stored versions compared, as unified diffs from `a` to `b`."""
    found = {}
    for version in (a, b):
        stored = await run_in_threadpool(store.get_rulebase, version)
        if stored is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stored rule base version {version}")
        found[version] = stored.files
    return {"a": a, "b": b, "files": diff_rulebases(found[a], found[b], a, b)}
