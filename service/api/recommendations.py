"""POST /recommendations: evaluate a context in an engine worker and log the decision."""
from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from engine import ENGINE_VERSION
from service.api.common import CONTEXT_BODY, ERRORS, Manager, parse_context
from service.deps import LogWriterDep, ServingDep
from service.errors import Unavailable
from service.log import DatabaseError, LogError
from service.log.chain import timestamp
from service.schemas import ErrorOut, RecommendationOut

log = logging.getLogger("cogov.api")

router = APIRouter()


@router.post("/recommendations", status_code=201, response_model=RecommendationOut, openapi_extra=CONTEXT_BODY,
             responses={**ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut},
                        503: {"model": ErrorOut, "description": "No engine worker could answer; retry"}},
             summary="Evaluate a project context and log the decision")
async def recommend(request: Request, identity: Manager, serving: ServingDep, log_writer: LogWriterDep) -> Response:
    """Validate the context, evaluate it in an engine worker, write the decision
    to the log, then answer. A recommendation is never returned unlogged.
    The request holds one served snapshot throughout (ServingDep leases it), so
    a rule base activated meanwhile never mixes into it. An evaluation that gives
    no recommendation (an engine error, no worker free) is answered by
    service.errors."""
    parsed = parse_context(await request.body())
    if isinstance(parsed, JSONResponse):
        return parsed
    text, context = parsed
    rec = await serving.pool.evaluate_for_log(context)
    try:
        decision_id, created_at = await log_writer.record_text(
            identity=identity, context_raw=text, context=context, canonical=rec.canonical,
            index=rec.index, rulebase_version=rec.rulebase_version or serving.version,
            engine_version=rec.engine_version or ENGINE_VERSION)
    except (SQLAlchemyError, DatabaseError, LogError) as exc:
        log.error("decision log write failed: %s", exc)
        raise Unavailable("the decision could not be written to the decision log, so no recommendation "
                          "is returned; retry later") from None
    # the bytes JSONResponse would render for {"decision_id", "created_at", **recommendation},
    # around the worker's text of the recommendation (service.worker_process.Evaluated)
    head = json.dumps({"decision_id": decision_id, "created_at": timestamp(created_at)}, separators=(",", ":"))
    body = head[:-1] + "," + rec.text[1:]
    return Response(body.encode("utf-8"), status_code=201, media_type="application/json",
                    headers={"Location": f"/api/v1/decisions/{decision_id}"})


