"""The plain-Python interpreter of compiled conditions.

It runs the same strata over the same working memory as the durable_rules
runtime, by fixpoint iteration. It answers "why not" questions (which
literal failed, with which value) and is the oracle the tests compare the
Rete engine against.
"""
from __future__ import annotations

import heapq

from .approach_policy import decide_approach
from .facts import PROJECT, Subjects
from .matching import CHECKS, TermCheck, rule_checks, settle
from .memory import WorkingMemory
from .rulebase import Rule, RuleBase, rulebase_cache


def _by_stratum(rb: RuleBase) -> dict[int, list[tuple[Rule, frozenset[str], list[TermCheck]]]]:
    """Each stratum's rules in rule-base order, with the derived facts each reads
    positively and its terms as compiled checks."""
    out: dict[int, list[tuple[Rule, frozenset[str], list[TermCheck]]]] = {}
    compiled = rulebase_cache(rb, CHECKS, rule_checks)     # shared with settle's first_matching_term
    for rule in rb.rules:
        reads = frozenset(lit.name for lit in rule.derived_literals() if lit.positive)
        out.setdefault(rule.stratum, []).append((rule, reads, compiled[rule.id][1]))
    return out


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
        wm.open_stratum(stratum)
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
            settle(wm, stratum)
        if stratum == rb.approach_stratum:
            decide_approach(wm)
    if wm.approach is None:
        decide_approach(wm)
    return wm
