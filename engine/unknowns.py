"""Answers the manager does not know yet: what each changes, which to find out first, what to work with meanwhile.

Any yes/no answer of the decision may be "unknown" (DOMAIN.md, "Answers the manager does not know"), but rules
never see "unknown". The approach is worked out under every combination of the unknown answers the approach's
rules read, on those rules alone and by the reference interpreter, so that both backends settle alike. The rule
base's stated policy (a policy file's `unknown_answers`: data, with its sources) then picks the approach
recommended meanwhile among those the combinations lead to (the most or the least involving), and the answers
to work with: among the combinations leading to that approach, the one that agrees with the policy's `assume`
on the earliest answers; an unknown answer no approach rule reads takes its `assume` value. The recommendation
is made for that working context and carries one entry per unknown answer: whether it changes the approach,
the approach under each answer, and whether to find it out first (the one that changes the approach under the
most combinations of the other unknown answers).
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

from . import approaches
from .conditions import FIELDS, Derived, Groups, literal_reads
from .context import ProjectContext
from .errors import ResolutionError
from .evaluator import run_python
from .facts import subjects, validate_context
from .rulebase import Rule, RuleBase, UnknownPolicy, rulebase_cache

PLACEHOLDER_CONSTRAINTS = "(the constraints, to be stated up front)"
ANSWERS = (("yes", True), ("no", False))


@dataclass
class Settled:
    """A context with its unknown answers settled: what the rules read, and what the recommendation says of them."""

    context: ProjectContext                 # every unknown answer replaced by the answer worked with
    answers: list[dict[str, Any]]           # the recommendation's `unknowns` (empty: every answer is known)
    policy: UnknownPolicy | None = None
    note: str | None = None                 # how the approach was chosen meanwhile, for approach.policy


def stated(data: dict[str, Any]) -> dict[str, Any]:
    """A context (JSON form) that delegates the decision stays valid while its constraints are not stated yet:
    they become a placeholder (free text no rule reads), as when an answer is assumed or changed in a what-if."""
    decision = data.get("decision") or {}
    if decision.get("delegated_within_constraints") is True and not decision.get("constraints"):
        data = {**data, "decision": {**decision, "constraints": PLACEHOLDER_CONSTRAINTS}}
    return data


def approach_rules(rb: RuleBase) -> list[Rule]:
    """The rules that eliminate or prefer approaches, closed under the derived facts they read."""
    by_order = {r.order: r for r in rb.rules}
    todo = [r.order for r in rb.rules if r.decides_approach]
    keep: set[int] = set()
    while todo:
        order = todo.pop()
        if order in keep or order not in by_order:
            continue
        keep.add(order)
        for term in by_order[order].terms:
            todo.extend(o for lit in term if isinstance(lit, Derived) for o in rb.derivers.get(lit.name, []))
            todo.extend(o for lit in term if isinstance(lit, Groups) for d in lit.derived()
                        for o in rb.derivers.get(d.name, []))
    return [by_order[o] for o in sorted(keep)]


def _approach_part(rb: RuleBase) -> tuple[RuleBase, tuple[str, ...], tuple[str, ...], dict]:
    """The approach's rules as a rule base of their own, the project and group fields they read, and a memo of
    approaches by those fields' values (the approach depends on nothing else)."""
    rules = approach_rules(rb)
    reads = {path for r in rules for term in r.terms for lit in term for path in literal_reads(lit)}
    project = tuple(sorted(p for p in reads if FIELDS[p].scope == "project"))
    groups = tuple(sorted(p for p in reads if FIELDS[p].scope == "stakeholder"))
    return dataclasses.replace(rb, rules=rules), project, groups, {}


