"""Managers' pages: the context form and the recommendation page."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine import CogovError, ContextError, validate_context
from sqlalchemy.exc import SQLAlchemyError

from service import evidence
from service.deps import PoolDep, RuleBaseDep, StoreDep, serving_now
from service.errors import problem
from service.log import DatabaseError, LogError
from service.workers import WorkerFailure

from . import access, backend, forms, present
from .decisions import (context_of, decision_or_error_page, project_name, readable_record, recommendation_of,
                        record_view, why_not_choices)
from .evidence_views import form_view, outcomes_context
from .render import error_page, path_for, refusal, render
from .l10n import _
from .wording import ASKED, fill_stakeholder_ids, local_time, message_words, plan_of, where_words, words_for

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
    words = words_for(serving_now(request).rulebase)
    # every message in words, never a regular expression (service/pages/wording.py)
    errors = [{**e, "message": message_words(e, words)} for e in errors or ()]
    form = forms.build_form(raw, errors)
    for e in form.errors:       # where each problem is, in the same words as the form's labels
        if e.get("field"):
            e["where"] = where_words(str(e["field"]), words)
    return render(request, "evaluate.html", status_code=status_code, form=form, notice=notice,
                  form_action=path_for(request, "evaluate_submit"), examples=example_names())


@router.get("/evaluate", response_class=HTMLResponse, name="evaluate_form")
async def evaluate_form(request: Request, store: StoreDep, example: str | None = None) -> Response:
    if (refused := refusal(request, access.MANAGE)) is not None:
        return refused
    source = request.query_params.get("from")
    raw = forms.default_raw()
    for key in ASKED:        # asked, not preset: the objective decides between approaches
        section, name = key.split(".")
        raw.get(section, {})[name] = ""
    if example:
        data = load_example(example)
        if data is None:
            return error_page(request, 404, _("No such example"), _("There is no pilot example of that name."))
        raw = forms.raw_from_context(data)
    elif source:
        stored = await readable_record(request, store, source)
        if stored is None:
            return error_page(request, 404, _("No such decision"), _("The decision log has no decision with that id."))
        context = context_of(stored)
        raw = forms.raw_from_context(context)
    return _form_page(request, raw)


@router.post("/evaluate", response_class=HTMLResponse, name="evaluate_submit")
async def evaluate_submit(request: Request, pool: PoolDep, store: StoreDep, rulebase: RuleBaseDep) -> Response:
    try:
        identity = access.require(request, access.MANAGE)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, _("Not allowed"), denied.message)
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    # a full form (200 stakeholder groups) has more fields than the parser's default limit of 1000
    submitted = await request.form(max_fields=forms.max_controls(forms.context_spec()) + 10, max_files=0)
    raw, action = forms.parse_submission(submitted)
    if action != forms.ACTION_EVALUATE:
        forms.apply_action(raw, action)
        return _form_page(request, raw)
    fill_stakeholder_ids(raw)       # a group left without a short name gets one made from its name
    unanswered = [{"field": key, "type": "form_missing", "message": "answer this question"} for key in sorted(ASKED)
                  if not str((raw.get(key.split(".")[0]) or {}).get(key.split(".")[1]) or "").strip()]
    context, errors = forms.context_from_raw(raw)
    errors = unanswered + errors
    # Validate here too, so form errors and schema errors show together.
    try:
        validate_context(context)
    except ContextError as exc:
        errors = errors + list(exc.errors)
    if errors:
        return _form_page(request, raw, errors, status_code=422)
    try:
        rec = await backend.evaluate(pool, context)
    except (CogovError, WorkerFailure) as exc:   # the form again, answers kept: status and words from service.errors
        said = problem(exc)
        if isinstance(exc, ContextError):
            return _form_page(request, raw, list(exc.errors), status_code=said.status)
        return _form_page(request, raw, status_code=said.status,
                          notice=_("%(problem)s. Your answers are kept.") % {"problem": said.page_message.rstrip(".")})
    try:
        # its record says the page's language and the translations used: those of the pool's rule base snapshot
        stored = await backend.record(store, identity, context, rec, rulebase.catalogue)
    except (SQLAlchemyError, DatabaseError, LogError):
        # a recommendation is never shown unlogged
        return _form_page(request, raw, status_code=503,
                          notice=_("The decision could not be written to the decision log, so no recommendation "
                                   "is shown: your answers are kept, try again later."))
    return RedirectResponse(path_for(request, "recommendation_page", decision_id=stored.id), status_code=303)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse, name="recommendation_page")
async def recommendation_page(request: Request, store: StoreDep, rulebase: RuleBaseDep,
                              decision_id: str) -> Response:
    stored = await decision_or_error_page(request, store, decision_id)
    if isinstance(stored, Response):
        return stored
    rec = recommendation_of(stored, rulebase)      # in the reader's words, before anything is built from it
    context = context_of(stored)
    project = context.get("project") if isinstance(context.get("project"), dict) else {}
    identity = access.get_identity(request)
    return render(request, "recommendation.html", record={**record_view(stored), "when": local_time(stored.created_at)},
                  rec=rec, plan=plan_of(rec, rulebase),
                  project_name=project_name(context), city=project.get("city"),
                  firings=present.firing_index(rec), names=present.stakeholder_names(rec, context),
                  choices=why_not_choices(rec, rulebase), item="",
                  evaluations=await outcomes_context(store, stored, rulebase),   # what happened after it
                  outcome_form=form_view(stored, rulebase) if evidence.may_record(identity, stored) else None)
