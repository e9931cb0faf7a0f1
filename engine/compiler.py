"""Compile a rule base into durable_rules ruleset dicts, within its limits.

Design (see docs/ENGINE.md): every durable rule tests a single fact, so no
beta joins are used (joins with cross-fact references crashed or missed
firings in our tests). A subject's state is projected onto *group facts*:
each group holds at most GROUP_LEAVES compiled alternatives of one stratum
and scope and carries only the properties they read. durable_rules walks its
alpha network depth-first with a 64-entry stack; pending entries are roots
of disjoint subtrees, each holding at least one alternative, and a fact only
enters its own group's subtree, so the stack stays below GROUP_LEAVES + 2.
The other hard limits (rules per ruleset, children per node, properties per
fact, nesting depth, join size) are kept by construction and checked here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

import hashlib

from .conditions import FIELDS, Cmp, ConditionError, Derived, Exists, Groups, Term
from .rulebase import RuleBase

GROUP_LEAVES = 40          # durable_rules' alpha stack holds 64
GROUP_PROPERTIES = 200     # durable_rules' facts hold ~252 properties
MAX_DURABLE_RULES = 4000   # durable_rules refuses more than 4096 per ruleset
MAX_ROOT_CHILDREN = 500    # more than 512 children of one node hangs registration
OPENER = "__open"


def derived_key(name: str) -> str:
    return f"d__{name}"


def member_key(path: str, value: str) -> str:
    """The engine property saying whether list field `path` holds `value` (durable_rules has no 'contains')."""
    return f"{FIELDS[path].key}__{value}"


def count_key(lit: Groups) -> str:
    """The engine property holding how many groups meet a group condition (worked out before its stratum:
    memory.WorkingMemory.open_stratum); named by a digest of the condition, which is no property name."""
    return "gc__" + hashlib.sha256(lit.key.encode()).hexdigest()[:16]


def literal_key(lit: Any) -> str:
    if isinstance(lit, Groups):
        return count_key(lit)
    if isinstance(lit, Derived):
        return derived_key(lit.name)
    if isinstance(lit, Cmp) and lit.op in ("contains", "not contains"):
        return member_key(lit.field, lit.value)
    return FIELDS[lit.field].key


def encode(path: str, value: Any) -> Any:
    """A state value as the engine stores it: ordinals become ranks."""
    info = FIELDS[path]
    if info.kind == "ordinal":
        return info.rank(value)
    return value


def _tests(lit: Any, choice: Any) -> list[dict]:
    key = literal_key(lit)
    if isinstance(lit, Derived):
        return [{key: lit.positive}]
    if isinstance(lit, Exists):
        return [{"$ex" if lit.positive else "$nex": {key: 1}}]
    if isinstance(lit, Groups):
        return [{"$gte" if lit.op == ">=" else "$lte": {key: lit.n}}]
    assert isinstance(lit, Cmp)
    enc = lambda v: encode(lit.field, v)  # noqa: E731
    if lit.op == "contains":
        return [{key: True}]
    if lit.op == "not contains":
        return [{key: False}]
    if lit.op == "in":
        return [{key: enc(choice)}]
    if lit.op == "not in":
        return [{"$neq": {key: enc(v)}} for v in lit.value]
    if lit.op == "==":
        return [{key: enc(lit.value)}]
    if lit.op == "!=":
        return [{"$neq": {key: enc(lit.value)}}]
    op = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}[lit.op]
    return [{op: {key: enc(lit.value)}}]


def alternatives(term: Term) -> list[list[dict]]:
    """A term's durable tests; each `in` literal multiplies the alternatives.

    Equality tests come first: durable_rules indexes them by hash, which keeps
    the alpha network narrow.
    """
    choices = [lit.value if isinstance(lit, Cmp) and lit.op == "in" else (None,) for lit in term]
    out = []
    for combo in itertools.product(*choices):
        tests: list[dict] = []
        for lit, choice in zip(term, combo):
            tests.extend(_tests(lit, choice))
        tests.sort(key=lambda t: (next(iter(t)).startswith("$"), repr(t)))
        out.append(tests)
    return out


@dataclass
class Leaf:
    name: str             # durable rule name
    rule: int             # rule order
    term: int
    tests: list[dict]


@dataclass(eq=False)
class Group:
    name: str
    stratum: int
    scope: str
    leaves: list[Leaf] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    derived: set[str] = field(default_factory=set)     # derived fact names read
    counts: dict[str, str] = field(default_factory=dict)  # group conditions read: state key -> property


@dataclass
class Plan:
    groups: list[Group]
    leaf_by_name: dict[str, Leaf]

    def groups_in(self, stratum: int) -> list[Group]:
        return [g for g in self.groups if g.stratum == stratum]


def plan(rb: RuleBase) -> Plan:
    """Lay the rule base out in group facts, checking every engine limit."""
    groups: list[Group] = []
    leaves: dict[str, Leaf] = {}
    current: dict[tuple[int, str], Group] = {}
    for rule in sorted(rb.rules, key=lambda r: (r.stratum, r.order)):
        for ti, term in enumerate(rule.terms):
            keys = {literal_key(lit) for lit in term}
            for ai, tests in enumerate(alternatives(term)):
                slot = (rule.stratum, rule.scope)
                group = current.get(slot)
                if group is None or len(group.leaves) >= GROUP_LEAVES or len(group.keys | keys) > GROUP_PROPERTIES:
                    group = Group(name=f"g{rule.stratum}{rule.scope[0]}{len(groups)}", stratum=rule.stratum,
                                  scope=rule.scope)
                    groups.append(group)
                    current[slot] = group
                leaf = Leaf(name=f"r{rule.order}_{ti}_{ai}", rule=rule.order, term=ti, tests=tests)
                group.leaves.append(leaf)
                group.keys |= keys
                group.derived |= {lit.name for lit in term if isinstance(lit, Derived)}
                group.counts.update({lit.key: count_key(lit) for lit in term if isinstance(lit, Groups)})
                leaves[leaf.name] = leaf
    if len(leaves) + 1 > MAX_DURABLE_RULES:
        raise ConditionError(f"the rule base compiles to {len(leaves)} engine rules (each 'in' value and "
                             f"'any' alternative counts); the limit is {MAX_DURABLE_RULES}")
    if len(groups) + 1 > MAX_ROOT_CHILDREN:
        raise ConditionError(f"the rule base needs {len(groups)} fact groups; the limit is {MAX_ROOT_CHILDREN}")
    return Plan(groups=groups, leaf_by_name=leaves)


def ruleset(p: Plan, action: Callable[[str], Callable]) -> dict[str, Any]:
    """A fresh durable_rules ruleset dict (durable_rules consumes `run`)."""
    out: dict[str, Any] = {OPENER: {"all": [{"f": {"t": OPENER}}], "run": action(OPENER)}}
    for group in p.groups:
        for leaf in group.leaves:
            out[leaf.name] = {"all": [{"f": {"$and": [{"t": group.name}, *leaf.tests]}}],
                              "run": action(leaf.name)}
    return out
