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

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, SkipValidation
from starlette.concurrency import run_in_threadpool

from engine import ContextError, ProjectContext, Recommendation, WhatIf, WhyNot, apply_changes
from engine.diff import RecommendationDiff, diff
from engine.recommendation import Because
from engine.whatif import FieldChange, Scenario
from service.api.common import ERRORS, UNAVAILABLE, JsonBodyRoute, Manager, Reader, problem, visible_to
from service.deps import PoolDep, ServingDep, StoreDep
from service.rule_words import api_language, catalogue_for, set_language, what_if_in, why_not_in
from service.whynot_whatif import SERVICE_MAX_CHANGES, rulebase_for, what_if_decision, why_not_decision
from service.http import unprocessable
from service.log import DecisionRecord

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly
ITEM_HELP = ("approach:CODE, technique:CODE, arrangement:CODE, skill:CODE, warning:CODE, avoided_technique:CODE, "
             "participant:STAKEHOLDER:LEVEL or participant:STAKEHOLDER:role:ROLE")


class WhyNotOut(WhyNot):
    """Why an item is not in a decision's recommendation: the rules that could have produced it and the
    conditions that failed with the context's actual values, or what beat it, or that no rule can produce it."""

    because: list[Because] = Field(default_factory=list, description="When the item is recommended after all: "
                                                                      "the rule firings that produced it.")
    decision_id: str = Field(description="The decision explained.")


class ScenarioOut(Scenario):
    """One smallest set of answer changes, evaluated again, with its own explained recommendation."""

    recommendation: Recommendation = Field(description="The full explained recommendation for the context with "
                                                       "these changes.")


class WhatIfOut(WhatIf):
    """The smallest sets of answer changes that change the decision's approach (or the item asked about),
    closest first, and how far the search went."""

    scenarios: list[ScenarioOut] = Field(description="The change sets found, fewest changes first.")
    decision_id: str = Field(description="The decision explained.")


class ChangeIn(BaseModel):
    """One answer to change in the context."""

    field: str = Field(description="The answer's path in the context, e.g. `decision.public_conflict_likely`.")
    value: bool | str | None = Field(description="Its new value: true/false, a choice's code, or null to remove "
                                                 "an optional answer.")


# the context is validated as POST /recommendations validates it, by the same code, and its errors are named
# from the body's root (context.<field>); the OpenAPI shows the context's schema
class WhatIfIn(BaseModel):
    """A context and the answers to change in it."""

    context: SkipValidation[ProjectContext] = Field(   # a dict here, validated by apply_changes
        description="A project context, as POST /api/v1/recommendations takes it.")
    changes: list[ChangeIn] = Field(max_length=50, description="The answers to change (at most 50).")


class ChangedOut(BaseModel):
    """A context's recommendation compared with the one after some changes; neither is logged."""

    changes: list[FieldChange] = Field(description="The changes applied, each with the old and the new value.")
    original: Recommendation = Field(description="The recommendation for the context as given.")
    changed: Recommendation = Field(description="The recommendation with the changes applied.")
    diff: RecommendationDiff = Field(description="What differs, item by item.")


async def _record(store: Any, decision_id: str, identity: Any) -> DecisionRecord:
    record = await run_in_threadpool(store.get, decision_id)
    owner = visible_to(identity)
    if record is None or (owner is not None and record.caller_name != owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    return record


EXPLAIN_ERRORS = {**ERRORS, **problem(404, "No decision with this id, or (for a manager) not one of the caller's own."),
                  **problem(409, "The rule base version that made the decision is not stored."),
                  **problem(422, "A query value is not valid, e.g. an unknown item, or the stored context is no "
                                 "longer valid.")}


@router.get("/decisions/{decision_id}/why-not", response_model=WhyNotOut, responses=EXPLAIN_ERRORS,
            summary="Why an item is not in a decision's recommendation", operation_id="explainWhyNot",
            tags=["explanations"])
async def decision_why_not(request: Request, response: Response, store: StoreDep, serving: ServingDep,
                           decision_id: str, identity: Reader,
                           item: Annotated[str, Query(max_length=300, description=ITEM_HELP)]) -> Any:
    """Which rules could have produced the item, which of their conditions failed with the actual values,
    or which rule eliminated, avoided or overrode it; or that no rule can ever produce it. Explained under
    the rule base version that made the decision. Firing numbers come from evaluating the context again and
    may differ from the stored recommendation's."""
    record = await _record(store, decision_id, identity)
    answer = await why_not_decision(store, serving, record, item)
    lang = api_language(request)        # the words in the reader's language (service/rule_words.py)
    set_language(response, lang)
    data = answer.model_dump(mode="json")
    if lang != "en":
        rulebase = await rulebase_for(store, serving, record.rulebase_version)
        data = why_not_in(data, catalogue_for(rulebase, serving.rulebase), lang, record.context)
    return {**data, "decision_id": record.id}


@router.get("/decisions/{decision_id}/what-if", response_model=WhatIfOut,
            responses={**EXPLAIN_ERRORS, **UNAVAILABLE},
            summary="The smallest answer changes that would change a decision's approach (or an item)",
            operation_id="findWhatIf", tags=["explanations"])
async def decision_what_if(request: Request, response: Response, store: StoreDep, serving: ServingDep,
                           decision_id: str, identity: Reader,
                           item: Annotated[str | None, Query(max_length=300, description=ITEM_HELP)] = None,
                           max_changes: Annotated[int, Query(ge=1, le=SERVICE_MAX_CHANGES,
                                                             description="Most answers changed at once")] = 2,
                           limit: Annotated[int, Query(ge=1, le=20, description="Most change sets answered")] = 5
                           ) -> Any:
    """Searches the decision, public and capacity answers (yes/no and choices), fewest changes first, within
    a bound; every change set found is evaluated again and comes with its own explained recommendation.
    Disagreements between the two evaluations are listed in `errors`. Nothing is logged."""
    record = await _record(store, decision_id, identity)
    answer = await what_if_decision(store, serving, record, item=item or None, max_changes=max_changes, limit=limit)
    lang = api_language(request)
    set_language(response, lang)
    data = answer.model_dump(mode="json")
    if lang != "en":
        rulebase = await rulebase_for(store, serving, record.rulebase_version)
        data = what_if_in(data, catalogue_for(rulebase, serving.rulebase), lang, record.context)
    return {**data, "decision_id": record.id}


@router.post("/recommendations/what-if", response_model=ChangedOut,
             responses={**ERRORS, **problem(422, "The context or a change is not valid (`errors` names each)."),
                        **UNAVAILABLE},
             summary="Compare a context's recommendation with the one after some changes (not logged)",
             operation_id="compareRecommendations", tags=["recommendations"])
async def recommendations_what_if(pool: PoolDep, identity: Manager, body: WhatIfIn) -> Any:
    """Evaluates the context as given and with `changes` applied, and answers both recommendations and their
    difference item by item. Neither is a decision: nothing is written to the decision log, and neither has
    a decision_id. A bad change is a 422 naming changes[i].field or changes[i].value; a bad context names
    context.<field>."""
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
