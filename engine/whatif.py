"""What if? The smallest changes to a context's answers that change its outcome.

Counterfactual search: which answers, changed together, would give another
approach (or make a named item appear or disappear)? It searches the
decision, public and capacity answers that are yes/no or a choice from a list
(free text, project facts and stakeholder groups are left alone),
breadth first by the number of answers changed, closest values first:

- only answers some relevant rule reads are tried (an answer no rule reads
  cannot change anything), and candidates are evaluated on the rules the
  target depends on (its producers and contenders, the rules deriving the
  facts they read, and the approach's rules when they read the approach);
- a change set is kept only if none of its subsets already reached the
  target (minimality: no result's fields include another result's fields);
- the work is bounded (`max_evaluations`) and the answer says when the bound
  cut the search short.

Every result is then evaluated again on the whole rule base by the Python
evaluator, and by the real engine when the caller gives one (`reevaluate`),
and comes with its own explained recommendation and its difference from the
original. A disagreement between the two is reported in `errors`, never
hidden. `apply_changes` is the one place changes are validated and applied.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field

from . import approaches
from .conditions import FIELDS, Derived, FieldInfo, Groups, literal_reads
from .context import UNKNOWABLE, UNKNOWN
from .diff import RecommendationDiff, diff, items
from .errors import ChangeError
from .evaluator import run_python
from .facts import subjects, validate_context
from .recommendation import OutputModel
from .resolve import ResolutionError, resolve
from .rulebase import Rule, RuleBase
from .unknowns import settle, stated
from .whynot import ItemRef, fmt, parse_item

SEARCH_SECTIONS = ("decision", "public", "capacity")
CHANGE_SECTIONS = ("project", "decision", "public", "capacity")
MAX_CHANGES = 4
DEFAULT_MAX_EVALUATIONS = 2000
Evaluate = Callable[[dict[str, Any]], dict[str, Any]]


class FieldChange(OutputModel):
    field: str = Field(description="Path of the answer, e.g. decision.public_conflict_likely.")
    old: Any = Field(None, description="The value in the original context (null: not given).")
    new: Any


class Scenario(OutputModel):
    """One minimal change set, re-evaluated, with its own explained recommendation."""

    changes: list[FieldChange]
    sentence: str = Field(description="The result in words.")
    approach: str
    recommendation: dict[str, Any] = Field(description="The full explained recommendation for the changed context.")
    diff: RecommendationDiff = Field(description="What differs from the original, item by item.")
    checked_by: str = Field(description="The engine that produced `recommendation`.")
    agrees: bool = Field(description="Whether the Python search and the checking engine gave the same items, "
                                     "for the same rules (firing numbers may differ between engines).")


class WhatIf(OutputModel):
    """The minimal change sets found, closest first, and how far the search went."""

    target: str = Field(description="'approach' (the approach differs) or the item that must appear/disappear.")
    original_approach: str
    scenarios: list[Scenario]
    fields_searched: list[str] = Field(description="Answers the search changed (those the relevant rules read).")
    max_changes: int
    limit: int
    evaluations: int = Field(description="Candidate contexts evaluated.")
    max_evaluations: int
    bound_hit: bool = Field(description="True when the evaluation bound stopped the search before it was complete.")
    complete: bool = Field(description="True when every change set up to max_changes was considered (or the "
                                       "limit of results was reached).")
    unresolvable: int = Field(0, description="Candidates for which the rule base made no recommendation.")
    errors: list[str] = Field(default_factory=list, description="Disagreements between engines; empty when all agree.")
    unknowns: list[dict[str, Any]] = Field(default_factory=list, description="The answers still unknown, as the "
                                           "recommendation lists them (whether each changes the approach, which to "
                                           "find out first); finding one out is a change the search tries.")
    rulebase_version: str

    def text(self) -> str:
        lines = []
        if not self.scenarios:
            what = "the approach" if self.target == "approach" else f"whether {self.target} is recommended"
            lines.append(f"No change of up to {self.max_changes} answer(s) changes {what}"
                         f"{' within the bound' if self.bound_hit else ''}.")
        for i, s in enumerate(self.scenarios, 1):
            lines.append(f"{i}. {s.sentence}")
            for c in s.diff.changes:
                lines.append(f"     {c}")
        for u in self.unknowns:
            first = ": find it out first" if u.get("first") else ""
            effect = "changes the approach" if u.get("changes_approach") else "does not change the approach"
            lines.append(f"{u['field']} is unknown (assumed {fmt(u['assumed'])}) and {effect}{first}")
        lines.append("")
        lines.append(f"searched {len(self.fields_searched)} answers, {self.evaluations} evaluations"
                     + (f" (stopped at the bound of {self.max_evaluations})" if self.bound_hit else "")
                     + ("" if self.complete else "; the search is incomplete"))
        for e in self.errors:
            lines.append(f"ERROR: {e}")
        return "\n".join(lines) + "\n"


# ---- changes ---------------------------------------------------------------

def searchable_fields() -> list[FieldInfo]:
    """The answers what-if may change on its own: decision, public and capacity yes/no and choice answers."""
    return [f for f in FIELDS.values() if f.scope == "project" and f.path.split(".")[0] in SEARCH_SECTIONS]


def _check_change(i: int, change: Any) -> tuple[FieldInfo, Any] | dict[str, Any]:
    where = f"changes[{i}]"
    if not isinstance(change, Mapping) or "field" not in change or "value" not in change:
        return {"field": where, "message": "a change is an object {field, value}", "type": "value_error"}
    path = change["field"]
    info = FIELDS.get(path) if isinstance(path, str) else None
    if info is None or info.scope != "project" or path.split(".")[0] not in CHANGE_SECTIONS:
        allowed = [p for p, f in FIELDS.items() if f.scope == "project"]
        import difflib
        close = difflib.get_close_matches(str(path), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return {"field": f"{where}.field", "type": "value_error",
                "message": f"{path!r} is not an answer what-if can change{hint}: use a project, decision, public "
                           "or capacity field that is yes/no or a choice (see /api/v1/schema/context)"}
    value = change["value"]
    if value is None:
        if not info.optional:
            return {"field": f"{where}.value", "type": "value_error", "message": f"{path} must be given"}
    elif info.kind == "set":
        if not isinstance(value, list) or len(set(map(str, value))) != len(value) or \
                any(v not in (info.values or ()) for v in value):
            return {"field": f"{where}.value", "type": "value_error",
                    "message": f"{path} is a list of distinct values of: {', '.join(info.values or ())}"}
    elif info.kind == "bool":
        if not isinstance(value, bool) and not (value == UNKNOWN and path in UNKNOWABLE):
            also = ' or "unknown"' if path in UNKNOWABLE else ""
            return {"field": f"{where}.value", "type": "value_error",
                    "message": f"{path} is yes/no: give true or false{also}, not {value!r}"}
    elif value not in (info.values or ()):
        return {"field": f"{where}.value", "type": "value_error",
                "message": f"{value!r} is not a value of {path} (allowed: {', '.join(info.values or ())})"}
    return info, value


def apply_changes(context: Any, changes: list[Any]) -> tuple[dict[str, Any], list[FieldChange]]:
    """The context with `changes` ([{field, value}]) applied, and the changes with their old values.

    Raises ChangeError naming changes[i].field or changes[i].value, and
    ContextError for an invalid context.
    """
    base = validate_context(context).model_dump(mode="json")
    errors: list[dict[str, Any]] = []
    applied: list[FieldChange] = []
    seen: set[str] = set()
    if not isinstance(changes, list):
        raise ChangeError([{"field": "changes", "message": "a list of {field, value}", "type": "value_error"}])
    for i, change in enumerate(changes):
        checked = _check_change(i, change)
        if isinstance(checked, dict):
            errors.append(checked)
            continue
        info, value = checked
        if info.path in seen:
            errors.append({"field": f"changes[{i}].field", "type": "value_error",
                           "message": f"{info.path} is changed twice"})
            continue
        seen.add(info.path)
        section, name = info.path.split(".")
        applied.append(FieldChange(field=info.path, old=base[section].get(name), new=value))
        base[section][name] = value
    if errors:
        raise ChangeError(errors)
    return stated(base), applied


# ---- what the target depends on -------------------------------------------

def _seeds(rb: RuleBase, item: ItemRef | None) -> set[int]:
    if item is None or item.kind == "approach":
        return {r.order for r in rb.rules if r.then.eliminate or r.then.prefer}
    return {r.order for r in rb.rules if item.contends(r)}


def relevant_rules(rb: RuleBase, item: ItemRef | None) -> list[Rule]:
    """The rules whose firings can decide the target, closed under derived facts and the approach."""
    todo = list(_seeds(rb, item))
    keep: set[int] = set()
    approach_rules = _seeds(rb, None)
    while todo:
        order = todo.pop()
        if order in keep:
            continue
        keep.add(order)
        rule = rb.rules[order]
        for term in rule.terms:
            for lit in term:
                if isinstance(lit, Derived):
                    todo.extend(rb.derivers.get(lit.name, []))
                elif isinstance(lit, Groups):
                    todo.extend(o for d in lit.derived() for o in rb.derivers.get(d.name, []))
                elif FIELDS[lit.field].scope == "approach":
                    todo.extend(approach_rules)
    return [rb.rules[o] for o in sorted(keep)]


def fields_read(rules: list[Rule]) -> set[str]:
    return {path for r in rules for term in r.terms for lit in term for path in literal_reads(lit)}


def _options(info: FieldInfo, current: Any) -> list[tuple[int, Any]]:
    """(distance, value) of every other value of a field, closest first."""
    if info.kind == "bool":
        return [(1, not current)] if isinstance(current, bool) else [(1, True), (1, False)]
    values = list(info.values or ())
    if info.kind == "ordinal" and current in values:
        here = values.index(current)
        return sorted(((abs(i - here), v) for i, v in enumerate(values) if v != current), key=lambda x: x[0])
    return [(1, v) for v in values if v != current]


# ---- the search ------------------------------------------------------------

def _target_test(item: ItemRef | None, original: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    if item is None:
        code = original["approach"]["code"]
        return lambda rec: rec["approach"]["code"] != code
    was = item.present(original)
    return lambda rec: item.present(rec) != was


def _sentence(item: ItemRef | None, label: str | None, changes: list[FieldChange], original: Mapping[str, Any],
              rec: Mapping[str, Any]) -> str:
    names = [c.field.split(".", 1)[1] for c in changes]
    conds = " and ".join(f"{n} turned out {fmt(c.new)}" if c.old == UNKNOWN else f"{n} were {fmt(c.new)}"
                         for n, c in zip(names, changes))
    old, new = original["approach"]["code"], rec["approach"]["code"]
    thomas = approaches.BY_CODE[new].thomas
    if old != new:
        approach = f"the approach would be {new} ({thomas}) instead of {old}"
    else:
        approach = f"the approach would stay {old}"
    if item is None or item.kind == "approach":
        return f"if {conds}, {approach}"
    verb = "would be recommended" if item.present(rec) else "would no longer be recommended"
    return f"if {conds}, {label} {verb} ({approach})"


def what_if(rb: RuleBase, context: Any, *, item: str | ItemRef | None = None, max_changes: int = 2,
            limit: int = 5, max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
            reevaluate: Evaluate | None = None, checker: str = "python") -> WhatIf:
    """The smallest changes of answers that change the approach (or make `item` appear or disappear).

    `reevaluate(context) -> recommendation JSON` is the engine every result
    (and the original) is checked with, named `checker`; without it the
    Python evaluator's own result is returned. Raises ContextError, ItemError
    and ResolutionError (when the original context has no recommendation).
    """
    if not 1 <= max_changes <= MAX_CHANGES:
        raise ValueError(f"max_changes must be between 1 and {MAX_CHANGES}")
    if limit < 1 or max_evaluations < 1:
        raise ValueError("limit and max_evaluations must be at least 1")
    ctx = validate_context(context)
    base = ctx.model_dump(mode="json")
    ref = item if isinstance(item, ItemRef) or item is None else parse_item(item, rb, [s.id for s in ctx.stakeholders])
    label = ref.describe(rb) if ref else None
    original = _full(rb, base)
    errors: list[str] = []
    if reevaluate is not None:
        checked = reevaluate(base)
        problem = disagreement(original, checked)
        if problem:
            errors.append(f"the original context: {checker} and the Python evaluator disagree: {problem}")
        original = checked
    reached = _target_test(ref, original)

    relevant = relevant_rules(rb, ref)
    sub = dataclasses.replace(rb, rules=relevant)
    readable = fields_read(relevant)
    fields = [f for f in searchable_fields() if f.path in readable]
    options = [(f, dist, value) for f in fields
               for dist, value in _options(f, base[f.path.split(".")[0]].get(f.path.split(".")[1]))]

    found: list[tuple[frozenset[str], list[tuple[FieldInfo, Any]]]] = []
    evaluations = unresolvable = 0
    bound_hit = False
    for size in range(1, max_changes + 1):
        if len(found) >= limit or bound_hit:
            break
        combos = [c for c in itertools.combinations(range(len(options)), size)
                  if len({options[i][0].path for i in c}) == size]
        combos.sort(key=lambda c: (sum(options[i][1] for i in c), c))
        for combo in combos:
            paths = frozenset(options[i][0].path for i in combo)
            if any(f <= paths for f, _ in found):
                continue   # a subset already does it: not minimal
            if evaluations >= max_evaluations:
                bound_hit = True
                break
            evaluations += 1
            changed = _with(base, [(options[i][0], options[i][2]) for i in combo])
            try:
                rec = _recommend(rb, changed, sub)
            except ResolutionError:
                unresolvable += 1
                continue
            if reached(rec):
                found.append((paths, [(options[i][0], options[i][2]) for i in combo]))
                if len(found) >= limit:
                    break

    scenarios = []
    for _paths, picks in found:
        changed = _with(base, picks)
        changes = [FieldChange(field=f.path, old=base[f.path.split(".")[0]].get(f.path.split(".")[1]), new=v)
                   for f, v in picks]
        rec = _full(rb, changed)
        agrees = True
        if not reached(rec):
            errors.append(f"{_names(changes)}: the search on the relevant rules and the whole rule base disagree "
                          "(a bug in what-if's pruning)")
        if reevaluate is not None:
            checked = reevaluate(changed)
            problem = disagreement(rec, checked)
            if problem:
                agrees = False
                errors.append(f"{_names(changes)}: {checker} and the Python evaluator disagree: {problem}")
            rec = checked
        scenarios.append(Scenario(changes=changes, sentence=_sentence(ref, label, changes, original, rec),
                                  approach=rec["approach"]["code"], recommendation=rec, diff=diff(original, rec),
                                  checked_by=checker if reevaluate is not None else "python", agrees=agrees))
    return WhatIf(target=str(ref) if ref else "approach", original_approach=original["approach"]["code"],
                  scenarios=scenarios, fields_searched=[f.path for f in fields], max_changes=max_changes,
                  limit=limit, evaluations=evaluations, max_evaluations=max_evaluations, bound_hit=bound_hit,
                  complete=not bound_hit, unresolvable=unresolvable, errors=errors,
                  unknowns=list(original.get("unknowns") or []), rulebase_version=rb.version)


def disagreement(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """How two recommendations differ in items or in the rules behind them (None: they agree).

    Firing numbers are left out: the engines fire in different orders.
    """
    x, y = items(a), items(b)
    if {k: v.value for k, v in x.items()} != {k: v.value for k, v in y.items()}:
        return str(diff(a, b)).replace("\n", "; ")
    other = [k for k in x if set(x[k].rules) != set(y[k].rules)]
    return f"the rules behind {', '.join(other)} differ" if other else None


def _names(changes: list[FieldChange]) -> str:
    return ", ".join(f"{c.field}={fmt(c.new)}" for c in changes)


def _with(base: dict[str, Any], picks: list[tuple[FieldInfo, Any]]) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for info, value in picks:
        section, name = info.path.split(".")
        out[section][name] = value
    return stated(out)


def _recommend(rb: RuleBase, context: dict[str, Any], sub: RuleBase | None = None,
               version: str = "what-if") -> dict[str, Any]:
    """The recommendation of `sub` (the rules the target depends on; default the whole rule base), its unknown
    answers settled as the whole rule base settles them."""
    settled = settle(rb, context)
    wm = run_python(sub or rb, subjects(settled.context))
    wm.unknowns = settled
    return resolve(wm, version).model_dump(mode="json")


def _full(rb: RuleBase, context: dict[str, Any]) -> dict[str, Any]:
    from . import ENGINE_VERSION
    return _recommend(rb, context, version=ENGINE_VERSION)
