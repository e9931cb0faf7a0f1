"""Auditors' pages: the decision log and the printable decision report."""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine.approaches import APPROACHES, BY_CODE
from engine.localize import approach_label
from engine.words import Words
from service.deps import RuleBaseDep, StoreDep
from service.log import DecisionFilter, DecisionRecord

from . import access, backend, present
from .decisions import context_of, fmt_time, project_name, recommendation_of, record_view
from .evidence_views import outcomes_context
from .governance import last_verification
from .render import error_page, path_for, refusal, render
from .l10n import _
from .wording import words_for

router = APIRouter()

PAGE_SIZE = 50
FILTER_KEYS = ("date_from", "date_to", "approach", "rulebase_version", "city", "rule")


def parse_filters(values: dict[str, str]) -> tuple[DecisionFilter, list[str]]:
    """The store filter for the log page's query values, and what was wrong with them."""
    errors: list[str] = []
    days: dict[str, date | None] = {"date_from": None, "date_to": None}
    for key in days:
        if values.get(key):
            try:
                days[key] = date.fromisoformat(values[key])
            except ValueError:
                errors.append(f"{key.replace('_', ' ')}: write a date as YYYY-MM-DD")
    approach = values.get("approach") or None
    if approach and approach not in BY_CODE:
        errors.append("approach: unknown approach")
        approach = None
    return DecisionFilter(date_from=days["date_from"], date_to=days["date_to"], approach=approach,
                          rulebase_version=values.get("rulebase_version") or None,
                          city=values.get("city") or None, rule=values.get("rule") or None), errors


def _row(stored: DecisionRecord, words: Words) -> dict[str, Any]:
    """One line of the log list, the approach in the reader's words."""
    label = approach_label(words, stored.approach, BY_CODE[stored.approach].label) if stored.approach in BY_CODE \
        else (stored.approach or "")
    return {"id": stored.id, "created_at": fmt_time(stored.created_at),
            "project": stored.project_name or _("(unnamed project)"), "city": stored.city, "approach": label,
            "rulebase_version": stored.rulebase_version, "by": f"{stored.caller_name} ({stored.caller_role})"}


@router.get("/log", response_class=HTMLResponse, name="decision_log")
async def decision_log(request: Request, store: StoreDep, rulebase: RuleBaseDep) -> Response:
    if (refused := refusal(request, access.AUDIT)) is not None:
        return refused
    values = {k: (request.query_params.get(k) or "").strip()[:200] for k in FILTER_KEYS}
    filters, errors = parse_filters(values)
    cursor = request.query_params.get("cursor") or None
    words = words_for(rulebase)
    rows: list[dict[str, Any]] = []
    next_cursor = None
    if not errors:
        try:
            page = await backend.list_records(store, filters, cursor, PAGE_SIZE)
            rows, next_cursor = [_row(r, words) for r in page.items], page.next_cursor
        except ValueError as exc:       # a cursor the store did not make
            errors.append(str(exc))
    base = path_for(request, "decision_log")
    kept = {k: v for k, v in values.items() if v}
    return render(request, "log.html", status_code=422 if errors else 200, rows=rows, f=values,
                  error="; ".join(errors) or None, cursor=cursor,
                  approaches=[{"code": a.code, "label": approach_label(words, a.code, a.label)} for a in APPROACHES],
                  verified=last_verification(store), rule_ids=[r.id for r in rulebase.rules],
                  first_url=base + ("?" + urlencode(kept) if kept else ""),
                  next_url=(base + "?" + urlencode({**kept, "cursor": next_cursor})) if next_cursor else None)


@router.get("/log/{decision_id}", response_class=HTMLResponse, name="decision_report")
async def decision_report(request: Request, store: StoreDep, rulebase: RuleBaseDep, decision_id: str) -> Response:
    if (refused := refusal(request, access.AUDIT)) is not None:
        return refused
    stored = await backend.get_record(store, decision_id) if len(decision_id) <= 100 else None
    if stored is None:
        return error_page(request, 404, _("No such decision"), _("The decision log has no decision with that id."))
    rec = recommendation_of(stored, rulebase)      # in the reader's words, before anything is built from it
    context = context_of(stored)
    chain = await backend.verify(store)
    bad_seq = chain.get("first_bad_seq")
    chain["this_record_affected"] = chain.get("ok") is False and (bad_seq is None or stored.seq >= bad_seq)
    return render(request, "report.html", record=record_view(stored), rec=rec, chain=chain,
                  project_name=project_name(context),
                  input_sections=present.context_sections(context, words_for(rulebase)),
                  context_pretty=_pretty(stored.context_raw),
                  firings=present.firing_index(rec), names=present.stakeholder_names(rec, context),
                  evaluations=await outcomes_context(store, stored, rulebase))


def _pretty(raw: str) -> str:
    import json

    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw
