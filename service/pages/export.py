"""Export and share a decision (issue 15, item 5): a print view, a PDF, a JSON download.

GET /decisions/{id}/print            the plan and the explained recommendation as one document, flat: each item
                                     names its numbered firings, no "Why?" line (print it for paper)
GET /decisions/{id}/report.pdf       the same document as a PDF (service/pdf.py, WeasyPrint)
GET /decisions/{id}/decision.json    the decision as the log keeps it: id, time, versions, context,
                                     recommendation (plan first), for sharing or archiving

Same readers as the recommendation page: managers their own decisions, auditors all.
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from service.deps import RuleBaseDep, StoreDep
from service.log import DecisionRecord
from service.log.chain import timestamp
from service.pdf import PdfUnavailable, html_to_pdf

from . import present
from .decisions import context_of, decision_or_error_page, project_name, recommendation_of, record_view
from .render import SECURITY_HEADERS, error_page, page_headers, path_for, render_html
from .l10n import _
from .wording import local_time, plan_of

router = APIRouter()


def _document(request: Request, stored: DecisionRecord, rulebase: Any, for_pdf: bool) -> str:
    """The decision as a document (templates/decision_print.html)."""
    rec = recommendation_of(stored, rulebase)      # in the reader's words, before anything is built from it
    context = context_of(stored)
    project = context.get("project") if isinstance(context.get("project"), dict) else {}
    return render_html(request, "decision_print.html", record={**record_view(stored),
                       "when": local_time(stored.created_at)}, rec=rec, plan=plan_of(rec, rulebase),
                       project_name=project_name(context), city=project.get("city"),
                       firings=present.firing_index(rec), names=present.stakeholder_names(rec, context),
                       for_pdf=for_pdf)


def _filename(stored: DecisionRecord, suffix: str) -> str:
    return f"cogov-decision-{stored.id}.{suffix}"


@router.get("/decisions/{decision_id}/print", response_class=HTMLResponse, name="decision_print")
async def decision_print(request: Request, store: StoreDep, rulebase: RuleBaseDep, decision_id: str) -> Response:
    stored = await decision_or_error_page(request, store, decision_id)
    if isinstance(stored, Response):
        return stored
    return HTMLResponse(_document(request, stored, rulebase, for_pdf=False), headers=page_headers())


@router.get("/decisions/{decision_id}/report.pdf", name="decision_pdf")
async def decision_pdf(request: Request, store: StoreDep, rulebase: RuleBaseDep, decision_id: str) -> Response:
    stored = await decision_or_error_page(request, store, decision_id)
    if isinstance(stored, Response):
        return stored
    html = _document(request, stored, rulebase, for_pdf=True)
    try:
        pdf = await run_in_threadpool(html_to_pdf, html)
    except PdfUnavailable as exc:
        return error_page(request, 503, _("No PDF right now"),
                          _("%(reason)s. The print view has the same content.") % {"reason": exc})
    return Response(pdf, media_type="application/pdf", headers={
        **page_headers(), "Content-Disposition": f'attachment; filename="{_filename(stored, "pdf")}"'})


@router.get("/decisions/{decision_id}/decision.json", name="decision_json")
async def decision_json(request: Request, store: StoreDep, decision_id: str) -> Response:
    stored = await decision_or_error_page(request, store, decision_id)
    if isinstance(stored, Response):
        return stored
    body = {"decision_id": stored.id, "created_at": timestamp(stored.created_at),
            "page": path_for(request, "recommendation_page", decision_id=stored.id),
            "rulebase_version": stored.rulebase_version, "engine_version": stored.engine_version,
            "context": context_of(stored), "recommendation": _plan_first(stored.recommendation)}
    return Response(json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"), media_type="application/json",
                    headers={**SECURITY_HEADERS,
                             "Content-Disposition": f'attachment; filename="{_filename(stored, "json")}"'})


def _plan_first(rec: dict[str, Any]) -> dict[str, Any]:
    """The recommendation with its plan first, as the engine answers it (the log keeps its keys sorted)."""
    return {"plan": rec["plan"], **rec} if isinstance(rec, dict) and "plan" in rec else rec
