"""The "why not …?" and "what would have to change?" pages of a decision.

GET /decisions/{id}/why-not?item=...       the reasons an item is not recommended (a form to ask another)
GET /decisions/{id}/what-if?item=&max_changes=
                                           the smallest answer changes that change the approach (or the item)

Same readers as the recommendation page (managers their own decisions,
auditors all); the work is done by service.explaining, under the rule base
version that made the decision. `why_not_choices` feeds the control on the
recommendation page.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine import ContextError, EngineError, ItemError, ResolutionError
from engine.approaches import BY_CODE, ORDER
from engine.whynot import LEVELS
from service.explaining import SERVICE_MAX_CHANGES, RuleBaseUnavailable, what_if_decision, why_not_decision
from service.workers import WorkerFailure

from . import present
from .manager import context_of, decision_or_error_page, record_view
from .render import error_page, render

router = APIRouter()

_SECTIONS = (("techniques", "technique", "Techniques"), ("governance", "arrangement", "Governance arrangements"),
             ("skills", "skill", "Skills"), ("warnings", "warning", "Warnings"))
_CATALOGUE = {"technique": "techniques", "arrangement": "arrangements", "skill": "skills", "warning": "warnings"}


def why_not_choices(rec: dict[str, Any], rulebase: Any) -> list[dict[str, Any]]:
    """What a manager may ask "why not …?" about: everything the recommendation does not contain, grouped."""
    groups: list[dict[str, Any]] = []
    chosen = (rec.get("approach") or {}).get("code")
    groups.append({"label": "Approaches", "options": [(f"approach:{c}", f"{BY_CODE[c].label} ({BY_CODE[c].thomas})")
                                                      for c in ORDER if c != chosen]})
    people = []
    for p in rec.get("participants") or ():
        for level in LEVELS:
            if p.get("excluded") or p.get("iap2_level") != level:
                people.append((f"participant:{p['stakeholder']}:{level}", f"{p.get('name')} at {level}"))
    groups.append({"label": "Participants", "options": people})
    catalogue = getattr(rulebase, "catalogue", None)
    for section, kind, label in _SECTIONS:
        have = {it.get("code") for it in rec.get(section) or ()}
        entries = getattr(catalogue, _CATALOGUE[kind], {}) if catalogue is not None else {}
        groups.append({"label": label, "options": [(f"{kind}:{code}", e.label) for code, e in entries.items()
                                                   if code not in have]})
    return [g for g in groups if g["options"]]


def _common(request: Request, stored: Any) -> dict[str, Any]:
    rec = stored.recommendation
    project = context_of(stored).get("project") or {}
    return {"record": record_view(stored), "rec": rec, "project_name": project.get("name") or "(unnamed project)",
            "names": present.stakeholder_names(rec, context_of(stored)),
            "choices": why_not_choices(rec, request.app.state.rulebase)}


def _failure(request: Request, exc: Exception) -> HTMLResponse:
    if isinstance(exc, WorkerFailure):
        return error_page(request, 503, "The engine is unavailable", f"Try again in a moment ({exc.kind}).")
    if isinstance(exc, RuleBaseUnavailable):
        return error_page(request, 409, "Rule base not available", str(exc))
    return error_page(request, 422, "This decision cannot be explained", str(exc))


@router.get("/decisions/{decision_id}/why-not", response_class=HTMLResponse, name="why_not_page")
async def why_not_page(request: Request, decision_id: str, item: str | None = None) -> Response:
    stored = await decision_or_error_page(request, decision_id)
    if isinstance(stored, Response):
        return stored
    answer, problem = None, None
    if item:
        try:
            answer = await why_not_decision(request, stored, item[:300])
        except ItemError as exc:
            problem = str(exc)
        except (ContextError, ResolutionError, RuleBaseUnavailable, EngineError) as exc:
            return _failure(request, exc)
    return render(request, "why_not.html", status_code=422 if problem else 200, answer=answer, problem=problem,
                  item=item or "", **_common(request, stored))


@router.get("/decisions/{decision_id}/what-if", response_class=HTMLResponse, name="what_if_page")
async def what_if_page(request: Request, decision_id: str, item: str | None = None, max_changes: int = 2) -> Response:
    stored = await decision_or_error_page(request, decision_id)
    if isinstance(stored, Response):
        return stored
    max_changes = min(max(max_changes, 1), SERVICE_MAX_CHANGES)
    try:
        answer = await what_if_decision(request, stored, item=item or None, max_changes=max_changes, limit=5)
    except ItemError as exc:
        return render(request, "why_not.html", status_code=422, answer=None, problem=str(exc), item=item or "",
                      **_common(request, stored))
    except (ContextError, ResolutionError, RuleBaseUnavailable, WorkerFailure, EngineError) as exc:
        return _failure(request, exc)
    return render(request, "what_if.html", answer=answer, item=item or "", max_changes=max_changes,
                  **_common(request, stored))