def approach_of(rb: RuleBase, data: dict[str, Any]) -> str | None:
    """The approach the rule base chooses for a context with every answer known (None: all are eliminated)."""
    sub, project, groups, memo = rulebase_cache(rb, "unknowns.approach", _approach_part)
    subj = subjects(validate_context(stated(data)))
    key = (tuple(subj.project.get(p) for p in project),
           tuple(tuple(state.get(p) for p in groups) for state in subj.stakeholders.values()) if groups else ())
    if key not in memo:
        memo[key] = run_python(sub, subj, explain=False).approach.code
    return memo[key]


def _with(base: dict[str, Any], values: dict[str, bool]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for path, value in values.items():
        section, name = path.split(".")
        out[section][name] = value
    return out


def settle(rb: RuleBase, context: Any) -> Settled:
    """The context with its unknown answers settled by the rule base's policy, and the recommendation's
    `unknowns`. Raises ContextError for an invalid context, ResolutionError when the rule base states no policy
    for unknown answers or eliminates every approach under every answer."""
    ctx = validate_context(context)
    unknown = ctx.unknown_answers()
    if not unknown:
        return Settled(ctx, [])
    policy = rb.unknown_policy
    if policy is None:
        raise ResolutionError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} unknown, and rule base "
                              f"{rb.version} states no policy for unknown answers (unknown_answers in a policy file)")
    assume = policy.spec.assume
    _, project_reads, _, _ = rulebase_cache(rb, "unknowns.approach", _approach_part)
    varying = [p for p in unknown if p in project_reads]
    base = _with(ctx.model_dump(mode="json"), {p: assume[p] for p in unknown if p not in varying})
    outcomes = {values: approach_of(rb, _with(base, dict(zip(varying, values))))
                for values in itertools.product((True, False), repeat=len(varying))}
    possible = [c for c in approaches.ORDER if c in outcomes.values()]
    if not possible:
        raise ResolutionError("the rule base eliminated every approach, whatever the unknown answers "
                              f"({', '.join(unknown)}) turn out to be")
    chosen = possible[-1] if policy.spec.approach == "most_involving" else possible[0]
    working = min((v for v, code in outcomes.items() if code == chosen),
                  key=lambda v: [value != assume[p] for p, value in zip(varying, v)])
    values = {**{p: assume[p] for p in unknown}, **dict(zip(varying, working))}
    answers = [_entry(path, values[path], varying, outcomes, working, possible) for path in unknown]
    first = max((a for a in answers if a["changes_approach"]), default=None,
                key=lambda a: (a["changes_in"], -max(len(v) for v in a["possible"].values()),
                               -unknown.index(a["field"])))
    if first is not None:
        first["first"] = True
    how = "most" if policy.spec.approach == "most_involving" else "least"
    note = (f"while {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} unknown: the {how} involving of the "
            f"approaches the answers can lead to ({', '.join(possible)}), by policy {policy.spec.id}")
    return Settled(validate_context(stated(_with(base, values))), answers, policy, note)


def _entry(path: str, assumed: bool, varying: list[str], outcomes: dict[tuple, str | None], working: tuple,
           possible: list[str]) -> dict[str, Any]:
    """One unknown answer: what each answer leads to, and in how many cases it changes the approach."""
    entry = {"field": path, "question": FIELDS[path].description, "assumed": assumed, "changes_approach": False,
             "approaches": {}, "possible": {word: list(possible) for word, _ in ANSWERS}, "changes_in": 0,
             "combinations": len(outcomes), "first": False}
    if path not in varying:
        return entry
    entry["combinations"] = len(outcomes) // 2
    i = varying.index(path)

    def flip(v: tuple, value: bool) -> tuple:
        return v[:i] + (value,) + v[i + 1:]
    changes = sum(1 for v in outcomes if v[i] and outcomes[v] != outcomes[flip(v, False)])
    entry["possible"] = {word: [c for c in approaches.ORDER if any(outcomes[v] == c for v in outcomes if v[i] is value)]
                         for word, value in ANSWERS}
    if changes:
        entry.update(changes_approach=True, changes_in=changes,
                     approaches={word: outcomes[flip(working, value)] for word, value in ANSWERS})
    return entry
