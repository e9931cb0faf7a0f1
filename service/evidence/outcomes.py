"""What an evaluation says about each item of the recommendation it evaluates, and whether it can say it.

`check` finds everything wrong with an evaluation of one decision beyond
its shape (which pydantic checks): unknown catalogue codes, groups that are
not the context's, items the recommendation does not have, statements that
contradict `techniques_used` or `groups`. Each error names its field, as
the API's 422 does (`techniques_used[1]`, `items[0].item`).

`statuses` reads the evaluation item by item, in the vocabulary of replay
and impact (engine.diff.items): a recommended technique is followed when it
was used and dropped when not; one used but not recommended was added; a
recommended participating group followed when its people took part (once
any group is listed); a group's recruitment followed when it was the one
recommended; anything else only as the evaluation states it. Nothing is
inferred beyond that: an item the evaluation says nothing about has no
status (it is "unknown" in the evidence).
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from engine.diff import items as recommendation_items
from service.evidence.schemas import ROWE_FREWER, EvaluationIn, GroupOutcome, ItemOutcome

EVALUABLE = ("approach", "participant", "recruitment", "mode", "technique", "arrangement", "skill", "warning")
NOT_TAKING_PART = ("excluded", "none")
CATALOGUES = {"technique": "techniques", "arrangement": "arrangements", "skill": "skills", "warning": "warnings"}


def _entries(catalogue: Any, name: str) -> Mapping[str, Any]:
    found = getattr(catalogue, name, None)
    return found if isinstance(found, Mapping) else {}


def _unknown(what: str, code: str, known: list[str]) -> str:
    close = difflib.get_close_matches(code, known, n=1)
    return f"unknown {what} {code!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _groups_of(context: Mapping[str, Any]) -> list[str]:
    groups = context.get("stakeholders") if isinstance(context, Mapping) else None
    return [g["id"] for g in groups or () if isinstance(g, Mapping) and isinstance(g.get("id"), str)]


def _taking_part(rec_items: Mapping[str, Any], key: str) -> bool:
    return key in rec_items and rec_items[key].value not in NOT_TAKING_PART


def check(evaluation: EvaluationIn, rec: Mapping[str, Any], context: Mapping[str, Any],
          catalogue: Any) -> list[dict[str, str]]:
    """Every error in `evaluation` of the decision that recommended `rec` for `context`, each naming its
    field ({"field", "message", "type"}); [] when it can be recorded. `catalogue`: the serving rule base's
    (codes the decision itself recommended are always known)."""
    errors: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        errors.append({"field": field, "message": message, "type": "value_error"})

    rec_items = recommendation_items(rec)
    recommended = {key.split(":", 1)[1] for key in rec_items if key.startswith("technique:")}
    techniques = sorted(set(_entries(catalogue, "techniques")) | recommended)
    seen: set[str] = set()
    for i, code in enumerate(evaluation.techniques_used):
        if code not in techniques:
            bad(f"techniques_used[{i}]", _unknown("technique", code, techniques))
        elif code in seen:
            bad(f"techniques_used[{i}]", f"technique {code!r} is listed twice")
        seen.add(code)
    recruitment = sorted(_entries(catalogue, "recruitment"))
    for i, code in enumerate(evaluation.recruitment):
        if recruitment and code not in recruitment:
            bad(f"recruitment[{i}]", _unknown("recruitment", code, recruitment))
    groups = _groups_of(context)
    listed: set[str] = set()
    for i, g in enumerate(evaluation.groups):
        if g.stakeholder not in groups:
            bad(f"groups[{i}].stakeholder", _unknown("stakeholder group", g.stakeholder, groups) +
                ": name a group of the decision's context")
        elif g.stakeholder in listed:
            bad(f"groups[{i}].stakeholder", f"group {g.stakeholder!r} is listed twice")
        listed.add(g.stakeholder)
        if g.recruitment is not None and recruitment and g.recruitment not in recruitment:
            bad(f"groups[{i}].recruitment", _unknown("recruitment", g.recruitment, recruitment))
        if g.population is not None and g.participants > g.population:
            bad(f"groups[{i}].participants", f"{g.participants} took part of a group of {g.population}")
    took_part = sum(g.participants for g in evaluation.groups)
    if took_part > evaluation.participants:
        bad("participants", f"{evaluation.participants} in all, but the groups add up to {took_part}")
    derived = statuses(evaluation, rec, stated=False)     # what techniques_used and groups alone say
    stated: set[str] = set()
    for i, it in enumerate(evaluation.items):
        kind, _, code = it.item.partition(":")
        where = f"items[{i}]"
        if kind not in EVALUABLE or (kind == "approach") != (code == ""):
            bad(f"{where}.item", f"{it.item!r} is not an item that can be evaluated: write one of "
                                 f"{', '.join(k + ':<code>' for k in EVALUABLE if k != 'approach')} or approach")
            continue
        if it.item in stated:
            bad(f"{where}.item", f"{it.item!r} is stated twice")
            continue
        stated.add(it.item)
        in_rec = _taking_part(rec_items, it.item) if kind == "participant" else it.item in rec_items
        if it.status == "added":
            if in_rec:
                bad(f"{where}.status", f"{it.item} was recommended: say followed or dropped")
                continue
            if kind == "approach":
                bad(f"{where}.status", "the approach is always recommended: say followed or dropped")
                continue
            if kind in CATALOGUES:
                known = sorted(_entries(catalogue, CATALOGUES[kind]))
                if code not in known:
                    bad(f"{where}.item", _unknown(kind, code, known))
                    continue
            elif code not in groups:
                bad(f"{where}.item", _unknown("stakeholder group", code, groups))
                continue
        elif not in_rec:
            bad(f"{where}.item", f"{it.item!r} is not in this decision's recommendation" +
                (" (say added for something done that was not recommended)" if kind in CATALOGUES else ""))
            continue
        if it.item in derived and derived[it.item] != it.status:
            source = "techniques_used" if kind == "technique" else "groups"
            bad(f"{where}.status", f"{it.item} is {derived[it.item]} according to {source}, not {it.status}")
        elif kind == "technique" and it.item not in derived:
            bad(f"{where}.status", f"technique {code!r} is not among techniques_used: list every technique used "
                                   "there")
    return errors


def statuses(evaluation: EvaluationIn | Mapping[str, Any], rec: Mapping[str, Any],
             stated: bool = True) -> dict[str, str]:
    """Item key -> followed, dropped or added, as `evaluation` says (see the module docstring); stated=False:
    as its techniques_used and groups alone say, without its items."""
    ev = evaluation if isinstance(evaluation, EvaluationIn) else _lenient(evaluation)
    rec_items = recommendation_items(rec)
    out: dict[str, str] = {}
    used = set(ev.techniques_used)
    for key in rec_items:
        if key.startswith("technique:"):
            out[key] = "followed" if key.split(":", 1)[1] in used else "dropped"
    for code in ev.techniques_used:
        out.setdefault(f"technique:{code}", "added")
    groups = {g.stakeholder: g for g in ev.groups}
    if groups:
        for key in rec_items:
            kind, _, sid = key.partition(":")
            if kind == "participant" and _taking_part(rec_items, key):
                g = groups.get(sid)
                out[key] = "followed" if g is not None and g.participants > 0 else "dropped"
            elif kind == "recruitment" and groups.get(sid) is not None and groups[sid].recruitment:
                out[key] = "followed" if groups[sid].recruitment == rec_items[key].value else "dropped"
        for sid, g in groups.items():
            if g.participants > 0 and not _taking_part(rec_items, f"participant:{sid}"):
                out[f"participant:{sid}"] = "added"
    for it in ev.items if stated else ():
        out[it.item] = it.status
    return out


def _lenient(body: Mapping[str, Any]) -> EvaluationIn:
    """A stored evaluation body as the model (its personal values may be commitments by now: free text only,
    which statuses do not read)."""
    return EvaluationIn.model_construct(
        techniques_used=[c for c in body.get("techniques_used") or () if isinstance(c, str)],
        groups=[_group(g) for g in body.get("groups") or () if isinstance(g, Mapping)],
        items=[_item(i) for i in body.get("items") or () if isinstance(i, Mapping)])


def _group(g: Mapping[str, Any]) -> GroupOutcome:
    return GroupOutcome.model_construct(stakeholder=g.get("stakeholder"), participants=g.get("participants") or 0,
                                        population=g.get("population"), recruitment=g.get("recruitment"))


def _item(i: Mapping[str, Any]) -> ItemOutcome:
    return ItemOutcome.model_construct(item=i.get("item"), status=i.get("status"), reason=i.get("reason"))


def overall(scores: Mapping[str, Any]) -> float | None:
    """The mean of the Rowe & Frewer criteria scored (the OECD stages are reported apart), or None."""
    values = [scores[c] for c in ROWE_FREWER if isinstance(scores.get(c), int)]
    return sum(values) / len(values) if values else None


def representation(body: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Who took part against the public the context described: each listed group's participation rate
    (participants / population, where the population is given), the representation score (the lowest rate
    divided by the highest, as Go Vocal's representation score: 1 is even; None below two rates), and the
    described groups that are not known to have taken part."""
    groups = [g for g in body.get("groups") or () if isinstance(g, Mapping)]
    rates = {g["stakeholder"]: g["participants"] / g["population"] for g in groups
             if isinstance(g.get("population"), int) and g["population"] > 0 and isinstance(g.get("participants"), int)}
    score = None
    if len(rates) >= 2 and max(rates.values()) > 0:
        score = min(rates.values()) / max(rates.values())
    present = {g.get("stakeholder") for g in groups if (g.get("participants") or 0) > 0}
    described = _groups_of(context)
    return {"rates": rates, "score": score, "took_part": sorted(present & set(described)),
            "absent": [sid for sid in described if sid not in present] if groups else []}
