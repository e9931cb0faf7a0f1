"""Evidence pages: which advice works where (charts, tables, plain words), and recording what happened.

=====================================  ==========================================  =========================
GET  /evidence                         every technique, approach, role and rule    any role
GET  /evidence/{kind}/{code}           one of them: followed or not, by context    any role
GET  /decisions/{id}/outcomes          a decision's evaluations and the form       manager (own), evaluator
POST /decisions/{id}/outcomes          record an evaluation                        manager (own), evaluator
=====================================  ==========================================  =========================

The manager's decision page carries the same form (manager.py); the
auditor's report lists the evaluations (auditor.py).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from engine.localize import approach_label
from engine.words import Words
from service import evidence, i18n
from service.auth import AUDITOR, AUTHOR, EVALUATOR, MANAGER
from service.deps import RuleBaseDep, SettingsDep, StoreDep
from service.evidence import charts
from service.evidence.aggregate import DIMENSIONS
from service.log import DatabaseError, DecisionRecord, LogError
from service.log.evaluations import UnknownDecision

from . import access, backend
from .decisions import context_of, project_name
from .evidence_views import form_view, outcomes_context, read_form
from .render import error_page, path_for, refusal, render
from .l10n import N_, _
from .wording import words_for

router = APIRouter()
READERS = (MANAGER, AUDITOR, AUTHOR, EVALUATOR)
RECORDERS = (MANAGER, EVALUATOR)
KIND_TITLES = {"techniques": N_("Technique"), "rules": N_("Rule"), "approaches": N_("Approach"), "roles": N_("Role")}


@router.get("/evidence", response_class=HTMLResponse, name="evidence_page")
async def evidence_page(request: Request, store: StoreDep, rulebase: RuleBaseDep, settings: SettingsDep) -> Response:
    if (refused := refusal(request, READERS)) is not None:
        return refused
    overview = in_words(await run_in_threadpool(evidence.overview, store, rulebase, settings.rules_dir),
                        words_for(rulebase))
    return render(request, "evidence.html", overview=overview,
                  charts=[c for c in (charts.followed_chart(overview, "techniques"),
                                      charts.followed_chart(overview, "roles")) if c is not None])


@router.get("/evidence/{kind}/{code}", response_class=HTMLResponse, name="evidence_detail")
async def evidence_detail(request: Request, store: StoreDep, rulebase: RuleBaseDep, settings: SettingsDep,
                          kind: str, code: str) -> Response:
    if (refused := refusal(request, READERS)) is not None:
        return refused
    found = None
    if kind in evidence.KIND_PATHS and len(code) <= 200:
        found = await run_in_threadpool(evidence.evidence_for, store, rulebase, settings.rules_dir,
                                        evidence.KIND_PATHS[kind], code)
    if found is None:
        return error_page(request, 404, _("No such evidence"), _("There is no technique, rule, approach or role of that "
                                                              "name in the rule base or the decision log."))
    words = words_for(rulebase)
    found = found.model_copy(update={"label": label_in(words, found.kind, found.code, found.label)})
    return render(request, "evidence_detail.html", ev=found, kind=kind, kind_title=_(KIND_TITLES[kind]),
                  outcomes_chart=charts.outcomes_chart(found),
                  context_charts=[(d, charts.context_chart(found, d)) for d in DIMENSIONS],
                  measures=[m for m, o in found.outcomes.items() if o.followed.n or o.not_followed.n])


def label_in(words: Words, kind: str, code: str, english: str) -> str:
    """The name of a technique, role, approach or rule the evidence is about, in the reader's language (the
    catalogue's translated label, Thomas's approach, the rule's translated title; `english` where none)."""
    if kind in ("technique", "role"):
        return words.item(kind, code) if code in getattr(words.catalogue, f"{kind}s") else english
    if kind == "approach":
        return approach_label(words, code, english)
    if kind == "rule":
        return words.rule_title(code, english)
    return english


def in_words(overview: Any, words: Words) -> Any:
    """The evidence overview with each row's label in the reader's language (English: as it is)."""
    if words.lang == i18n.DEFAULT:
        return overview
    return overview.model_copy(update={
        kind: [row.model_copy(update={"label": label_in(words, kind[:-1] if kind != "approaches" else "approach",
                                                         row.code, row.label)})
               for row in getattr(overview, kind)]
        for kind in ("techniques", "approaches", "roles", "rules")})


async def _recordable(request: Request, store: Any, decision_id: str) -> DecisionRecord | Response:
    """The decision if this caller may record its outcomes, else the page they get (401, 403 or 404)."""
    if (refused := refusal(request, RECORDERS)) is not None:
        return refused
    record = await backend.get_record(store, decision_id) if len(decision_id) <= 100 else None
    identity = access.get_identity(request)
    if record is None or not evidence.may_record(identity, record):
        return error_page(request, 404, _("No such decision"), _("The decision log has no decision with that id whose "
                                                              "outcomes you may record."))
    return record


def _page(request: Request, record: DecisionRecord, rulebase: Any, evaluations: list[dict[str, Any]],
          form: dict[str, Any], status_code: int = 200) -> Response:
    approach = record.recommendation.get("approach") or {}
    return render(request, "outcomes.html", status_code=status_code, record=record,
                  project_name=project_name(context_of(record)),
                  approach=approach_label(words_for(rulebase), approach["code"], approach.get("label"))
                  if approach.get("code") else approach.get("label"), evaluations=evaluations,
                  form=form, may_read=access.allowed(request, access.AUDIT) or record.caller_name ==
                  getattr(access.get_identity(request), "name", None))


@router.get("/decisions/{decision_id}/outcomes", response_class=HTMLResponse, name="outcomes_page")
async def outcomes_page(request: Request, store: StoreDep, rulebase: RuleBaseDep, decision_id: str) -> Response:
    record = await _recordable(request, store, decision_id)
    if isinstance(record, Response):
        return record
    return _page(request, record, rulebase, await outcomes_context(store, record, rulebase),
                 form_view(record, rulebase))


@router.post("/decisions/{decision_id}/outcomes", response_class=HTMLResponse, name="outcomes_submit")
async def outcomes_submit(request: Request, store: StoreDep, rulebase: RuleBaseDep, decision_id: str) -> Response:
    record = await _recordable(request, store, decision_id)
    if isinstance(record, Response):
        return record
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    form = await request.form(max_fields=2000, max_files=0)
    raw, evaluation, errors = read_form(form, record, rulebase)
    if evaluation is None:
        return _page(request, record, rulebase, await outcomes_context(store, record, rulebase),
                     form_view(record, rulebase, raw, errors), status_code=422)
    identity = access.get_identity(request)
    try:
        await run_in_threadpool(lambda: store.evaluations.record(decision_id=record.id, identity=identity,
                                                                 evaluation=evidence.body_of(evaluation)))
    except UnknownDecision:
        return error_page(request, 404, _("No such decision"), _("The decision log has no decision with that id."))
    except (SQLAlchemyError, DatabaseError, LogError):
        form_data = form_view(record, rulebase, raw, [{"field": "", "message": "The evaluation could not be written "
                                                       "to the decision log: your answers are kept, try again later."}])
        return _page(request, record, rulebase, await outcomes_context(store, record, rulebase), form_data,
                     status_code=503)
    back = path_for(request, "recommendation_page", decision_id=record.id) \
        if raw.get("back") == "decision" and access.allowed(request, access.READ_DECISION) \
        else path_for(request, "outcomes_page", decision_id=record.id)
    return RedirectResponse(back + "#evaluations", status_code=303)
