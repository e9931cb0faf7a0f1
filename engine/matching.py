"""Term matching: a rule's alternatives as compiled checks, and settling a finished stratum.

Both interpreters use these: the Python evaluator checks every rule with the
compiled terms, and after each stratum both settle the firings' explanations
here, so an explanation does not depend on the order the firings came in.
`conditions.holds` stays the reference semantics of a literal.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

from .conditions import FIELDS, Cmp, Derived, Exists, Groups, Literal, Term, holds
from .memory import WorkingMemory
from .rulebase import Rule, RuleBase, rulebase_cache

CHECKS = "matching.checks"    # the rulebase_cache entry of rule_checks
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
    if isinstance(lit, Groups):     # the groups meeting it are in the state once its stratum opened
        key, n = lit.key, lit.n
        if lit.op == ">=":
            return lambda st, d: key in st and len(st[key]) >= n
        return lambda st, d: key in st and len(st[key]) <= n
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
    if op == "contains":
        return lambda st, d: (a := st.get(path, _MISSING)) is not _MISSING and value in a
    if op == "not contains":
        return lambda st, d: (a := st.get(path, _MISSING)) is not _MISSING and value not in a
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


def rule_checks(rb: RuleBase) -> dict[str, tuple[Rule, list[TermCheck]]]:
    """Per rule, its terms as compiled checks (use through rulebase_cache: compiled once per rule base)."""
    return {rule.id: (rule, [compile_term(term) for term in rule.terms]) for rule in rb.rules}


def first_matching_term(wm: WorkingMemory, rule: Rule, subject: str) -> int | None:
    """The index of the first of `rule`'s alternatives that holds for `subject` now (None: none holds)."""
    state = wm.state(subject)
    derived = wm.derived_for(subject)
    known = rulebase_cache(wm.rb, CHECKS, rule_checks).get(rule.id)
    if known is not None and known[0] is rule:
        for i, check in enumerate(known[1]):
            if check(state, derived):
                return i
        return None
    for i, term in enumerate(rule.terms):
        if all(holds(lit, state, derived) for lit in term):
            return i
    return None


def settle(wm: WorkingMemory, stratum: int) -> None:
    """Make the explanation of a finished stratum independent of firing order.

    A rule with several alternatives (`any`) fires on whichever matched
    first, and the two interpreters meet them in different orders. Once
    the stratum is complete every alternative that matched still holds
    (nothing in a stratum is ever retracted), so each firing reports the
    first of its alternatives that holds, by the reference semantics of
    `conditions.holds`, and the firings it used are chosen likewise.
    """
    for firing in wm.firings:
        if firing.rule.stratum != stratum:
            continue
        if len(firing.rule.terms) > 1:    # a single alternative is the one that matched
            term = first_matching_term(wm, firing.rule, firing.subject)
            if term is not None:
                firing.term = term
        wm.explain(firing)
