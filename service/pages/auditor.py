"""Auditors' pages: the decision log and the printable decision report."""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine.approaches import APPROACHES, BY_CODE

from . import access, backend, present
from .manager import _fmt_time, _record_view
from .render import error_page, path_for, render

router = APIRouter()

PAGE_SIZE = 50
FILTER_KEYS = ("date_from", "date_to", "approach", "rulebase_version", "city", "rule")


def _identity_text(identity: Any) -> str:
    if identity is None:
        return "(unknown)"
    if isinstance(identity, str):
        return identity
    name = backend.field(identity, "name")
    role = backend.field(identity, "role")
    if name is None and role is None:
        return str(identity)
    return f"{name} ({role})" if role else str(name)


def _filters(request: Request) -> tuple[dict[str, str], dict[str, Any], str | None]:
    """(form values, store filters, error) from the query string."""
    values = {k: (request.query_params.get(k) or "").strip() for k in FILTER_KEYS}
    filters: dict[str, Any] = {}
    error = None
    for key in ("date_from", "date_to"):
        if values[key]:
            try:
                filters[key] = date.fromisoformat(values[key])
            except ValueError:
                error = f"{key.replace('_', ' ')}: write a date as YYYY-MM-DD"
    if values["approach"]:
        if values["approach"] in BY_CODE:
            filters["approach"] = values["approach"]
        else:
            error = "approach: unknown approach"
    for key in ("rulebase_version", "city", "rule"):
        if values[key]:
            filters[key] = values[key]
    return values, filters, error


def _row(stored: Any) -> dict[str, Any]:
    f = backend.field
    context = f(stored, "context") or {}
    project = context.get("project", {}) if isinstance(context, dict) else {}
    rec = f(stored, "recommendation") or {}
    approach = (rec.get("approach") or {}) if isinstance(rec, dict) else {}
    return {"id": str(f(stored, "id")), "created_at": _fmt_time(f(stored, "created_at")),
            "project": project.get("name") or "(unnamed)", "city": project.get("city"),
            "approach": approach.get("label") or approach.get("code") or "",
            "rulebase_version": f(stored, "rulebase_version"), "by": _identity_text(f(stored, "identity"))}


@router.get("/log", response_class=HTMLResponse, name="decision_log")
async def decision_log(request: Request) -> Response:
    try:
        access.require(request, access.AUDIT)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    values, filters, error = _filters(request)
    cursor = request.query_params.get("cursor") or None
    rows: list[dict[str, Any]] = []
    next_cursor = None
    if error is None:
        try:
            items, next_cursor = await backend.list_records(request, filters, cursor, PAGE_SIZE)
            rows = [_row(r) for r in items]
        except ValueError as exc:       # a bad cursor or filter the store refused
            error = str(exc)
    base = path_for(request, "decision_log")
    kept = {k: v for k, v in values.items() if v}
    rulebase = backend.state(request, "rulebase")
    return render(request, "log.html", rows=rows, f=values, error=error, cursor=cursor,
                  approaches=APPROACHES, chain=await backend.verify(request),
                  rule_ids=[r.id for r in getattr(rulebase, "rules", [])],
                  first_url=base + ("?" + urlencode(kept) if kept else ""),
                  next_url=(base + "?" + urlencode({**kept, "cursor": next_cursor})) if next_cursor else None)


@router.get("/log/{decision_id}", response_class=HTMLResponse, name="decision_report")
async def decision_report(request: Request, decision_id: str) -> Response:
    try:
        access.require(request, access.AUDIT)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    stored = await backend.get_record(request, decision_id)
    if stored is None:
        return error_page(request, 404, "No such decision", "The decision log has no decision with that id.")
    record = _record_view(stored)
    rec = backend.field(stored, "recommendation") or {}
    context = record["context"] if isinstance(record["context"], dict) else {}
    chain = await backend.verify(request)
    chain["this_record_affected"] = _affected(chain, record["id"])
    project = context.get("project") or {}
    return render(request, "report.html", record=record, rec=rec, chain=chain,
                  project_name=project.get("name") or "(unnamed project)",
                  identity_text=_identity_text(record["identity"]),
                  input_sections=present.context_sections(context),
                  firings=present.firing_index(rec), names=present.stakeholder_names(rec, context))


def _affected(chain: dict[str, Any], record_id: str) -> bool:
    """Is this record at or after the first bad one? (ids compare as numbers when they are numbers)."""
    bad = chain.get("first_bad_id")
    if chain.get("ok") or bad is None:
        return False
    try:
        return int(record_id) >= int(bad)
    except (TypeError, ValueError):
        return str(record_id) == str(bad)
