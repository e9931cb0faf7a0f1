"""What the pages that show a stored decision share: reading it for this caller, laying it out, and the
items one may ask "why not …?" about.

The recommendation page (manager.py), the why-not and what-if pages
(whynot_whatif.py) and the auditor's report (auditor.py) all build on this
module, so none of them imports another.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from engine.approaches import ORDER
from engine.rulebase import RuleBase
from engine.whynot import LEVELS
from engine.words import ITEM_KINDS
from service.log import DecisionRecord, DecisionStore
from service.rule_words import in_language

from . import access, backend, l10n
from .render import error_page, refusal
from .l10n import N_, _
from .wording import local_time, words_for

_SECTIONS = (("techniques", "technique", N_("Techniques")), ("governance", "arrangement", N_("Governance arrangements")),
             ("skills", "skill", N_("Skills")), ("warnings", "warning", N_("Warnings")))


async def readable_record(request: Request, store: DecisionStore, decision_id: str) -> DecisionRecord | None:
    """The decision, if this caller may read it: auditors read all, managers their own."""
    identity = access.get_identity(request)
    if identity is None or len(decision_id) > 100:
        return None
    stored = await backend.get_record(store, decision_id)
    if stored is None:
        return None
    if identity.has(access.AUDITOR) or stored.caller_name == identity.name:
        return stored
    return None


async def decision_or_error_page(request: Request, store: DecisionStore,
                                 decision_id: str) -> DecisionRecord | Response:
    """The decision for a page that shows it, or the error page a caller who may not read it gets."""
    if (refused := refusal(request, access.READ_DECISION)) is not None:
        return refused
    stored = await readable_record(request, store, decision_id)
    if stored is None:
        return error_page(request, 404, _("No such decision"), _("The decision log has no decision with that id "
                                                               "that you may read."))
    return stored


def recommendation_of(stored: DecisionRecord, rulebase: Any) -> dict[str, Any]:
    """The stored (English) recommendation with the rule base's words in the reader's language, as the API and
    the CLI say it (engine.localize): made once, before a page builds anything from it (the plan, the firings
    of the Why? sections, the why-not choices, the print view, the PDF). English: the stored one itself."""
    return in_language(stored.recommendation, getattr(rulebase, "catalogue", None), l10n.current())


def project_name(context: dict[str, Any]) -> str:
    """The project's name as the pages head a decision with it."""
    project = context.get("project")
    return (project.get("name") if isinstance(project, dict) else None) or _("(unnamed project)")


def context_of(stored: DecisionRecord) -> dict[str, Any]:
    """The stored context as a mapping (empty when the stored text is not a JSON object)."""
    try:
        context = stored.context
    except ValueError:
        return {}
    return context if isinstance(context, dict) else {}


def record_view(stored: DecisionRecord) -> dict[str, Any]:
    return {"id": stored.id, "seq": stored.seq, "created_at": fmt_time(stored.created_at),
            "caller": f"{stored.caller_name} ({stored.caller_role})",
            "rulebase_version": stored.rulebase_version, "rulebase_digest": stored.rulebase_digest,
            "engine_version": stored.engine_version, "hash": stored.hash, "prev_hash": stored.prev_hash,
            "context_raw": stored.context_raw}


def fmt_time(value: datetime) -> str:
    """A stored time as people read it, in the server's local time zone (service/pages/wording.py)."""
    return local_time(value)["text"]


def why_not_choices(rec: dict[str, Any], rulebase: Any) -> list[dict[str, Any]]:
    """What a manager may ask "why not …?" about: everything the recommendation does not contain, grouped."""
    groups: list[dict[str, Any]] = []
    chosen = (rec.get("approach") or {}).get("code")
    words = words_for(rulebase if isinstance(rulebase, RuleBase) else None)
    groups.append({"label": _("Approaches"), "options": [(f"approach:{c}", words.approach(c))
                                                      for c in ORDER if c != chosen]})
    people = []
    for p in rec.get("participants") or ():
        for level in LEVELS:
            if p.get("excluded") or p.get("iap2_level") != level:
                people.append((f"participant:{p['stakeholder']}:{level}",
                               words.say("item.at_level", name=p.get("name"), level=words.level(level))))
    groups.append({"label": _("Participants"), "options": people})
    catalogue = getattr(rulebase, "catalogue", None)
    for section, kind, label in _SECTIONS:
        have = {it.get("code") for it in rec.get(section) or ()}
        entries = getattr(catalogue, ITEM_KINDS[kind], {}) if catalogue is not None else {}
        groups.append({"label": _(label), "options": [(f"{kind}:{code}", words.item(kind, code)) for code in entries
                                                   if code not in have]})
    return [g for g in groups if g["options"]]
