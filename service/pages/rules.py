"""Rules for everyone: one page per rule (/rules/{id}) in words, which every rule id on a page links to.

A manager who opens "Why?" meets rule ids; each leads here: the rule's title, rationale and sources, its
conditions and conclusions in the catalogue's words (and as written, for authors), where it lives
(file:line) and the decisions it fired in (the caller's own, or all of them for an auditor).
"""
from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from engine.rulebase import RuleBase, rulebase_cache
from engine.words import condition_words
from service import evidence
from service.deps import RuleBaseDep, SettingsDep, StoreDep
from service.log import DecisionFilter

from . import access, backend
from .render import error_page, refusal, render
from .l10n import N_, _
from .wording import local_time, words_for

router = APIRouter()

EVERY_ROLE = access.READ_DECISION + access.AUTHOR_ROLES
RECENT = 20
# a conclusion kind's catalogue, and how a page says it
_CONCLUSIONS = {"techniques": ("technique", N_("Recommends the techniques")),
                "avoid_techniques": ("technique", N_("Rules out the techniques")),
                "arrangements": ("arrangement", N_("Recommends the arrangements")),
                "skills": ("skill", N_("Calls for the skills")), "skill_gaps": ("skill", N_("Says the team lacks")),
                "warnings": ("warning", N_("Warns")), "eliminate": ("approach", N_("Rules out the approaches")),
                "prefer": ("approach", N_("Prefers")), "recruitment": ("recruitment", N_("Selects the group by")),
                "mode": ("mode", N_("Has the group take part by"))}
# a plan bound, as the line 'Bounds the plan' says it ('core at most 4')
_BOUNDS = {"core_at_most": N_("core at most"), "cost_at_most": N_("cost at most"),
           "facilitation_at_most": N_("facilitation at most"), "time_at_most": N_("time at most")}


def conclusions(then: dict[str, Any], words: Any, rule_id: str = "") -> list[dict[str, Any]]:
    """What a rule concludes, one line per kind, in words; codes kept beside for authors. `rule_id`: the rule's,
    whose reason for leaving a group out is translated under its id."""
    out = []
    for kind, value in then.items():
        values = value if isinstance(value, list) else [value]
        if kind in _CONCLUSIONS:
            item, said = _CONCLUSIONS[kind][0], _(_CONCLUSIONS[kind][1])
            if item == "approach":
                shown = [words.approach(v) if v in words.terms.approaches or "_" in str(v) else str(v)
                         for v in values]
                shown = [words.policy(v) if v in ("least_involving", "most_involving") else s
                         for v, s in zip(values, shown)]
            else:
                shown = [words.item(item, v) for v in values]
        elif kind == "participant" and isinstance(value, dict):
            said = _("Gives the group the role")
            shown = [words.say("role.at_level", role=words.item("role", value.get("role", "")),
                               level=words.level(value.get("level")))]
        elif kind == "exclude":
            said, shown = _("Leaves the group out"), [words.text(f"rules.{rule_id}.exclude", str(value))
                                                   if rule_id else str(value)]
        elif kind == "derive":
            said, shown = _("Concludes"), [words.field(f"derived.{v}") for v in values]
        elif kind == "plan" and isinstance(value, dict):
            said = _("Bounds the plan")
            shown = [f"{_(_BOUNDS[k]) if k in _BOUNDS else k.replace('_', ' ')} "
                     f"{words.lower(words.option('level', v)) if isinstance(v, str) else v}"
                     for k, v in value.items()]
        else:
            said, shown = kind.replace("_", " ").capitalize(), [str(v) for v in values]
        out.append({"kind": kind, "said": said, "shown": shown, "codes": [str(v) for v in values]
                    if not isinstance(value, dict) else [f"{k}: {v}" for k, v in value.items()]})
    return out


# topics: what a rule concludes, as a manager would look for it (a rule may be under several)
TOPICS = (("approach", N_("The approach"), ("eliminate", "prefer", "derive")),
          ("people", N_("Who takes part, and how"), ("participant", "exclude", "recruitment", "mode")),
          ("techniques", N_("Techniques"), ("techniques", "avoid_techniques")),
          ("plan", N_("Sizing the plan to the team"), ("plan",)),
          ("arrangements", N_("Governance arrangements"), ("arrangements",)),
          ("skills", N_("Skills"), ("skills", "skill_gaps")),
          ("warnings", N_("Warnings"), ("warnings",)))


def _files(rulebase: RuleBase) -> dict[str, str]:
    """Each policy file's description (its topic, in the author's words)."""
    def build(rb: RuleBase) -> dict[str, str]:
        out = {}
        for rel, text in rb.files.items():
            if rel.startswith("policy/"):
                try:
                    data = yaml.safe_load(text)
                except yaml.YAMLError:
                    data = None
                said = data.get("description") if isinstance(data, dict) else ""
                out[rel] = " ".join(str(said or "").split())
        return out
    return rulebase_cache(rulebase, "policy_descriptions", build)


def in_words(rule: Any, words: Any) -> dict[str, Any]:
    """A rule as authored, its title and rationale in the reader's language (the author's English where none)."""
    authored = rule.as_authored()
    return {**authored, "title": words.rule_title(rule.id, rule.title),
            "rationale": words.rule_rationale(rule.id, rule.rationale)}


