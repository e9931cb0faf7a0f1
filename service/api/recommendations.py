"""POST /recommendations: evaluate a context in an engine worker and log the decision."""
from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from engine import ENGINE_VERSION
from service.api.common import CONTEXT_BODY, ERRORS, UNAVAILABLE, Manager, parse_context, problem
from service.api.idempotency import REPLAYED, REPLAYED_DOC, IdempotencyKey, earlier, fingerprint
from service.deps import LogWriterDep, ServingDep, StoreDep
from service.errors import Unavailable
from service.log import DatabaseError, LogError
from service.log.chain import timestamp
from service.schemas import RecommendationOut

log = logging.getLogger("cogov.api")

router = APIRouter()


@router.post("/recommendations", status_code=201, response_model=RecommendationOut, openapi_extra=CONTEXT_BODY,
             operation_id="createRecommendation", tags=["recommendations"],
             responses={201: {"headers": {"Location": {"description": "The logged decision's address "
                                                                      "(GET it for the full audit record).",
                                                       "schema": {"type": "string"}}, **REPLAYED_DOC}},
                        **ERRORS, **problem(422, "The body is not a valid context (`errors` names each bad field), "
                                                 "the rule base cannot make a recommendation for it, or the "
                                                 "Idempotency-Key was used with another body."),
                        **UNAVAILABLE},
             summary="Evaluate a project context and log the decision")
async def recommend(request: Request, identity: Manager, serving: ServingDep, log_writer: LogWriterDep,
                    store: StoreDep, idempotency_key: IdempotencyKey = None) -> Response:
    """Validates the context, evaluates it, writes the decision to the hash-chained decision log, then answers
    the explained recommendation with the decision's id. A recommendation is never answered unlogged: when the
    log cannot be written the answer is 503 and nothing is recorded. Send an `Idempotency-Key` to make a retry
    after a timeout safe: the retry gets the first answer and no second decision is logged."""
    # The request holds one served snapshot throughout (ServingDep leases it), so a rule base activated
    # meanwhile never mixes into it; an evaluation that gives no recommendation is answered by service.errors.
    keyed = None
    if idempotency_key is not None:
        print_ = await fingerprint(request)
        found = await earlier(store, identity.name, idempotency_key, print_)
        if found is not None:
            return found if isinstance(found, Response) else await _again(request, store, found["decision_id"])
        keyed = {"caller_name": identity.name, "key": idempotency_key, "fingerprint": print_}
    parsed = parse_context(await request.body())
    if isinstance(parsed, JSONResponse):
        return parsed
    text, context = parsed
    rec = await serving.pool.evaluate_for_log(context)
    try:
        decision_id, created_at = await log_writer.record_text(
            identity=identity, context_raw=text, context=context, canonical=rec.canonical,
            index=rec.index, rulebase_version=rec.rulebase_version or serving.version,
            engine_version=rec.engine_version or ENGINE_VERSION, idempotency=keyed)
    except (SQLAlchemyError, DatabaseError, LogError) as exc:
        if keyed is not None:   # a concurrent request with the same key was logged first: this one is its retry
            found = await earlier(store, identity.name, keyed["key"], keyed["fingerprint"])
            if found is not None:
                return found if isinstance(found, Response) else await _again(request, store,
                                                                               found["decision_id"])
        log.error("decision log write failed: %s", exc)
        raise Unavailable("the decision could not be written to the decision log, so no recommendation "
                          "is returned; retry later") from None
    # the bytes JSONResponse would render for {"decision_id", "created_at", **recommendation},
    # around the worker's text of the recommendation (service.worker_process.Evaluated)
    head = json.dumps({"decision_id": decision_id, "created_at": timestamp(created_at),
                       "page": decision_page(request, decision_id)}, separators=(",", ":"))
    body = head[:-1] + "," + rec.text[1:]
    return Response(body.encode("utf-8"), status_code=201, media_type="application/json",
                    headers={"Location": f"/api/v1/decisions/{decision_id}"})


def decision_page(request: Request, decision_id: str) -> str:
    """The decision's page for people (service/pages/manager.py serves /decisions/{id}), under the service's root."""
    return f"{request.scope.get('root_path', '') or ''}/decisions/{decision_id}"


async def _again(request: Request, store: Any, decision_id: str) -> Response:
    """The answer a logged decision was given (its recommendation as logged, under its id), once more."""
    record = await run_in_threadpool(store.get, decision_id)
    if record is None:   # a key's decision is written in the key's transaction: gone only if the log was cut
        raise Unavailable(f"the decision {decision_id} this Idempotency-Key names is not in the log")
    body = {"decision_id": record.id, "created_at": timestamp(record.created_at),
            "page": decision_page(request, record.id), **record.recommendation}
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status_code=201,
                    media_type="application/json",
                    headers={"Location": f"/api/v1/decisions/{record.id}", REPLAYED: "true"})
