"""Why not? and what if? for managers and auditors.

  GET  /decisions/{id}/why-not?item=...      why ITEM is not in that decision's recommendation
  GET  /decisions/{id}/what-if?item=&max_changes=&limit=
                                             the smallest answer changes that change its approach (or ITEM)
  POST /recommendations/what-if              a context and changes: both recommendations and their difference

Decisions are read with the same rule as GET /decisions/{id} (a manager sees
only their own; anyone else's is a 404) and explained under the rule base
version that made them. Nothing here writes to the decision log. An unknown
item, a stored context no longer valid, a rule base version not stored or
no worker free is answered by service.errors.
"""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from engine import ContextError, WhatIf, WhyNot, apply_changes
from engine.diff import RecommendationDiff, diff
from engine.whatif import FieldChange
from service.api.common import ERRORS, JsonBodyRoute, Manager, Reader, visible_to
from service.deps import PoolDep, ServingDep, StoreDep
from service.whynot_whatif import SERVICE_MAX_CHANGES, what_if_decision, why_not_decision
from service.http import unprocessable
from service.log import DecisionRecord
from service.schemas import ErrorOut

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly
ITEM_HELP = ("approach:CODE, technique:CODE, arrangement:CODE, skill:CODE, warning:CODE, avoided_technique:CODE, "
             "participant:STAKEHOLDER:LEVEL or participant:STAKEHOLDER:role:ROLE")


class WhyNotOut(WhyNot):
    decision_id: str


class WhatIfOut(WhatIf):
    decision_id: str


class ChangeIn(BaseModel):
    field: str = Field(description="An answer, e.g. decision.public_conflict_likely.")
    value: bool | str | None


class WhatIfIn(BaseModel):
    context: dict[str, Any] = Field(description="A project context (see /api/v1/schema/context).")
    changes: list[ChangeIn] = Field(max_length=50)


class ChangedOut(BaseModel):
    changes: list[FieldChange]
    original: dict[str, Any] = Field(description="The recommendation for the context as given.")
    changed: dict[str, Any] = Field(description="The recommendation with the changes applied.")
    diff: RecommendationDiff


async def _record(store: Any, decision_id: str, identity: Any) -> DecisionRecord:
    record = await run_in_threadpool(store.get, decision_id)
    owner = visible_to(identity)
    if record is None or (owner is not None and record.caller_name != owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    return record


EXPLAIN_ERRORS = {**ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut, "description": "The decision's "
                  "rule base version is not stored"}, 422: {"model": ErrorOut}}


@router.get("/decisions/{decision_id}/why-not", response_model=WhyNotOut, responses=EXPLAIN_ERRORS,
            summary="Why an item is not in a decision's recommendation")
async def decision_why_not(store: StoreDep, serving: ServingDep, decision_id: str, identity: Reader,
                           item: Annotated[str, Query(max_length=300, description=ITEM_HELP)]) -> Any:
    """Which rules could have produced the item, which of their conditions failed with the actual values,
    or which rule eliminated, avoided or overrode it; or that no rule can ever produce it. Firing numbers
    are those of the Python evaluator's run, which may differ from the stored recommendation's."""
    record = await _record(store, decision_id, identity)
    answer = await why_not_decision(store, serving, record, item)
    return {**answer.model_dump(mode="json"), "decision_id": record.id}


@router.get("/decisions/{decision_id}/what-if", response_model=WhatIfOut,
            responses={**EXPLAIN_ERRORS, 503: {"model": ErrorOut}},
            summary="The smallest answer changes that would change a decision's approach (or an item)")
async def decision_what_if(store: StoreDep, serving: ServingDep, decision_id: str, identity: Reader,
                           item: Annotated[str | None, Query(max_length=300, description=ITEM_HELP)] = None,
                           max_changes: Annotated[int, Query(ge=1, le=SERVICE_MAX_CHANGES)] = 2,
                           limit: Annotated[int, Query(ge=1, le=20)] = 5) -> Any:
    """Searches decision, public and capacity answers (yes/no and choices), fewest changes first, bounded;
    every result is re-evaluated by the engine and comes with its own explanation. Engine disagreements
    are listed in `errors`."""
    record = await _record(store, decision_id, identity)
    answer = await what_if_decision(store, serving, record, item=item or None, max_changes=max_changes, limit=limit)
    return {**answer.model_dump(mode="json"), "decision_id": record.id}


@router.post("/recommendations/what-if", response_model=ChangedOut,
             responses={**ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}},
             summary="Compare a context's recommendation with the one after some changes (not logged)")
async def recommendations_what_if(pool: PoolDep, identity: Manager, body: WhatIfIn) -> Any:
    """Evaluates the context as given and with `changes` applied, both by the engine workers, and returns
    both recommendations and their difference item by item. Neither is a decision: nothing is written to
    the decision log, and neither has a decision_id. A bad change is a 422 naming changes[i].field or
    changes[i].value; a bad context names context.<field>."""
    raw = [c.model_dump() for c in body.changes]
    try:
        changed_context, applied = apply_changes(body.context, raw)
    except ContextError as exc:   # named from the body's root, where the context is its `context`
        return unprocessable("invalid context", [{**e, "field": f"context.{e['field']}".rstrip(".")}
                                                 for e in exc.errors])
    original = await pool.evaluate(json.loads(json.dumps(body.context)))   # both sides on the leased version
    changed = await pool.evaluate(changed_context)
    return {"changes": [c.model_dump(mode="json") for c in applied], "original": original, "changed": changed,
            "diff": diff(original, changed).model_dump(mode="json")}