def _searchable(rulebase: RuleBase, words: Any) -> dict[str, str]:
    """What a search matches for each rule, in the reader's language (one index per language): id, title and
    rationale (in that language and as authored), file, conditions and conclusions in words."""
    def build(rb: RuleBase) -> dict[str, str]:
        out = {}
        for r in rb.rules:
            said = in_words(r, words)
            found = [r.id, said["title"], said["rationale"], r.title, r.rationale, r.file,
                     _flat(condition_words(words, r.when_raw))]
            found += [f"{c['said']} {' '.join(c['shown'])} {' '.join(c['codes'])}"
                      for c in conclusions(said["then"], words, r.id)]
            out[r.id] = " ".join(found).lower()
        return out
    return rulebase_cache(rulebase, f"rule_search:{words.lang}", build)


def _flat(node: dict[str, Any]) -> str:
    if "items" in node:
        return " ".join(_flat(i) for i in node["items"])
    return f"{node.get('text', '')} {node.get('raw', '')}"


@router.get("/rules", response_class=HTMLResponse, name="rule_browser")
async def rule_browser(request: Request, rulebase: RuleBaseDep, store: StoreDep, by: str = "file", file: str = "",
                       topic: str = "", q: str = "") -> Response:
    """Every rule, one line each, grouped by file (with the file's description) or by topic, searchable."""
    if (refused := refusal(request, EVERY_ROLE)) is not None:
        return refused
    by = by if by in ("file", "topic") else "file"
    needle = " ".join(q.lower().split())[:200]
    words = words_for(rulebase)
    search = _searchable(rulebase, words)
    shown = [r for r in rulebase.rules if (not file or r.file == file)
             and (not topic or any(getattr(r.then, k, None) for t in TOPICS if t[0] == topic for k in t[2]))
             and (not needle or all(w in search[r.id] for w in needle.split()))]
    descriptions = _files(rulebase)
    groups: list[dict[str, Any]] = []
    if by == "file":
        for name in sorted({r.file for r in shown}):
            groups.append({"title": name, "description": descriptions.get(name, ""),
                           "rules": [r for r in shown if r.file == name]})
    else:
        for key, title, kinds in TOPICS:
            members = [r for r in shown if any(getattr(r.then, k, None) for k in kinds)]
            if members and (not topic or key == topic):
                groups.append({"title": _(title), "description": None, "rules": members})
    counts = await backend.fire_counts(store) if access.allowed(request, access.AUDIT + access.AUTHOR_ROLES) else {}
    titles = {r.id: words.rule_title(r.id, r.title) for r in shown}
    return render(request, "rules.html", groups=groups, titles=titles, files=sorted(descriptions),
                  topics=[(key, _(title), kinds) for key, title, kinds in TOPICS],
                  by=by, file=file, topic=topic, q=q, total=len(rulebase.rules), shown=len(shown), counts=counts,
                  show_counts=bool(counts) or access.allowed(request, access.AUDIT + access.AUTHOR_ROLES))


@router.get("/rules/{rule_id}", response_class=HTMLResponse, name="rule_page")
async def rule_page(request: Request, rule_id: str, rulebase: RuleBaseDep, store: StoreDep,
                    settings: SettingsDep) -> Response:
    if (refused := refusal(request, EVERY_ROLE)) is not None:
        return refused
    rule = rulebase.by_id.get(rule_id) if len(rule_id) <= 200 else None
    if rule is None:
        return error_page(request, 404, _("No such rule"), _("The rule base serving now has no rule with that id. "
                          "Rules are listed, by file and topic, on the rules page."))
    words = words_for(rulebase)
    authored = in_words(rule, words)
    identity = access.get_identity(request)
    auditor = identity.has(*access.AUDIT)
    mine = None if auditor else identity.name
    recent = await backend.list_records(store, DecisionFilter(rule=rule.id, caller=mine), None, RECENT)
    fired_in = [{"id": r.id, "when": local_time(r.created_at), "project": _project(r)} for r in recent.items]
    counts = await backend.fire_counts(store) if auditor else {}
    sources = [{"key": s, "citation": rulebase.catalogue.sources[s].citation if s in rulebase.catalogue.sources
                else s} for s in rule.sources]
    # the rule's evidence: how often its advice was followed where evaluated, and how it scored (service/evidence)
    found = await run_in_threadpool(evidence.overview, store, rulebase, settings.rules_dir)
    return render(request, "rule.html", rule=authored, when=condition_words(words, rule.when_raw),
                  then=conclusions(authored["then"], words, rule.id), sources=sources, fired_in=fired_in,
                  more=recent.next_cursor is not None, total=counts.get(rule.id), auditor=auditor,
                  by_stakeholder=rule.scope == "stakeholder", topic=_files(rulebase).get(rule.file, ""),
                  evidence=next((row for row in found.rules if row.code == rule.id), None),
                  min_evaluations=found.min_evaluations)


def _project(record: Any) -> str:
    try:
        context = record.context
    except ValueError:
        return ""
    project = context.get("project") if isinstance(context, dict) else None
    if not isinstance(project, dict):
        return ""
    return ", ".join(str(v) for v in (project.get("name"), project.get("city")) if v)
