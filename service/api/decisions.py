"""Reading the decision log: GET /decisions, /decisions/{id}, /audit/verify."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from starlette.concurrency import run_in_threadpool

from service.api.caching import DECISION_MAX_AGE, IfNoneMatch, cached_answer_doc, immutable_json
from service.api.common import ERRORS, Auditor, Reader, problem, visible_to
from service.deps import ServingDep, StoreDep
from service.http import unprocessable
from service.log import DecisionFilter
from service.rule_words import api_language, catalogue_for, in_language, original_catalogue, set_language
from engine.explanation import brief
from service.api.recommendations import EXPLAIN_HELP, Explain, decision_page
from service.log.chain import timestamp
from service.schemas import DateOrTime, DecisionOut, DecisionPageOut, RecommendationOut, VerifyOut
from service.whynot_whatif import rulebase_for

router = APIRouter()
LANG_HELP = ("The language of the recommendation's words (en, it, de, sv, el, pt; English where a text is not "
             "translated); codes and keys stay as they are. Without it, the words the answer was given in.")
NOT_FOUND = problem(404, "No decision with this id, or (for a manager) not one of the caller's own.")


@router.get("/decisions", response_model=DecisionPageOut, operation_id="listDecisions", tags=["decisions"],
            responses={**ERRORS, **problem(422, "A filter or the cursor is not valid (`errors` names it).")},
            summary="List decisions, newest first")
async def list_decisions(
        store: StoreDep, identity: Reader,
        date_from: Annotated[DateOrTime | None, Query(description="Earliest, inclusive (a date: from 0:00Z)")] = None,
        date_to: Annotated[DateOrTime | None, Query(description="Latest, inclusive (a date: to its end, UTC)")] = None,
        approach: Annotated[str | None, Query(max_length=64, description="Only this approach's code")] = None,
        rulebase_version: Annotated[str | None, Query(max_length=100,
                                                      description="Only decisions made with this version")] = None,
        city: Annotated[str | None, Query(max_length=200, description="Only this city (case-insensitive)")] = None,
        rule: Annotated[str | None, Query(max_length=200, description="Only decisions in which it fired")] = None,
        cursor: Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="Decisions per page")] = 50) -> Any:
    """Decisions in the log, newest first, a page at a time (follow `next_cursor`). A manager sees their own
    decisions; an auditor sees every decision."""
    filters = DecisionFilter(date_from=date_from, date_to=date_to, approach=approach,
                             rulebase_version=rulebase_version, city=city, rule=rule, caller=visible_to(identity))
    try:
        page = await run_in_threadpool(store.list, filters, cursor, limit)
    except ValueError as exc:
        return unprocessable("invalid request", [{"field": "query.cursor", "message": str(exc), "type": "value_error"}])
    return {"items": [r.summary() for r in page.items], "next_cursor": page.next_cursor, "limit": limit}


@router.get("/decisions/{decision_id}", response_model=DecisionOut, operation_id="getDecision", tags=["decisions"],
            responses={**ERRORS, **NOT_FOUND, **cached_answer_doc("decision")},
            summary="The full audit record of a decision")
async def get_decision(request: Request, store: StoreDep, serving: ServingDep, decision_id: str, identity: Reader,
                       if_none_match: IfNoneMatch = None,
                       lang: Annotated[str | None, Query(description=LANG_HELP, max_length=35)] = None,
                       explain: Explain = None) -> Any:
    """Everything logged about one decision: the context as received, the recommendation answered, the rule
    base version and the hash chain links. A manager asking for someone else's decision gets 404, as if it
    did not exist. Decisions never change (except that retention may replace declared personal fields), so
    the answer has an `ETag` and may be cached. The recommendation's words are those the answer was given in
    (`language`, with the `translations` version it used, as logged), or with `lang` those of that language;
    `Content-Language` says which."""
    record = await _readable(store, decision_id, identity)
    # as stored: the context's values untrimmed and its defaults not filled in, so not re-validated here
    data = record.as_dict()
    said, data["recommendation"] = await _worded(request, store, serving, record, lang, data["recommendation"])
    if explain != "full":     # the plan, the items and their because references (the full: explain=full)
        data["recommendation"] = brief(data["recommendation"])
    return set_language(immutable_json(data, if_none_match, DECISION_MAX_AGE), said)


async def _worded(request: Request, store: Any, serving: Any, record: Any, lang: str | None,
                  recommendation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(the language, the logged recommendation in its words): without `lang`, the words the answer was given
    in (the translations it used, as the log keeps them); with it, the language `lang` and Accept-Language
    name (service/rule_words.py), in the served translations. English: the recommendation as logged."""
    said = api_language(request) if lang else (record.language or "en")
    if said == "en":
        return said, recommendation
    rulebase = await rulebase_for(store, serving, record.rulebase_version)
    if lang:
        catalogue = catalogue_for(rulebase, serving.rulebase)
    else:
        catalogue = await run_in_threadpool(original_catalogue, store, rulebase, record.translations,
                                            serving.rulebase)
    return said, in_language(recommendation, catalogue, said)


