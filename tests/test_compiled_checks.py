"""engine/evaluator.py's compiled literal checks mean exactly what `conditions.holds` means.

The Python interpreter checks literals through closures built once per rule
base; `holds` is the reference. Every field, operator and value (and a
missing optional field, and derived facts present or absent) is compared.
"""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.conditions import FIELDS, Cmp, Derived, Exists, holds
from engine.matching import compile_literal, compile_term

_ABSENT = object()


def _literals(path, info):
    if info.kind == "set":
        for op in ("contains", "not contains"):
            for v in info.values:
                yield Cmp(path, op, v)
        return
    values = (True, False) if info.kind == "bool" else info.values
    ops = ["==", "!="] + (["in", "not in"] if info.kind != "bool" else []) + \
        (["<", "<=", ">", ">="] if info.kind == "ordinal" else [])
    for op in ops:
        if op in ("in", "not in"):
            for n in (1, 2):
                for combo in itertools.combinations(values, n):
                    yield Cmp(path, op, tuple(combo))
        else:
            for v in values:
                yield Cmp(path, op, v)
    yield Exists(path, True)
    yield Exists(path, False)


def test_every_comparison_agrees_with_holds_on_every_value_and_on_a_missing_field():
    checked = 0
    for path, info in FIELDS.items():
        actuals = [True, False] if info.kind == "bool" else _sets(info) if info.kind == "set" else list(info.values)
        for lit in _literals(path, info):
            check = compile_literal(lit)
            for actual in actuals + [_ABSENT]:
                state = {} if actual is _ABSENT else {path: actual}
                assert check(state, set()) == holds(lit, state, set()), (lit, actual)
                checked += 1
    assert checked > 1000


def test_derived_literals_agree_with_holds():
    for positive in (True, False):
        lit = Derived("key_player", positive)
        check = compile_literal(lit)
        for derived in (set(), {"key_player"}, {"other"}):
            assert check({}, derived) == holds(lit, {}, derived)


def _sets(info):
    """Values of a list field as the facts hold them: the empty one, each single member, and all of them."""
    return [(), *[(v,) for v in info.values], tuple(info.values)]


_FIELD_LITERALS = [lit for path, info in FIELDS.items() for lit in _literals(path, info)]
_DERIVED_LITERALS = [Derived(name, positive) for name in ("key_player", "hard_to_reach") for positive in (True, False)]
_STATE = st.fixed_dictionaries({}, optional={path: st.sampled_from([True, False] if info.kind == "bool"
                                                                    else _sets(info) if info.kind == "set"
                                                                    else list(info.values))
                                             for path, info in FIELDS.items()})


@given(term=st.lists(st.one_of(st.sampled_from(_FIELD_LITERALS), st.sampled_from(_DERIVED_LITERALS)),
                     min_size=1, max_size=6), state=_STATE,
       derived=st.sets(st.sampled_from(["key_player", "hard_to_reach", "other"])))
@settings(max_examples=400, deadline=None)
def test_a_compiled_term_holds_exactly_when_all_its_literals_hold(term, state, derived):
    """compile_term reads the equalities of a term as one tuple and its derived facts as two set tests;
    it must still mean the conjunction of `holds`, including on missing fields."""
    assert compile_term(tuple(term))(state, derived) == all(holds(lit, state, derived) for lit in term), term
