"""What the pages that show or take evaluations share: the evaluation form (built, read back, its errors by
field) and evaluations laid out for reading. Renders nothing.

The decision's page (manager.py), the report (auditor.py) and the evidence
pages (evidence.py) build on this module, so none of them imports another.
The form maps onto the API's EvaluationIn, so a page and the API accept and
refuse the same evaluations (service.evidence.validate) with the same words.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from engine.approaches import BY_CODE
from engine.diff import items as recommendation_items
from engine.localize import approach_label
from engine.words import Words
from service import evidence
from service.evidence.outcomes import NOT_TAKING_PART
from service.evidence.schemas import EVALUATORS, OECD_STAGES, ROWE_FREWER, EvaluationIn
from service.log import DecisionRecord

from . import present
from .decisions import context_of
from .l10n import N_, _
from .wording import words_for

STAGE_LABELS = {"design_integrity": N_("Design integrity (before it ran)"),
                "process": N_("The process (while or just after it ran)"),
                "pathways_to_impact": N_("Pathways to impact (what came of it)")}
EVALUATOR_LABELS = {"self": N_("The team that ran it"), "independent": N_("Someone independent of it")}
CRITERION_HELP = {
    "representativeness": N_("The participants were a broadly representative sample of the public affected."),
    "independence": N_("The process was run independently and without bias."),
    "early_involvement": N_("The public was involved as early as value judgements became salient."),
    "influence": N_("What came out had a genuine impact on the decision."),
    "transparency": N_("The public could see what was going on and how the decision was made."),
    "resource_accessibility": N_("Participants had the information, time and expertise they needed."),
    "task_definition": N_("The nature and scope of the task were clearly defined."),
    "structured_decision_making": N_("The process used appropriate ways to structure and show its decision making."),
    "cost_effectiveness": N_("It was worth what it cost."),
    "design_integrity": N_("OECD: the process was designed soundly (remit, selection, information, time)."),
    "process": N_("OECD: the deliberation itself was sound (balanced, inclusive, facilitated)."),
    "pathways_to_impact": N_("OECD: the recommendations were answered and influenced what was done."),
}
STATUS_CHOICES = (("", N_("(not said)")), ("followed", N_("followed")), ("dropped", N_("dropped")))


# the criteria's names as the form shows them (the codes, in words)
CRITERION_LABELS = {"representativeness": N_("Representativeness"), "independence": N_("Independence"),
                    "early_involvement": N_("Early involvement"), "influence": N_("Influence"),
                    "transparency": N_("Transparency"), "resource_accessibility": N_("Resource accessibility"),
                    "task_definition": N_("Task definition"),
                    "structured_decision_making": N_("Structured decision making"),
                    "cost_effectiveness": N_("Cost effectiveness"), "design_integrity": N_("Design integrity"),
                    "process": N_("Process"), "pathways_to_impact": N_("Pathways to impact")}


def criterion_label(criterion: str) -> str:
    label = CRITERION_LABELS.get(criterion)
    return _(label) if label else criterion.replace("_", " ").capitalize()


# how the outcomes form names a catalogue item of a kind ('Technique: Citizens' jury')
_ITEM_KINDS = {"technique": N_("Technique: %(item)s"), "arrangement": N_("Arrangement: %(item)s"),
               "skill": N_("Skill: %(item)s"), "warning": N_("Warning: %(item)s")}


def item_label(key: str, rec: Mapping[str, Any], words: Words, names: Mapping[str, str]) -> str:
    """A readable name for an item key of a recommendation (technique:x, participant:g, approach...), the
    catalogue's words in the reader's language."""
    kind, _sep, code = key.partition(":")
    if kind == "approach":
        approach = (rec.get("approach") or {}).get("code")
        return _("Approach: %(approach)s") % {"approach": approach_label(words, approach, BY_CODE[approach].label)} \
            if approach in BY_CODE else _("Approach")
    group = names.get(code, code)
    if kind == "participant":
        return _("%(group)s takes part") % {"group": group}
    if kind == "recruitment":
        return _("How %(group)s is recruited") % {"group": group}
    if kind == "mode":
        return _("How %(group)s takes part") % {"group": group}
    section = {"technique": "techniques", "arrangement": "arrangements", "skill": "skills",
               "warning": "warnings"}.get(kind)
    entry = (getattr(words.catalogue, section, None) or {}).get(code) if section else None
    said = words.item(kind, code) if entry is not None else code
    return _(_ITEM_KINDS[kind]) % {"item": said} if kind in _ITEM_KINDS else f"{kind.capitalize()}: {said}"


def _catalogue_choices(words: Words, name: str) -> list[tuple[str, str]]:
    """(code, label in the reader's language) of each entry of the catalogue `name` (techniques, recruitment)."""
    return [(code, words.item(name, code)) for code in getattr(words.catalogue, name, None) or {}]


def form_view(record: DecisionRecord, rulebase: Any, raw: Mapping[str, Any] | None = None,
              errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Everything the evaluation form shows for `record`: the recommended techniques, groups and other items,
    the catalogue's choices, the criteria, the answers given (`raw`) and the errors by field."""
    rec, context = record.recommendation, context_of(record)
    words = words_for(rulebase)
    names = present.stakeholder_names(rec, context)
    rec_items = recommendation_items(rec)
    recommended = [key.split(":", 1)[1] for key in rec_items if key.startswith("technique:")]
    techniques = dict(_catalogue_choices(words, "techniques"))

    def role(value: str) -> str:
        code, _sep, level = value.partition("@")
        return words.say("role.at_level", role=words.item("role", code), level=words.level(level or None))
    groups = [{"id": key.split(":", 1)[1], "name": names.get(key.split(":", 1)[1], key.split(":", 1)[1]),
               "role": role(value.value)} for key, value in rec_items.items()
              if key.startswith("participant:") and value.value not in NOT_TAKING_PART]
    others = [{"key": key, "label": item_label(key, rec, words, names)} for key in rec_items
              if key == "approach" or key.startswith("arrangement:")]
    by_field: dict[str, list[str]] = {}
    for e in errors or ():
        by_field.setdefault(e["field"], []).append(e["message"])
    return {
        "raw": raw or {}, "errors": errors or [], "by_field": by_field,
        "stages": [(s, _(STAGE_LABELS[s])) for s in OECD_STAGES],
        "evaluators": [(e, _(EVALUATOR_LABELS[e])) for e in EVALUATORS],
        "recommended": [(code, techniques.get(code, code)) for code in recommended],
        "other_techniques": [(c, label) for c, label in techniques.items() if c not in recommended],
        "recruitment": _catalogue_choices(words, "recruitment"), "groups": groups, "others": others,
        "status_choices": [(value, _(text)) for value, text in STATUS_CHOICES],
        "criteria": [(_("Acceptance (Rowe & Frewer 2000)"), ROWE_FREWER[:5]),
                     (_("Process (Rowe & Frewer 2000)"), ROWE_FREWER[5:]), (_("Stages (OECD 2021)"), OECD_STAGES)],
        "criterion_help": {c: _(text) for c, text in CRITERION_HELP.items()}, "criterion_label": criterion_label,
    }


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_form(form: Any, record: DecisionRecord, rulebase: Any
              ) -> tuple[dict[str, Any], EvaluationIn | None, list[dict[str, str]]]:
    """(the answers as given, the evaluation they make or None, errors each naming its form field)."""
    view = form_view(record, rulebase)
    raw: dict[str, Any] = {k: _text(form, k) for k in form.keys() if k not in ("used", "also_used", "recruitment")}
    raw.update(used=list(form.getlist("used")), also_used=list(form.getlist("also_used")),
               recruitment=list(form.getlist("recruitment")))
    errors: list[dict[str, str]] = []

    def number(name: str, label: str, whole: bool = True) -> int | float | None:
        text = raw.get(name, "").replace(",", "").replace("_", "")
        if not text:
            return None
        try:
            return int(text) if whole else float(text)
        except ValueError:
            errors.append({"field": name, "message": f"{label}: write {'a whole number' if whole else 'a number'}"})
            return None

    used = [c for c in raw["used"] + raw["also_used"] if c]
    data: dict[str, Any] = {"stage": raw.get("stage") or "process", "evaluated_by": raw.get("evaluated_by") or "self",
                            "techniques_used": used, "recruitment": [c for c in raw["recruitment"] if c],
                            "synthetic": raw.get("synthetic") == "true", "notes": raw.get("notes") or None,
                            "duration_days": number("duration_days", "duration"), "items": [], "scores": {}}
    participants = number("participants", "participants")
    if participants is None and not any(e["field"] == "participants" for e in errors):
        errors.append({"field": "participants", "message": "participants: say how many people took part (0 if none)"})
    data["participants"] = participants if participants is not None else 0
    amount = number("cost_amount", "cost", whole=False)
    if amount is not None:
        data["cost"] = {"amount": amount, "currency": (raw.get("cost_currency") or "").upper()}
    groups = []
    given = {g["id"]: number(f"group.{g['id']}.participants", f"{g['name']}: people who took part")
             for g in view["groups"]}
    if any(v is not None for v in given.values()):
        for g in view["groups"]:
            sid = g["id"]
            groups.append({"stakeholder": sid, "participants": given[sid] or 0,
                           "population": number(f"group.{sid}.population", f"{g['name']}: people in the group"),
                           "recruitment": raw.get(f"group.{sid}.recruitment") or None})
    data["groups"] = groups
    for code, _label in view["recommended"]:
        reason = raw.get(f"why.technique:{code}")
        if reason:
            data["items"].append({"item": f"technique:{code}", "status": "followed" if code in used else "dropped",
                                  "reason": reason})
    for other in view["others"]:
        status = raw.get(f"status.{other['key']}")
        if status:
            data["items"].append({"item": other["key"], "status": status,
                                  "reason": raw.get(f"why.{other['key']}") or None})
    for _title, criteria in view["criteria"]:
        for criterion in criteria:
            score = number(f"score.{criterion}", criterion_label(criterion))
            if score is not None:
                data["scores"][criterion] = score
    if errors:
        return raw, None, errors
    try:
        evaluation = EvaluationIn.model_validate(data)
    except ValidationError as exc:
        return raw, None, [{"field": _form_field(tuple(e["loc"]), data), "message": _message(e)}
                           for e in exc.errors(include_url=False)]
    found = evidence.validate(evaluation, record, rulebase)
    return raw, (None if found else evaluation), [{"field": _form_field(_loc(e["field"]), data),
                                                    "message": e["message"]} for e in found]


def _loc(path: str) -> tuple:
    """'groups[0].participants' -> ('groups', 0, 'participants')."""
    out: list[Any] = []
    for part in path.replace("]", "").split("."):
        name, *indexes = part.split("[")
        out.append(name)
        out.extend(int(i) for i in indexes)
    return tuple(out)


def _form_field(loc: tuple, data: Mapping[str, Any]) -> str:
    """The form field an error about the evaluation's `loc` belongs to."""
    head = loc[0] if loc else ""
    if head == "scores" and len(loc) > 1:
        return f"score.{loc[1]}"
    if head == "cost":
        return f"cost_{loc[1]}" if len(loc) > 1 else "cost_amount"
    if head == "groups" and len(loc) > 2 and isinstance(loc[1], int) and loc[1] < len(data["groups"]):
        return f"group.{data['groups'][loc[1]]['stakeholder']}.{loc[2]}"
    if head == "items" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(data["items"]):
        key = data["items"][loc[1]]["item"]
        return f"why.{key}" if key.startswith("technique:") else f"status.{key}"
    if head == "techniques_used":
        return "used"
    return str(head)


def _message(error: Mapping[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {str(error.get('msg', 'invalid')).removeprefix('Value error, ')}"


def evaluations_view(views: list[dict[str, Any]], record: DecisionRecord, rulebase: Any) -> list[dict[str, Any]]:
    """Evaluations (service.evidence.view) laid out for reading: items by status with labels and reasons,
    groups with their rates, scores by criterion."""
    rec, context = record.recommendation, context_of(record)
    words = words_for(rulebase)
    names = present.stakeholder_names(rec, context)
    techniques = dict(_catalogue_choices(words, "techniques"))
    out = []
    for v in views:
        reasons = {it["item"]: it.get("reason") for it in v.get("items") or () if isinstance(it, Mapping)}
        by_status: dict[str, list[dict[str, Any]]] = {"followed": [], "dropped": [], "added": []}
        for key, status in v["statuses"].items():
            by_status.setdefault(status, []).append({"key": key, "label": item_label(key, rec, words, names),
                                                     "reason": reasons.get(key)})
        detail = v.get("representation_detail") or {}
        groups = [{"name": names.get(g.get("stakeholder"), g.get("stakeholder")), **g,
                   "rate": detail.get("rates", {}).get(g.get("stakeholder"))} for g in v.get("groups") or ()]
        out.append({**v, "by_status": by_status, "groups_view": groups, "when": _when(v["created_at"]),
                    "absent": [names.get(s, s) for s in detail.get("absent") or ()],
                    "stage_label": _(STAGE_LABELS[v["stage"]]) if v["stage"] in STAGE_LABELS else v["stage"],
                    "evaluator_label": (_(EVALUATOR_LABELS[v.get("evaluated_by")]) if v.get("evaluated_by") in EVALUATOR_LABELS
                                        else v.get("evaluated_by")),
                    "used_labels": [techniques.get(c, c) for c in v.get("techniques_used") or ()],
                    "scores_view": [(criterion_label(c), (v.get("scores") or {}).get(c))
                                    for c in (*ROWE_FREWER, *OECD_STAGES) if c in (v.get("scores") or {})]})
    return out


def _when(stamp: str) -> str:
    """'2026-12-07T03:46:44.110988Z' -> '2026-12-07 03:46:44 UTC', as the pages show times."""
    return stamp[:19].replace("T", " ") + " UTC" if len(stamp) >= 19 else stamp


async def outcomes_context(store: Any, record: DecisionRecord, rulebase: Any) -> list[dict[str, Any]]:
    """A decision's evaluations laid out for a page (its page, its report, its outcomes page)."""
    views = await run_in_threadpool(evidence.views_for, store, record)
    return evaluations_view(views, record, rulebase)
