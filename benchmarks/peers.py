"""The same Thomas decisions without cogov: a hand-written function (the floor)
and a GoRules zen-engine decision table (a peer many users would consider).

Both answer only the approach: neither explains. Each is checked against
cogov on all 128 combinations of Thomas's seven answers under both choice
objectives before it is timed (`verify`).
"""
from __future__ import annotations

import copy
import itertools
import json
from typing import Any, Callable

QUESTIONS = ("quality_requirement", "manager_has_information", "problem_structured", "acceptance_critical",
             "acceptance_likely_if_autonomous", "public_shares_goals", "public_conflict_likely")
OBJECTIVES = ("efficiency", "capacity_building")
ORDER = ("autonomous", "modified_autonomous", "segmented_consultation", "unitary_consultation", "public_decision")


def thomas_by_hand(decision: dict[str, bool], objective: str) -> str | None:
    """rules/policy/thomas.yaml written out as plain Python."""
    qr, info, structured = decision["quality_requirement"], decision["manager_has_information"], \
        decision["problem_structured"]
    critical, likely = decision["acceptance_critical"], decision["acceptance_likely_if_autonomous"]
    shares, conflict = decision["public_shares_goals"], decision["public_conflict_likely"]
    out: set[str] = set()
    if qr and not info:
        out.add("autonomous")
        if not structured:
            out |= {"modified_autonomous", "segmented_consultation"}
    if qr and not shares:
        out.add("public_decision")
    if critical and not likely:
        out |= {"autonomous", "modified_autonomous"}
        if conflict:
            out.add("segmented_consultation")
        if not qr or shares:
            out |= {"segmented_consultation", "unitary_consultation"}
    feasible = [a for a in ORDER if a not in out]
    if not feasible:
        return None
    return feasible[-1] if objective == "capacity_building" else feasible[0]


def combinations(base: dict[str, Any]) -> list[dict[str, Any]]:
    """The 256 contexts: every answer combination under each objective, on `base`."""
    out = []
    for objective in OBJECTIVES:
        for bits in itertools.product((False, True), repeat=len(QUESTIONS)):
            ctx = copy.deepcopy(base)
            ctx["decision"].update(dict(zip(QUESTIONS, bits)))
            ctx["project"]["objective"] = objective
            out.append(ctx)
    return out


def cogov_approach(engine: Any, ctx: dict[str, Any]) -> str | None:
    from engine import ResolutionError
    try:
        return engine.infer(ctx).approach.code
    except ResolutionError:
        return None


def zen_table(answers: list[tuple[dict[str, Any], str | None]]) -> dict[str, Any]:
    """A JDM graph: input -> one first-hit decision table (a row per answer pattern) -> output."""
    inputs = [{"id": f"i_{q}", "name": q, "field": f"decision.{q}"} for q in QUESTIONS]
    inputs.append({"id": "i_objective", "name": "objective", "field": "project.objective"})
    rows = []
    for n, (ctx, approach) in enumerate(answers):
        row = {"_id": f"r{n}", "o_approach": json.dumps(approach) if approach else "null"}
        for q in QUESTIONS:
            row[f"i_{q}"] = "true" if ctx["decision"][q] else "false"
        row["i_objective"] = json.dumps(ctx["project"]["objective"])
        rows.append(row)
    table = {"hitPolicy": "first", "inputs": inputs,
             "outputs": [{"id": "o_approach", "name": "approach", "field": "approach"}], "rules": rows}
    return {"nodes": [{"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
                      {"id": "thomas", "type": "decisionTableNode", "name": "thomas", "position": {"x": 200, "y": 0},
                       "content": table},
                      {"id": "out", "type": "outputNode", "name": "response", "position": {"x": 400, "y": 0}}],
            "edges": [{"id": "e1", "sourceId": "in", "targetId": "thomas", "type": "edge"},
                      {"id": "e2", "sourceId": "thomas", "targetId": "out", "type": "edge"}]}


def zen_decision(contexts: list[dict[str, Any]], engine: Any) -> tuple[Callable[[dict], Any] | None, str]:
    """A callable evaluating the zen table for a context, or None and why zen is not available."""
    try:
        import zen
    except ImportError as exc:  # the optional `bench` extra is not installed
        return None, f"zen-engine is not installed ({exc}); `pip install -e '.[bench]'`"
    answers = [(ctx, cogov_approach(engine, ctx)) for ctx in contexts]
    decision = zen.ZenEngine().create_decision(json.dumps(zen_table(answers)))

    def run(ctx: dict[str, Any]) -> Any:
        return decision.evaluate({"decision": ctx["decision"], "project": {"objective": ctx["project"]["objective"]}})
    return run, "zen-engine " + _version("zen-engine")


def zen_approach(result: dict[str, Any]) -> str | None:
    return result["result"].get("approach")


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def verify(contexts: list[dict[str, Any]], engine: Any, others: dict[str, Callable[[dict], str | None]]) -> dict[str, int]:
    """Disagreements with cogov per peer over `contexts` (all must be 0 to time them)."""
    want = [cogov_approach(engine, ctx) for ctx in contexts]
    return {name: sum(1 for ctx, w in zip(contexts, want) if fn(ctx) != w) for name, fn in others.items()}
