"""Open data: every evaluation with its decision's de-personalised context and recommendation, as CSV and JSON.

So that cities can pool evidence, in the spirit of Participedia's case
records: one record per evaluation, coded fields only. What is kept is
decided by the schema, not by the data: a context field is exported when its
type is a code (an enumeration), a yes/no or a number; free text (project
name, city, arena, group names, notes) is never exported, whatever it
holds, and stakeholder group ids (chosen by the manager, often names) become
g1, g2, ... in the context's order, in the recommendation and the outcome
alike. Of an evaluation, the reasons and notes (free text) stay out too;
its codes, counts, costs and scores go in. Each record says whether the
evaluation is synthetic (test or demonstration data). docs/EVIDENCE.md is
the codebook; CODEBOOK below lists the columns it documents.
"""
from __future__ import annotations

import csv
import io
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel

from engine import ContextError, validate_context
from engine.context import ProjectContext, Stakeholder
from service.evidence.outcomes import overall, representation, statuses
from service.evidence.schemas import CRITERIA
from service.log.chain import timestamp
from service.log.records import DecisionRecord, EvaluationRecord

CODEBOOK_VERSION = 1
SECTIONS = ("project", "decision", "public", "capacity")

# columns of the CSV other than the context's (which are context.<section>.<field>, one per coded field)
CODEBOOK: dict[str, str] = {
    "evaluation_id": "The evaluation's id in the log (random; names nothing).",
    "evaluation_seq": "Its position in the evaluations' hash chain.",
    "recorded_on": "The day it was recorded (UTC, YYYY-MM-DD).",
    "stage": "OECD (2021) evaluation stage: design_integrity, process or pathways_to_impact.",
    "evaluated_by": "self (the team that ran it) or independent.",
    "synthetic": "true: test or demonstration data, not a real outcome.",
    "decision_id": "The evaluated decision's id in the log (random; names nothing).",
    "decided_on": "The day the recommendation was made (UTC).",
    "rulebase_version": "The rule base version that made the recommendation.",
    "engine_version": "The engine version that made it.",
    "groups_described": "How many stakeholder groups the context described.",
    "approach": "The recommended participation approach (Thomas's Effective Decision Model).",
    "roles": "Recommended roles, group by group: g1=role@iap2_level, separated by ';'.",
    "techniques_recommended": "Recommended techniques (catalogue codes, ';'-separated).",
    "techniques_used": "Techniques actually used.",
    "techniques_followed": "Recommended and used.",
    "techniques_dropped": "Recommended, not used.",
    "techniques_added": "Used, not recommended.",
    "items_followed": "Every item followed (item keys as in replay and impact, group ids as g1, g2...).",
    "items_dropped": "Every item dropped.",
    "items_added": "Every item added.",
    "participants": "How many people took part in all.",
    "recruitment": "How they were recruited (catalogue recruitment codes).",
    "groups_took_part": "Described groups with at least one participant.",
    "cost_amount": "What it cost in all.",
    "cost_currency": "ISO 4217 currency of cost_amount.",
    "duration_days": "How long it ran, in days.",
    **{f"score_{c}": f"Score 1 (poor) to 5 (excellent) for {c.replace('_', ' ')}; empty: not assessed."
       for c in CRITERIA},
    "score_overall": "Mean of the Rowe & Frewer criteria scored.",
    "representation": "Lowest participation rate among groups with a population given, divided by the highest "
                      "(1: even).",
}


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the base type, whether it is a list) of a field annotation: Optional, Annotated and list removed."""
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else str
        elif origin is list:
            annotation, is_list = typing.get_args(annotation)[0], True
        else:
            return annotation, is_list


def _coded_type(base: Any) -> bool:
    return isinstance(base, type) and (issubclass(base, (Enum, bool, int, float)))


def coded(data: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The coded fields of `data` (a dumped `model`): codes, yes/no and numbers, nested models recursively;
    free text dropped."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in data:
            continue
        base, is_list = _unwrap(info.annotation)
        value = data[name]
        if isinstance(base, type) and issubclass(base, BaseModel):
            if is_list:
                out[name] = [coded(v, base) for v in value or () if isinstance(v, Mapping)]
            elif isinstance(value, Mapping):
                out[name] = coded(value, base)
        elif _coded_type(base):
            out[name] = value
    return out


def column_names() -> list[str]:
    """context.<section>.<field> for every coded field of the context's sections (stakeholders aside)."""
    names = []
    for section in SECTIONS:
        model = _unwrap(ProjectContext.model_fields[section].annotation)[0]
        for name, info in model.model_fields.items():
            base, _ = _unwrap(info.annotation)
            if _coded_type(base):
                names.append(f"context.{section}.{name}")
    return names


