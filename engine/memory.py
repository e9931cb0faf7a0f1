"""Working memory of one evaluation, shared by both interpreters.

It holds each subject's state and derived facts, records every firing with
the values it matched and the firings it relied on, and holds the approach
the conflict policy chose (engine/approach_policy.py). It is a data structure:
it imports neither interpreter nor the policy. Because
both interpreters record through it, their explanations have one shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .conditions import FIELDS, Derived, Groups, group_literals, groups_meeting, literal_fields
from .facts import PROJECT, Subjects
from .rulebase import Rule, RuleBase, rulebase_cache


@dataclass(slots=True)
class Firing:
    seq: int
    rule: Rule
    term: int
    subject: str                       # PROJECT or a stakeholder id
    matched: dict[str, Any]
    uses: list[int] = field(default_factory=list)   # seqs of firings this one relied on


class WorkingMemory:
    def __init__(self, rb: RuleBase, subj: Subjects):
        self.rb = rb
        self.subjects = subj
        # plain values: a field left at its default holds the enum member, and what
        # firings matched goes into the JSON-ready output as it is
        self.project_state = _plain(subj.project)
        self._people = {sid: _plain(fields) for sid, fields in subj.stakeholders.items()}
        self.derived: dict[str, set[str]] = {PROJECT: set(), **{sid: set() for sid in subj.stakeholders}}
        self.providers: dict[tuple[str, str], list[int]] = {}
        self.firings: list[Firing] = []
        self.fired: dict[tuple[str, str], Firing] = {}
        self.approach: Any = None       # approach_policy.ApproachDecision once decided
        self.unknowns: Any = None       # unknowns.Settled: the unknown answers and how they were settled
        # Views are read for every literal checked and every fact built, so they are
        # cached; `record` and `set_approach`, the only writers, invalidate them.
        self._states: dict[str, dict[str, Any]] = {}
        self._derived_views: dict[str, set[str]] = {}

    # -- views ---------------------------------------------------------------
    def subjects_for(self, scope: str) -> list[str]:
        return [PROJECT] if scope == "project" else self.subjects.ids

    def state(self, subject: str) -> dict[str, Any]:
        if subject == PROJECT:
            return self.project_state
        state = self._states.get(subject)
        if state is None:
            state = self._states[subject] = {**self.project_state, **self._people[subject]}
        return state

    def derived_for(self, subject: str) -> set[str]:
        if subject == PROJECT:
            return self.derived[PROJECT]
        view = self._derived_views.get(subject)
        if view is None:
            view = self._derived_views[subject] = self.derived[PROJECT] | self.derived[subject]
        return view

    def open_stratum(self, stratum: int) -> None:
        """Before a stratum runs: the groups meeting each group condition its rules read (any_stakeholder...),
        held in the project's state (so in every group's) under the condition's key. The loader put every
        rule deriving a fact they read in an earlier stratum, so the groups are final: both interpreters
        call this, and read the same ids."""
        wanted = rulebase_cache(self.rb, "memory.group_conditions", _group_conditions).get(stratum)
        if not wanted:
            return
        ids = self.subjects.ids
        states = {sid: self.state(sid) for sid in ids}
        derived = {sid: self.derived_for(sid) for sid in ids}
        for key, lit in wanted.items():
            self.project_state[key] = groups_meeting(lit, states, derived)
        self._states.clear()

    def fact_owner(self, name: str, subject: str) -> str:
        return PROJECT if self.rb.fact_scope.get(name) == "project" else subject

    # -- recording -----------------------------------------------------------
    def record(self, rule: Rule, term_index: int, subject: str, explain: bool = True) -> list[tuple[str, str]]:
        """Record a firing; return the (fact, owner) pairs it newly derived.

        A rule fires at most once per subject, whichever of its alternatives
        matched first. An interpreter that settles every stratum passes
        explain=False: `matching.settle` explains each firing afresh anyway.
        """
        key = (rule.id, subject)
        if key in self.fired:
            return []
        firing = Firing(len(self.firings) + 1, rule, term_index, subject, {}, [])
        if explain:
            self.explain(firing)
        self.firings.append(firing)
        self.fired[key] = firing
        new: list[tuple[str, str]] = []
        derive = rule.then.derive
        if derive:
            for name in derive:
                owner = self.fact_owner(name, subject)
                providers = self.providers.get((name, owner))
                if providers is None:
                    self.providers[(name, owner)] = [firing.seq]
                else:
                    providers.append(firing.seq)
                if name not in self.derived[owner]:
                    self.derived[owner].add(name)
                    new.append((name, owner))
                    if owner == PROJECT:
                        self._derived_views.clear()
                    else:
                        self._derived_views.pop(owner, None)
        return new

    def explain(self, firing: Firing) -> None:
        """Fill in the values a firing matched and the firings it relied on."""
        rule = firing.rule
        plans = rulebase_cache(self.rb, "memory.explain_plans", _explain_plans)
        known = plans.get(rule.id)
        plan = known[1][firing.term] if known is not None and known[0] is rule else \
            _term_plan(self.rb, rule.terms[firing.term])
        state = self.state(firing.subject)
        matched: dict[str, Any] = {}
        uses: set[int] = set()
        for name, kind, key in plan:
            if kind is _FIELD:
                value = state.get(key)
                matched[name] = list(value) if type(value) is tuple else value   # a list field, as JSON has it
            elif kind is _APPROACH:
                matched[name] = state.get(key)
                if self.approach is not None:
                    uses.update(self.approach.because)
            elif kind is _GROUPS:
                key, facts = key
                ids = state.get(key, ())
                matched[name] = list(ids)
                for sid in ids:         # the firings that concluded what the matching groups had to have
                    for lit in facts:
                        providers = self.providers.get((lit.name, self.fact_owner(lit.name, sid)))
                        if providers:
                            uses.add(min(providers, key=lambda seq: (self.firings[seq - 1].rule.order, seq)))
            elif kind is _ABSENT:
                matched[name] = False
            else:
                matched[name] = True
                providers = self.providers.get((key, PROJECT if kind is _PROJECT_FACT else firing.subject))
                if providers:  # the provider earliest in the rule base, whatever the firing order
                    uses.add(providers[0] if len(providers) == 1 else
                             min(providers, key=lambda seq: (self.firings[seq - 1].rule.order, seq)))
        firing.matched, firing.uses = matched, sorted(uses)

    def set_approach(self, decision: Any) -> None:
        """Record the approach chosen (approach_policy.decide_approach): later strata read it as approach.*."""
        self.approach = decision
        if decision.code is not None:
            self.project_state["approach.code"] = decision.code
            self.project_state["approach.level"] = decision.iap2_level
            self._states.clear()


# how `explain` reports each literal of a term: (reported name, kind, state field or derived fact)
_FIELD, _APPROACH, _ABSENT, _PROJECT_FACT, _OWN_FACT = "field", "approach", "absent", "project fact", "own fact"
_GROUPS = "groups"
ExplainStep = tuple[str, str, Any]      # a group condition's: (its key, the facts its groups must have)


def _group_conditions(rb: RuleBase) -> dict[int, dict[str, Groups]]:
    """Per stratum, the group conditions its rules read, by key."""
    out: dict[int, dict[str, Groups]] = {}
    for rule in rb.rules:
        found = group_literals(rule.terms)
        if found:
            out.setdefault(rule.stratum, {}).update(found)
    return out


def _term_plan(rb: RuleBase, term: tuple) -> tuple[ExplainStep, ...]:
    steps: list[ExplainStep] = []
    for lit in term:
        name = literal_fields(lit)
        if isinstance(lit, Groups):
            facts = tuple(sorted((d for d in lit.derived() if d.positive), key=lambda d: d.name))
            steps.append((name, _GROUPS, (lit.key, facts)))
        elif isinstance(lit, Derived):
            kind = (_PROJECT_FACT if rb.fact_scope.get(lit.name) == "project" else _OWN_FACT) if lit.positive \
                else _ABSENT
            steps.append((name, kind, lit.name))
        else:
            steps.append((name, _APPROACH if FIELDS[lit.field].scope == "approach" else _FIELD, lit.field))
    return tuple(steps)


def _explain_plans(rb: RuleBase) -> dict[str, tuple[Rule, list[tuple[ExplainStep, ...]]]]:
    """Per rule, per alternative: what its explanation reports, worked out once per rule base."""
    return {rule.id: (rule, [_term_plan(rb, term) for term in rule.terms]) for rule in rb.rules}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, Enum) else v for k, v in values.items()}
