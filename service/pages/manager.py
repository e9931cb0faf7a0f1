"""Managers' pages: the context form and the recommendation page."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine import ContextError, EngineError, ResolutionError, validate_context
from sqlalchemy.exc import SQLAlchemyError

from service.log import DatabaseError, DecisionRecord, LogError
from service.workers import WorkerFailure

from . import access, backend, forms, present
from .render import error_page, path_for, render

router = APIRouter()

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples" / "pilots"
_EXAMPLE_NAME = re.compile(r"^[a-z0-9_-]{1,64}$")


def example_names() -> list[str]:
    try:
        return sorted(p.stem for p in EXAMPLES_DIR.glob("*.json") if _EXAMPLE_NAME.match(p.stem))
    except OSError:
        return []


def load_example(name: str) -> dict[str, Any] | None:
    if not _EXAMPLE_NAME.match(name) or name not in example_names():
        return None
    try:
        data = json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _form_page(request: Request, raw: dict[str, Any], errors: list[dict[str, Any]] | None = None,
               status_code: int = 200, notice: str | None = None) -> HTMLResponse:
    form = forms.build_form(raw, errors)
    return render(request, "evaluate.html", status_code=status_code, form=form, notice=notice,
                  form_action=path_for(request, "evaluate_submit"), examples=example_names())


@router.get("/evaluate", response_class=HTMLResponse, name="evaluate_form")
async def evaluate_form(request: Request, example: str | None = None) -> Response:
    if (refused := access.refusal(request, access.MANAGE)) is not None:
        return refused
    source = request.query_params.get("from")
    raw = forms.default_raw()
    if example:
        data = load_example(example)
        if data is None:
            return error_page(request, 404, "No such example", "There is no pilot example of that name.")
        raw = forms.raw_from_context(data)
    elif source:
        stored = await readable_record(request, source)
        if stored is None:
            return error_page(request, 404, "No such decision", "The decision log has no decision with that id.")
        context = context_of(stored)
        raw = forms.raw_from_context(context)
    return _form_page(request, raw)


@router.post("/evaluate", response_class=HTMLResponse, name="evaluate_submit")
async def evaluate_submit(request: Request) -> Response:
    try:
        identity = access.require(request, access.MANAGE)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    if not access.same_origin(request):
        return error_page(request, 403, "Not allowed", "This form was sent from another site.")
    # a full form (200 stakeholder groups) has more fields than the parser's default limit of 1000
    submitted = await request.form(max_fields=forms.max_controls(forms.context_spec()) + 10, max_files=0)
    raw, action = forms.parse_submission(submitted)
    if action != forms.ACTION_EVALUATE:
        forms.apply_action(raw, action)
        return _form_page(request, raw)
    context, errors = forms.context_from_raw(raw)
    # Validate here too, so form errors and schema errors show together.
    try:
        validate_context(context)
    except ContextError as exc:
        errors = errors + list(exc.errors)
    if errors:
        return _form_page(request, raw, errors, status_code=422)
    try:
        rec = await backend.evaluate(request, context)
    except ContextError as exc:
        return _form_page(request, raw, list(exc.errors), status_code=422)
    except WorkerFailure as exc:
        return _form_page(request, raw, status_code=503,
                          notice=f"The engine is unavailable ({exc.kind}): your answers are kept, try again.")
    except ResolutionError as exc:
        return _form_page(request, raw, status_code=422,
                          notice=f"The rule base cannot make a recommendation for these answers: {exc}")
    except EngineError as exc:
        return _form_page(request, raw, status_code=500, notice=f"The rules engine failed on these answers: {exc}")
    try:
        stored = await backend.record(request, identity, context, rec)
    except (SQLAlchemyError, DatabaseError, LogError):
        # a recommendation is never shown unlogged
        return _form_page(request, raw, status_code=503,
                          notice="The decision could not be written to the decision log, so no recommendation "
                                 "is shown: your answers are kept, try again later.")
    return RedirectResponse(path_for(request, "recommendation_page", decision_id=stored.id), status_code=303)


async def readable_record(request: Request, decision_id: str) -> DecisionRecord | None:
    """The decision, if this caller may read it: auditors read all, managers their own."""
    identity = access.get_identity(request)
    if identity is None or len(decision_id) > 100:
        return None
    stored = await backend.get_record(request, decision_id)
    if stored is None:
        return None
    if identity.has(access.AUDITOR) or stored.caller_name == identity.name:
        return stored
    return None


async def decision_or_error_page(request: Request, decision_id: str) -> DecisionRecord | Response:
    """The decision for a page that shows it, or the error page a caller who may not read it gets."""
    if (refused := access.refusal(request, access.READ_DECISION)) is not None:
        return refused
    stored = await readable_record(request, decision_id)
    if stored is None:
        return error_page(request, 404, "No such decision", "The decision log has no decision with that id "
                                                             "that you may read.")
    return stored


def context_of(stored: DecisionRecord) -> dict[str, Any]:
    """The stored context as a mapping (empty when the stored text is not a JSON object)."""
    try:
        context = stored.context
    except ValueError:
        return {}
    return context if isinstance(context, dict) else {}


@router.get("/decisions/{decision_id}", response_class=HTMLResponse, name="recommendation_page")
async def recommendation_page(request: Request, decision_id: str) -> Response:
    stored = await decision_or_error_page(request, decision_id)
    if isinstance(stored, Response):
        return stored
    rec = stored.recommendation
    context = context_of(stored)
    project = context.get("project") if isinstance(context.get("project"), dict) else {}
    from .explain import why_not_choices   # late: explain builds on this module
    return render(request, "recommendation.html", record=record_view(stored), rec=rec,
                  project_name=project.get("name") or "(unnamed project)", city=project.get("city"),
                  firings=present.firing_index(rec), names=present.stakeholder_names(rec, context),
                  choices=why_not_choices(rec, request.app.state.rulebase), item="")


def record_view(stored: DecisionRecord) -> dict[str, Any]:
    return {"id": stored.id, "seq": stored.seq, "created_at": fmt_time(stored.created_at),
            "caller": f"{stored.caller_name} ({stored.caller_role})",
            "rulebase_version": stored.rulebase_version, "rulebase_digest": stored.rulebase_digest,
            "engine_version": stored.engine_version, "hash": stored.hash, "prev_hash": stored.prev_hash,
            "context_raw": stored.context_raw}


def fmt_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
