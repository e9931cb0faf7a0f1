"""Reading the decision log: GET /decisions, /decisions/{id}, /audit/verify."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from starlette.concurrency import run_in_threadpool

from service.api.common import ERRORS, Auditor, Reader, visible_to
from service.deps import StoreDep
from service.http import unprocessable
from service.log import DecisionFilter
from service.schemas import DateOrTime, DecisionOut, DecisionPageOut, ErrorOut, VerifyOut

router = APIRouter()


@router.get("/decisions", response_model=DecisionPageOut, responses={**ERRORS, 422: {"model": ErrorOut}},
            summary="List decisions, newest first")
async def list_decisions(
        store: StoreDep, identity: Reader,
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
                             rulebase_version=rulebase_version, city=city, rule=rule, caller=visible_to(identity))
    try:
        page = await run_in_threadpool(store.list, filters, cursor, limit)
    except ValueError as exc:
        return unprocessable("invalid request", [{"field": "query.cursor", "message": str(exc), "type": "value_error"}])
    return {"items": [r.summary() for r in page.items], "next_cursor": page.next_cursor, "limit": limit}


@router.get("/decisions/{decision_id}", response_model=DecisionOut,
            responses={**ERRORS, 404: {"model": ErrorOut}}, summary="The full audit record of a decision")
async def get_decision(store: StoreDep, decision_id: str, identity: Reader) -> Any:
    """A manager asking for someone else's decision gets 404, as if it did not exist."""
    record = await run_in_threadpool(store.get, decision_id)
    owner = visible_to(identity)
    if record is None or (owner is not None and record.caller_name != owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    return record.as_dict()


@router.get("/audit/verify", response_model=VerifyOut, responses=ERRORS, summary="Verify the log's hash chain")
async def verify_log(store: StoreDep, identity: Auditor) -> Any:
    """Walks the whole chain (as `cogov audit verify` does); ok=false names the first bad record."""
    result = await run_in_threadpool(store.verify)
    return result.as_dict()