def depersonalised(context: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the context's coded fields, {group id: pseudonym}): sections as coded() keeps them, stakeholders as
    coded fields with `group` g1, g2, ... in order."""
    try:     # the stored context was valid when logged: its defaults filled in, values in their JSON form
        data = validate_context(dict(context)).model_dump(mode="json")
    except ContextError:    # e.g. retention left a commitment where a pattern is expected: what fits is kept
        data = dict(context)
    out: dict[str, Any] = {}
    for section in SECTIONS:
        model = _unwrap(ProjectContext.model_fields[section].annotation)[0]
        if isinstance(data.get(section), Mapping):
            out[section] = coded(data[section], model)
    names: dict[str, str] = {}
    groups = []
    for i, g in enumerate(data.get("stakeholders") or (), start=1):
        if isinstance(g, Mapping):
            names[str(g.get("id"))] = f"g{i}"
            groups.append({"group": f"g{i}", **coded(g, Stakeholder)})
    out["stakeholders"] = groups
    return out, names


def _item(key: str, names: Mapping[str, str]) -> str:
    kind, sep, code = key.partition(":")
    if kind in ("participant", "recruitment", "mode") and sep:
        return f"{kind}:{names.get(code, 'g?')}"
    return key


def _recommendation(rec: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    def codes(section: str) -> list[str]:
        return [it["code"] for it in rec.get(section) or () if isinstance(it, Mapping) and "code" in it]
    participants = []
    for p in rec.get("participants") or ():
        if isinstance(p, Mapping):
            participants.append({"group": names.get(str(p.get("stakeholder")), "g?"), "role": p.get("role"),
                                 "iap2_level": p.get("iap2_level"), "excluded": bool(p.get("excluded")),
                                 "recruitment": (p.get("recruitment") or {}).get("code"),
                                 "mode": (p.get("mode") or {}).get("code")})
    return {"approach": (rec.get("approach") or {}).get("code"), "participants": participants,
            "techniques": codes("techniques"), "avoided_techniques": codes("avoided_techniques"),
            "arrangements": codes("governance"), "skills": codes("skills"), "warnings": codes("warnings")}


def record_of(evaluation: EvaluationRecord, decision: DecisionRecord) -> dict[str, Any]:
    """One open data record (the JSON export's; the CSV flattens it)."""
    try:
        context = decision.context
    except ValueError:
        context = {}
    context = context if isinstance(context, dict) else {}
    ctx, names = depersonalised(context)
    body = evaluation.body
    said = statuses(body, decision.recommendation)
    groups = [{"group": names.get(str(g.get("stakeholder")), "g?"), "participants": g.get("participants"),
               "population": g.get("population"), "recruitment": g.get("recruitment")}
              for g in body.get("groups") or () if isinstance(g, Mapping)]
    rep = representation(body, context)
    scores = {c: v for c, v in (body.get("scores") or {}).items() if c in CRITERIA and isinstance(v, int)}
    cost = body.get("cost") if isinstance(body.get("cost"), Mapping) else None
    return {
        "evaluation_id": evaluation.id, "evaluation_seq": evaluation.seq,
        "recorded_on": timestamp(evaluation.created_at)[:10], "stage": evaluation.stage,
        "evaluated_by": body.get("evaluated_by"), "synthetic": bool(body.get("synthetic")),
        "decision_id": decision.id, "decided_on": timestamp(decision.created_at)[:10],
        "rulebase_version": decision.rulebase_version, "engine_version": decision.engine_version,
        "context": ctx, "recommendation": _recommendation(decision.recommendation, names),
        "outcome": {
            "techniques_used": list(body.get("techniques_used") or ()), "participants": body.get("participants"),
            "recruitment": list(body.get("recruitment") or ()), "groups": groups,
            "cost": {"amount": cost.get("amount"), "currency": cost.get("currency")} if cost else None,
            "duration_days": body.get("duration_days"), "scores": scores, "overall": overall(scores),
            "representation": rep["score"],
            "followed": sorted(_item(k, names) for k, s in said.items() if s == "followed"),
            "dropped": sorted(_item(k, names) for k, s in said.items() if s == "dropped"),
            "added": sorted(_item(k, names) for k, s in said.items() if s == "added"),
            "groups_took_part": len(rep["took_part"]),
        },
    }


def records(store: Any) -> Iterable[dict[str, Any]]:
    """Every evaluation in the log as an open data record, in chain order."""
    decisions: dict[str, DecisionRecord | None] = {}
    for evaluation in store.evaluations.all():
        if evaluation.decision_id not in decisions:
            decisions[evaluation.decision_id] = store.get(evaluation.decision_id)
        decision = decisions[evaluation.decision_id]
        if decision is not None:
            yield record_of(evaluation, decision)


def as_json(store: Any) -> dict[str, Any]:
    items = list(records(store))
    return {"codebook": "docs/EVIDENCE.md", "codebook_version": CODEBOOK_VERSION,
            "generated_at": timestamp(datetime.now(timezone.utc)), "records": items,
            "synthetic": sum(r["synthetic"] for r in items)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def csv_columns() -> list[str]:
    """The CODEBOOK's columns in its order, the context's coded fields after groups_described."""
    names = list(CODEBOOK)
    at = names.index("groups_described") + 1
    return names[:at] + column_names() + names[at:]


def flat(record: Mapping[str, Any]) -> dict[str, str]:
    """A JSON record as one CSV row (lists joined by ';', empty for absent values)."""
    ctx, rec, out = record["context"], record["recommendation"], record["outcome"]
    row: dict[str, Any] = {k: record[k] for k in ("evaluation_id", "evaluation_seq", "recorded_on", "stage",
                                                   "evaluated_by", "synthetic", "decision_id", "decided_on",
                                                   "rulebase_version", "engine_version")}
    row["groups_described"] = len(ctx.get("stakeholders") or ())
    for name in column_names():
        _, section, field = name.split(".")
        row[name] = (ctx.get(section) or {}).get(field)
    used, recommended = set(out["techniques_used"]), rec["techniques"]
    row.update({
        "approach": rec["approach"],
        "roles": [f"{p['group']}={p['role']}@{p['iap2_level']}" for p in rec["participants"]
                  if p["role"] and not p["excluded"]],
        "techniques_recommended": recommended, "techniques_used": out["techniques_used"],
        "techniques_followed": [t for t in recommended if t in used],
        "techniques_dropped": [t for t in recommended if t not in used],
        "techniques_added": [t for t in out["techniques_used"] if t not in recommended],
        "items_followed": out["followed"], "items_dropped": out["dropped"], "items_added": out["added"],
        "participants": out["participants"], "recruitment": out["recruitment"],
        "groups_took_part": out["groups_took_part"],
        "cost_amount": (out["cost"] or {}).get("amount"), "cost_currency": (out["cost"] or {}).get("currency"),
        "duration_days": out["duration_days"],
        **{f"score_{c}": out["scores"].get(c) for c in CRITERIA},
        "score_overall": out["overall"], "representation": out["representation"],
    })
    return {k: _cell(row.get(k)) for k in csv_columns()}


def as_csv(store: Any) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=csv_columns(), lineterminator="\r\n")
    writer.writeheader()
    for record in records(store):
        writer.writerow(flat(record))
    return buffer.getvalue()
