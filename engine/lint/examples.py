"""Concrete example contexts for findings, checked by running the engine.

A finding found symbolically comes with a solver model; here it becomes a
context a manager could submit (valid against the schema), and the plain
Python evaluator runs it so that the example is known to really show the
problem, not only to satisfy the formula.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..conditions import FIELDS
from ..evaluator import run_python
from ..facts import PROJECT as ENGINE_PROJECT
from ..facts import subjects, validate_context
from ..memory import WorkingMemory
from ..recommendation import Recommendation
from ..resolve import ResolutionError, resolve
from ..rulebase import RuleBase
from .symbolic import PROJECT


def context_from(assignment: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A schema-valid context holding exactly the assigned field values."""
    ctx: dict[str, Any] = {"project": {"name": "Lint example"}, "decision": {}, "public": {}, "capacity": {},
                           "stakeholders": []}
    for path, value in assignment.get(PROJECT, {}).items():
        section, name = path.split(".")
        ctx[section][name] = value
    if ctx["decision"].get("delegated_within_constraints") is True:   # the schema wants them stated (free text)
        ctx["decision"]["constraints"] = "The constraints stated up front (a lint example)."
    for gid, fields in assignment.items():
        if gid == PROJECT:
            continue
        group: dict[str, Any] = {"id": gid, "name": f"Group {gid[1:]}"}
        for path, value in fields.items():
            if path not in ("stakeholder.co_produces", "stakeholder.contributes"):
                group[path.split(".")[1]] = value
        entries = _co_produces(fields.get("stakeholder.co_produces", []), fields.get("stakeholder.contributes", []))
        if entries:
            group["co_produces"] = entries
        ctx["stakeholders"].append(group)
    return ctx


def _co_produces(activities: list[str], contributions: list[str]) -> list[dict[str, Any]]:
    """co_produces entries whose activities and contributions are exactly the two sets (pairing them in turn)."""
    if not activities:
        return []
    if not contributions:
        return [{"activity": a} for a in activities]
    n = max(len(activities), len(contributions))
    return [{"activity": activities[i % len(activities)], "contributes": contributions[i % len(contributions)]}
            for i in range(n)]


@dataclass
class Outcome:
    """What the engine made of an example context."""

    wm: WorkingMemory
    recommendation: Recommendation | None
    error: str | None

    def fired(self, rule_id: str, subject: str = PROJECT) -> bool:
        return (rule_id, ENGINE_PROJECT if subject == PROJECT else subject) in self.wm.fired

    def fired_anywhere(self, rule_id: str) -> bool:
        return any(key[0] == rule_id for key in self.wm.fired)


def run(rb: RuleBase, context: dict[str, Any]) -> Outcome:
    wm = run_python(rb, subjects(validate_context(context)))
    try:
        return Outcome(wm, resolve(wm, "lint"), None)
    except ResolutionError as exc:
        return Outcome(wm, None, str(exc))


def describe(context: dict[str, Any], fields: set[str] | None = None) -> str:
    """The example in one line, as authors write fields; only `fields` (those the finding depends on)
    when given: the full context is in the finding's `example`."""
    parts = []
    for section in ("project", "decision", "public", "capacity"):
        for name, value in context[section].items():
            path = f"{section}.{name}"
            if path in FIELDS and (fields is None or path in fields):
                parts.append(f"{path}={_show(value)}")
    for g in context["stakeholders"]:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in g.items()
                          if k not in ("id", "name") and (fields is None or f"stakeholder.{k}" in fields))
        parts.append(f"group {g['id']}: {shown or '(any)'}")
    return "; ".join(parts)


def _show(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)