async def _readable(store: Any, decision_id: str, identity: Any) -> Any:
    """The decision, if the caller may read it (a manager: their own; 404 otherwise, as if it did not exist)."""
    record = await run_in_threadpool(store.get, decision_id)
    owner = visible_to(identity)
    if record is None or (owner is not None and record.caller_name != owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    return record


@router.get("/decisions/{decision_id}/explanation", response_model=RecommendationOut, operation_id="getExplanation",
            tags=["decisions"], responses={**ERRORS, **NOT_FOUND, **cached_answer_doc("explanation")},
            summary="The full explanation of a decision")
async def get_explanation(request: Request, store: StoreDep, serving: ServingDep, decision_id: str,
                          identity: Reader, if_none_match: IfNoneMatch = None,
                          lang: Annotated[str | None, Query(description=LANG_HELP)] = None) -> Any:
    """The decision's recommendation with its full explanation, as POST /recommendations?explain=full answered
    it: the trace (each firing's rule, title, file and line, the values it matched, the firings it used, its
    conclusions and sources), the sources' citations, what each item overrode, why each technique is in its
    tier and what the catalogue says of it. A decision made since records became compact is rendered from the
    rule base version that made it, which the log keeps. Same readers as the decision; cached like it. Its
    words are those the answer was given in, or with `lang` those of that language, as for the decision;
    `Content-Language` says which."""
    record = await _readable(store, decision_id, identity)
    said, recommendation = await _worded(request, store, serving, record, lang, record.recommendation)
    data = {"decision_id": record.id, "created_at": timestamp(record.created_at),
            "page": decision_page(request, record.id), **recommendation}
    return set_language(immutable_json(data, if_none_match, DECISION_MAX_AGE), said)


@router.get("/audit/verify", response_model=VerifyOut, operation_id="verifyLog", tags=["audit"], responses=ERRORS,
            summary="Verify the decision log's hash chains")
async def verify_log(store: StoreDep, identity: Auditor) -> Any:
    """Walks the whole log, as `cogov audit verify` does: every decision (its hash, its link to the one before,
    its stored rule files), then every rule base activation, then every evaluation. `ok` false says in `chain`
    where the first problem is and names it: the first bad decision (`first_bad_id`, `first_bad_seq`), the
    first bad activation (`first_bad_activation`) or the first bad evaluation (`first_bad_evaluation`,
    `evaluation_id` and the `decision_id` it evaluates); `reason` says why. Takes time on a large log."""
    result = await run_in_threadpool(store.verify)
    return {**result.as_dict(), "activations": result.activations,
            "first_bad_activation": result.first_bad_activation, "evaluations": result.evaluations,
            "first_bad_evaluation": result.first_bad_evaluation, "chain": result.chain,
            "evaluation_id": result.evaluation_id, "decision_id": result.decision_id}
