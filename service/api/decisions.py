"""Reading the decision log: GET /decisions, /decisions/{id}, /audit/verify."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from starlette.concurrency import run_in_threadpool

from service.api.caching import DECISION_MAX_AGE, IfNoneMatch, cached_answer_doc, immutable_json
from service.api.common import ERRORS, Auditor, Reader, problem, visible_to
from service.deps import StoreDep
from service.http import unprocessable
from service.log import DecisionFilter
from service.schemas import DateOrTime, DecisionOut, DecisionPageOut, VerifyOut

router = APIRouter()
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
async def get_decision(store: StoreDep, decision_id: str, identity: Reader,
                       if_none_match: IfNoneMatch = None) -> Any:
    """Everything logged about one decision: the context as received, the recommendation answered, the rule
    base version and the hash chain links. A manager asking for someone else's decision gets 404, as if it
    did not exist. Decisions never change (except that retention may replace declared personal fields), so
    the answer has an `ETag` and may be cached."""
    record = await run_in_threadpool(store.get, decision_id)
    owner = visible_to(identity)
    if record is None or (owner is not None and record.caller_name != owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    # as stored: the context's values untrimmed and its defaults not filled in, so not re-validated here
    return immutable_json(record.as_dict(), if_none_match, DECISION_MAX_AGE)


@router.get("/audit/verify", response_model=VerifyOut, operation_id="verifyLog", tags=["audit"], responses=ERRORS,
            summary="Verify the decision log's hash chains")
async def verify_log(store: StoreDep, identity: Auditor) -> Any:
    """Walks the whole log, as `cogov audit verify` does: every decision (its hash, its link to the one before,
    its stored rule files), then every rule base activation. `ok` false names the first bad decision
    (`first_bad_id`, `first_bad_seq`) or the first bad activation (`first_bad_activation`), and `reason` says
    why. Takes time on a large log."""
    result = await run_in_threadpool(store.verify)
    return {**result.as_dict(), "activations": result.activations,
            "first_bad_activation": result.first_bad_activation}
