"""The plain-Python interpreter of compiled conditions.

It runs the same strata over the same working memory as the durable_rules
runtime, by naive fixpoint iteration. It answers "why not" questions (which
literal failed, with which value) and is the oracle the tests compare the
Rete engine against.
"""
from __future__ import annotations

from .conditions import Term, holds
from .facts import Subjects
from .memory import WorkingMemory
from .rulebase import Rule, RuleBase


def term_holds(wm: WorkingMemory, term: Term, subject: str) -> bool:
    state = wm.state(subject)
    derived = wm.derived_for(subject)
    return all(holds(lit, state, derived) for lit in term)


def first_matching_term(wm: WorkingMemory, rule: Rule, subject: str) -> int | None:
    for i, term in enumerate(rule.terms):
        if term_holds(wm, term, subject):
            return i
    return None


def run_python(rb: RuleBase, subj: Subjects) -> WorkingMemory:
    wm = WorkingMemory(rb, subj)
    by_stratum: dict[int, list[Rule]] = {}
    for rule in rb.rules:
        by_stratum.setdefault(rule.stratum, []).append(rule)
    for stratum in range(rb.strata):
        rules = by_stratum.get(stratum, [])
        changed = True
        while changed:
            changed = False
            for rule in rules:
                for subject in wm.subjects_for(rule.scope):
                    if (rule.id, subject) in wm.fired:
                        continue
                    ti = first_matching_term(wm, rule, subject)
                    if ti is not None:
                        wm.record(rule, ti, subject)
                        changed = True
        wm.settle(stratum)
        if stratum == rb.approach_stratum:
            wm.decide_approach()
    if wm.approach is None:
        wm.decide_approach()
    return wm
