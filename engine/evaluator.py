"""The plain-Python interpreter of compiled conditions.

It runs the same strata over the same working memory as the durable_rules
runtime, by fixpoint iteration. It answers "why not" questions (which
literal failed, with which value) and is the oracle the tests compare the
Rete engine against.
"""
from __future__ import annotations

import heapq
import operator
from typing import Any, Callable

from .conditions import FIELDS, Cmp, Derived, Exists, Literal, Term, holds
from .facts import PROJECT, Subjects
from .memory import WorkingMemory, rulebase_cache
from .rulebase import Rule, RuleBase


def term_holds(wm: WorkingMemory, term: Term, subject: str) -> bool:
    state = wm.state(subject)
    derived = wm.derived_for(subject)
    return all(holds(lit, state, derived) for lit in term)


def first_matching_term(wm: WorkingMemory, rule: Rule, subject: str) -> int | None:
    state = wm.state(subject)
    derived = wm.derived_for(subject)
    known = rulebase_cache(wm.rb, "python.checks", _checks).get(rule.id)
    if known is not None and known[0] is rule:
        return _first_match(known[1], state, derived)
    for i, term in enumerate(rule.terms):
        if all(holds(lit, state, derived) for lit in term):
            return i
    return None


Check = Callable[[dict[str, Any], Any], bool]
_MISSING = object()
_ORDERED = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b}


def compile_literal(lit: Literal) -> Check:
    """A closure `check(state, derived)` meaning exactly `holds(lit, state, derived)`.

    `holds` stays the reference semantics (tests compare the two over every
    field, operator and value); this form only moves the dispatch on the
    literal's kind and operator, and the ranks of ordinal values, out of the
    loop that checks every rule for every subject.
    """
    if isinstance(lit, Derived):
        name = lit.name
        return (lambda st, d: name in d) if lit.positive else (lambda st, d: name not in d)
    path = lit.field
    if isinstance(lit, Exists):
        return (lambda st, d: path in st) if lit.positive else (lambda st, d: path not in st)
    assert isinstance(lit, Cmp)
    op, value = lit.op, lit.value
    if op == "==":
        return lambda st, d: (a := st.get(path, _MISSING)) is not _MISSING and a == value
    if op == "!=":
        return lambda st, d: (a := st.get(path, _MISSING)) is not _MISSING and a != value
    if op == "in":
        return lambda st, d: (a := st.get(path, _MISSING)) is not _MISSING and a in value
    if op == "not in":
        return lambda st, d: (a := st.get(path, _MISSING)) is not _MISSING and a not in value
    info = FIELDS[path]
    ranks = {v: info.rank(v) for v in info.values or ()}
    b, cmp = info.rank(value), _ORDERED[op]

    def ordered(st: dict[str, Any], d: Any) -> bool:
        a = st.get(path, _MISSING)
        if a is _MISSING:
            return False
        rank = ranks.get(a)
        return cmp(info.rank(a) if rank is None else rank, b)   # info.rank raises on a foreign value, as holds does
    return ordered


TermCheck = Callable[[dict[str, Any], Any], bool]


def compile_term(term: Term) -> TermCheck:
    """A closure `check(state, derived)` meaning all(holds(lit, state, derived) for lit in term).

    A term is mostly equality tests and derived facts: its equalities are read
    with one itemgetter and compared as one tuple (a missing field fails, as
    it does in `holds`), its derived facts are two set tests, and only the
    other literals are checked one closure each.
    """
    eq = [lit for lit in term if isinstance(lit, Cmp) and lit.op == "=="]
    pos = frozenset(lit.name for lit in term if isinstance(lit, Derived) and lit.positive)
    neg = frozenset(lit.name for lit in term if isinstance(lit, Derived) and not lit.positive)
    rest = tuple(compile_literal(lit) for lit in term if not isinstance(lit, Derived) and lit not in eq)
    getter = operator.itemgetter(*(lit.field for lit in eq)) if eq else None
    values: Any = eq[0].value if len(eq) == 1 else tuple(lit.value for lit in eq)

    def check(st: dict[str, Any], d: Any) -> bool:
        if pos and not pos.issubset(d):
            return False
        if neg and not neg.isdisjoint(d):
            return False
        if getter is not None:
            try:
                if getter(st) != values:
                    return False
            except KeyError:
                return False
        for one in rest:
            if not one(st, d):
                return False
        return True
    return check


