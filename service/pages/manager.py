"""Managers' pages: the context form and the recommendation page."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine import ContextError, validate_context

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
    if notice:
        form.unplaced.insert(0, notice)
        form.errors.insert(0, {"field": "", "message": notice, "anchor": "form-errors"})
    return render(request, "evaluate.html", status_code=status_code, form=form,
                  form_action=path_for(request, "evaluate_submit"), examples=example_names())


@router.get("/evaluate", response_class=HTMLResponse, name="evaluate_form")
async def evaluate_form(request: Request, example: str | None = None) -> Response:
    try:
        access.require(request, access.MANAGE)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    source = request.query_params.get("from")
    raw = forms.default_raw()
    if example:
        data = load_example(example)
        if data is None:
            return error_page(request, 404, "No such example", "There is no pilot example of that name.")
        raw = forms.raw_from_context(data)
    elif source:
        if not access.allowed(request, access.READ_DECISION):
            return error_page(request, 403, "Not allowed", "You may not read that decision.")
        rec = await backend.get_record(request, source)
        if rec is None:
            return error_page(request, 404, "No such decision", "The decision log has no decision with that id.")
        context = backend.field(rec, "context") or {}
        raw = forms.raw_from_context(context if isinstance(context, dict) else {})
    return _form_page(request, raw)


@router.post("/evaluate", response_class=HTMLResponse, name="evaluate_submit")
async def evaluate_submit(request: Request) -> Response:
    try:
        identity = access.require(request, access.MANAGE)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    submitted = await request.form()
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
    except Exception as exc:  # WorkerFailure and the engine's evaluation errors
        name = type(exc).__name__
        return _form_page(request, raw, status_code=503,
                          notice=f"The recommendation could not be computed ({name}: {exc}). "
                                 "Your answers are kept: try again.")
    stored = await backend.record(request, identity, context, rec)
    decision_id = backend.field(stored, "id", stored)
    return RedirectResponse(path_for(request, "recommendation_page", decision_id=decision_id), status_code=303)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse, name="recommendation_page")
async def recommendation_page(request: Request, decision_id: str) -> Response:
    try:
        access.require(request, access.READ_DECISION)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    stored = await backend.get_record(request, decision_id)
    if stored is None:
        return error_page(request, 404, "No such decision", "The decision log has no decision with that id.")
    rec = backend.field(stored, "recommendation") or {}
    context = backend.field(stored, "context") or {}
    project = context.get("project") if isinstance(context, dict) else None
    return render(request, "recommendation.html", record=_record_view(stored), rec=rec,
                  project_name=(project or {}).get("name") or "(unnamed project)",
                  city=(project or {}).get("city"),
                  firings=present.firing_index(rec), names=present.stakeholder_names(rec, context))


def _record_view(stored: Any) -> dict[str, Any]:
    f = backend.field
    created = f(stored, "created_at")
    return {"id": str(f(stored, "id")), "created_at": _fmt_time(created), "context": f(stored, "context") or {},
            "rulebase_version": f(stored, "rulebase_version"), "engine_version": f(stored, "engine_version"),
            "hash": f(stored, "hash"), "prev_hash": f(stored, "prev_hash"), "identity": f(stored, "identity")}


def _fmt_time(value: Any) -> str:
    if value is None:
        return ""
    iso = getattr(value, "isoformat", None)
    text = iso(timespec="seconds") if callable(iso) else str(value)
    return text.replace("T", " ").replace("+00:00", " UTC")
