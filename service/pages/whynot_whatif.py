"""The "why not …?" and "what would have to change?" pages of a decision.

GET /decisions/{id}/why-not?item=...       the reasons an item is not recommended (a form to ask another)
GET /decisions/{id}/what-if?item=&max_changes=
                                           the smallest answer changes that change the approach (or the item)

Same readers as the recommendation page (managers their own decisions,
auditors all); the work is done by service.whynot_whatif, under the rule base
version that made the decision. An unknown item is shown on the form; any
other error is the error page of service.errors.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine import ItemError
from service.deps import ServingDep, StoreDep
from service.whynot_whatif import SERVICE_MAX_CHANGES, what_if_decision, why_not_decision

from . import present
from .decisions import context_of, decision_or_error_page, project_name, record_view, why_not_choices
from .render import render

router = APIRouter()

def _common(stored: Any, rulebase: Any) -> dict[str, Any]:
    rec = stored.recommendation
    return {"record": record_view(stored), "rec": rec, "project_name": project_name(context_of(stored)),
            "names": present.stakeholder_names(rec, context_of(stored)),
            "choices": why_not_choices(rec, rulebase)}


@router.get("/decisions/{decision_id}/why-not", response_class=HTMLResponse, name="why_not_page")
async def why_not_page(request: Request, store: StoreDep, serving: ServingDep, decision_id: str,
                       item: str | None = None) -> Response:
    stored = await decision_or_error_page(request, store, decision_id)
    if isinstance(stored, Response):
        return stored
    answer, problem = None, None
    if item:
        try:
            answer = await why_not_decision(store, serving, stored, item[:300])
        except ItemError as exc:
            problem = str(exc)
    return render(request, "why_not.html", status_code=422 if problem else 200, answer=answer, problem=problem,
                  item=item or "", **_common(stored, serving.rulebase))


@router.get("/decisions/{decision_id}/what-if", response_class=HTMLResponse, name="what_if_page")
async def what_if_page(request: Request, store: StoreDep, serving: ServingDep, decision_id: str,
                       item: str | None = None, max_changes: int = 2) -> Response:
    stored = await decision_or_error_page(request, store, decision_id)
    if isinstance(stored, Response):
        return stored
    max_changes = min(max(max_changes, 1), SERVICE_MAX_CHANGES)
    try:
        answer = await what_if_decision(store, serving, stored, item=item or None, max_changes=max_changes, limit=5)
    except ItemError as exc:
        return render(request, "why_not.html", status_code=422, answer=None, problem=str(exc), item=item or "",
                      **_common(stored, serving.rulebase))
    return render(request, "what_if.html", answer=answer, item=item or "", max_changes=max_changes,
                  **_common(stored, serving.rulebase))
