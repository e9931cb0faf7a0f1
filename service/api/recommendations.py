"""POST /recommendations: evaluate a context in an engine worker and log the decision."""
from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from engine import ENGINE_VERSION
from service.api.common import CONTEXT_BODY, ERRORS, UNAVAILABLE, Manager, parse_context, problem
from service.api.idempotency import REPLAYED, REPLAYED_DOC, IdempotencyKey, earlier, fingerprint
from service.deps import LogWriterDep, ServingDep, StoreDep
from service.errors import Unavailable
from service.log import DatabaseError, LogError
from engine.explanation import brief
from service.log.chain import timestamp
from service.rule_words import api_language, in_language, keep_translations, original_catalogue, set_language
from service.whynot_whatif import rulebase_for
from service.schemas import RecommendationAnswer

log = logging.getLogger("cogov.api")

router = APIRouter()


EXPLAIN_HELP = ("full: answer the full explanation inline (the trace, sources, what each item overrode, tier reasons, "
                "catalogue details), as GET /decisions/{id}/explanation gives it. Without it: the plan, the items "
                "and their `because` references.")
Explain = Annotated[Literal["full"] | None, Query(description=EXPLAIN_HELP)]


@router.post("/recommendations", status_code=201, response_model=RecommendationAnswer, openapi_extra=CONTEXT_BODY,
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
                    store: StoreDep, idempotency_key: IdempotencyKey = None, explain: Explain = None) -> Response:
    """Validates the context, evaluates it, writes the decision to the hash-chained decision log, then answers
    the recommendation with the decision's id: by default the plan, the items and their `because` references
    (`explanation_url` gives the full explanation), with `explain=full` the full explanation. A recommendation is never answered unlogged: when the
    log cannot be written the answer is 503 and nothing is recorded. Send an `Idempotency-Key` to make a retry
    after a timeout safe: the retry gets the first answer and no second decision is logged."""
    # The request holds one served snapshot throughout (ServingDep leases it), so a rule base activated
    # meanwhile never mixes into it; an evaluation that gives no recommendation is answered by service.errors.
    keyed = None
    if idempotency_key is not None:
        print_ = await fingerprint(request)
        found = await earlier(store, identity.name, idempotency_key, print_)
        if found is not None:
            return found if isinstance(found, Response) else await _again(request, store, serving,
                                                                           found["decision_id"], explain)
        keyed = {"caller_name": identity.name, "key": idempotency_key, "fingerprint": print_}
    parsed = parse_context(await request.body())
    if isinstance(parsed, JSONResponse):
        return parsed
    text, context = parsed
    lang = api_language(request)    # the language of the answer's words (service/rule_words.py)
    rec = await serving.pool.evaluate_for_log(context)
    try:
        wording = await run_in_threadpool(keep_translations, store, serving.rulebase.catalogue, lang)
        decision_id, created_at = await log_writer.record_text(
            identity=identity, context_raw=text, context=context, canonical=rec.canonical,
            index=rec.index, rulebase_version=rec.rulebase_version or serving.version,
            engine_version=rec.engine_version or ENGINE_VERSION, idempotency=keyed, wording=wording)
    except (SQLAlchemyError, DatabaseError, LogError) as exc:
        if keyed is not None:   # a concurrent request with the same key was logged first: this one is its retry
            found = await earlier(store, identity.name, keyed["key"], keyed["fingerprint"])
            if found is not None:
                return found if isinstance(found, Response) else await _again(request, store, serving,
                                                                               found["decision_id"], explain)
        log.error("decision log write failed: %s", exc)
        raise Unavailable("the decision could not be written to the decision log, so no recommendation "
                          "is returned; retry later") from None
    # the bytes JSONResponse would render for {"decision_id", "created_at", **recommendation},
    # around the worker's text of the recommendation (service.worker_process.Evaluated)
    head = json.dumps(_head(request, decision_id, created_at, explain), separators=(",", ":"))
    body = head[:-1] + "," + _worded(rec.text if explain == "full" else rec.brief, serving.rulebase.catalogue,
                                     lang, rec.text if explain != "full" else None)[1:]
    return set_language(Response(body.encode("utf-8"), status_code=201, media_type="application/json",
                                 headers={"Location": f"/api/v1/decisions/{decision_id}"}), lang)


def _worded(text: str, catalogue: Any, lang: str, full: str | None = None) -> str:
    """The recommendation's text with its words in `lang` (English: the worker's text as it is); `full`: the
    full text of which `text` is the brief."""
    if lang == "en":
        return text
    worded = in_language(json.loads(full if full is not None else text), catalogue, lang)
    return json.dumps(brief(worded) if full is not None else worded, ensure_ascii=False, separators=(",", ":"))


def _head(request: Request, decision_id: str, created_at: Any, explain: str | None) -> dict[str, Any]:
    """What the answer says before the recommendation: the decision's id, time and page, and for the default
    (brief) answer where its full explanation is."""
    head = {"decision_id": decision_id, "created_at": timestamp(created_at),
            "page": decision_page(request, decision_id)}
    if explain != "full":
        head["explanation_url"] = explanation_url(request, decision_id)
    return head


def explanation_url(request: Request, decision_id: str) -> str:
    """The decision's full explanation in the API (GET /api/v1/decisions/{id}/explanation)."""
    return f"{request.scope.get('root_path', '') or ''}/api/v1/decisions/{decision_id}/explanation"


def decision_page(request: Request, decision_id: str) -> str:
    """The decision's page for people (service/pages/manager.py serves /decisions/{id}), under the service's root."""
    return f"{request.scope.get('root_path', '') or ''}/decisions/{decision_id}"


async def _again(request: Request, store: Any, serving: Any, decision_id: str, explain: str | None) -> Response:
    """The answer a logged decision was given (its recommendation as logged, under its id, in the words it was
    given in), once more (brief unless `explain` is full)."""
    record = await run_in_threadpool(store.get, decision_id)
    if record is None:   # a key's decision is written in the key's transaction: gone only if the log was cut
        raise Unavailable(f"the decision {decision_id} this Idempotency-Key names is not in the log")
    lang = record.language or "en"
    rec = record.recommendation
    if lang != "en":
        rulebase = await rulebase_for(store, serving, record.rulebase_version)
        catalogue = await run_in_threadpool(original_catalogue, store, rulebase, record.translations,
                                            serving.rulebase)
        rec = in_language(rec, catalogue, lang)
    rec = rec if explain == "full" else brief(rec)
    body = {**_head(request, record.id, record.created_at, explain), **rec}
    return set_language(Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                                 status_code=201, media_type="application/json",
                                 headers={"Location": f"/api/v1/decisions/{record.id}", REPLAYED: "true"}), lang)