def _by_stratum(rb: RuleBase) -> dict[int, list[tuple[Rule, frozenset[str], list[TermCheck]]]]:
    """Each stratum's rules in rule-base order, with the derived facts each reads
    positively and its terms as compiled checks."""
    out: dict[int, list[tuple[Rule, frozenset[str], list[TermCheck]]]] = {}
    for rule in rb.rules:
        reads = frozenset(lit.name for lit in rule.derived_literals() if lit.positive)
        checks = [compile_term(term) for term in rule.terms]
        out.setdefault(rule.stratum, []).append((rule, reads, checks))
    return out


def _checks(rb: RuleBase) -> dict[str, tuple[Rule, list[TermCheck]]]:
    return {rule.id: (rule, checks) for rules in rulebase_cache(rb, "python.by_stratum", _by_stratum).values()
            for rule, _, checks in rules}


def _first_match(checks: list[TermCheck], state: dict[str, Any], derived: Any) -> int | None:
    """first_matching_term over compiled terms."""
    for i, check in enumerate(checks):
        if check(state, derived):
            return i
    return None


def _readers(rb: RuleBase) -> dict[int, dict[str, list[int]]]:
    """Per stratum: derived fact -> positions of the rules that read it positively."""
    out: dict[int, dict[str, list[int]]] = {}
    for stratum, rules in rulebase_cache(rb, "python.by_stratum", _by_stratum).items():
        readers: dict[str, list[int]] = {}
        for i, (_, reads, _) in enumerate(rules):
            for name in reads:
                readers.setdefault(name, []).append(i)
        out[stratum] = readers
    return out


def run_python(rb: RuleBase, subj: Subjects, explain: bool = True) -> WorkingMemory:
    """Naive fixpoint per stratum, minus the checks that cannot succeed.

    The naive form checks every rule, in rule-base order, on every pass
    until a pass records nothing. Within a stratum the state is fixed and
    facts are only ever added, and a fact read negatively is complete before
    the stratum starts; so a rule can only newly fire if a fact it reads
    positively was derived since it was last checked. This loop checks just
    those rules, at the position the naive pass would reach them (later in
    the same pass, or on the next pass if the fact came from a rule at or
    after its own position), and so records the same firings in the same
    order as the naive form. explain=False skips `settle`: the firings and
    the decision are the same, without their explanations (the benchmarks'
    "no explanation" baseline).
    """
    wm = WorkingMemory(rb, subj)
    by_stratum = rulebase_cache(rb, "python.by_stratum", _by_stratum)
    readers_of = rulebase_cache(rb, "python.readers", _readers)
    fired = wm.fired
    scopes = {"project": [PROJECT], "stakeholder": subj.ids}
    everyone = [PROJECT, *subj.ids]
    for stratum in range(rb.strata):
        rules = by_stratum.get(stratum, [])
        readers = readers_of.get(stratum, {})
        # each subject's (state, derived facts) as the checks read them; the state is fixed within a
        # stratum, the derived facts are refreshed below whenever a firing adds to them
        views = {s: (wm.state(s), wm.derived_for(s)) for s in everyone}
        todo = list(range(len(rules)))                 # a pass: positions to check, ascending
        while todo:
            queued = set(todo)
            next_pass: set[int] = set()
            while todo:
                i = heapq.heappop(todo)
                queued.discard(i)
                rule, _, checks = rules[i]
                rule_id = rule.id
                for subject in scopes[rule.scope]:
                    if (rule_id, subject) in fired:
                        continue
                    state, derived = views[subject]
                    for ti, check in enumerate(checks):
                        if check(state, derived):
                            break
                    else:
                        continue
                    new = wm.record(rule, ti, subject, explain=False)
                    for name, owner in new:
                        for s2 in (everyone if owner == PROJECT else (owner,)):
                            views[s2] = (views[s2][0], wm.derived_for(s2))
                        for j in readers.get(name, ()):
                            if j > i:
                                if j not in queued:
                                    heapq.heappush(todo, j)
                                    queued.add(j)
                            else:
                                next_pass.add(j)
            todo = sorted(next_pass)
        if explain:
            wm.settle(stratum)
        if stratum == rb.approach_stratum:
            wm.decide_approach()
    if wm.approach is None:
        wm.decide_approach()
    return wm
