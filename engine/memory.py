"""Working memory of one evaluation, shared by both interpreters.

It holds each subject's state and derived facts, records every firing with
the values it matched and the firings it relied on, and decides the approach
once every rule that can eliminate or prefer one has had its chance. Because
both interpreters record through it, their explanations have one shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .conditions import FIELDS, Cmp, Derived, Exists, Term, literal_fields
from .facts import PROJECT, Subjects
from .rulebase import Rule, RuleBase


@dataclass
class Firing:
    seq: int
    rule: Rule
    term: int
    subject: str                       # PROJECT or a stakeholder id
    matched: dict[str, Any]
    uses: list[int] = field(default_factory=list)   # seqs of firings this one relied on

    @property
    def key(self) -> tuple[str, str]:
        return self.rule.id, self.subject


class WorkingMemory:
    def __init__(self, rb: RuleBase, subj: Subjects):
        self.rb = rb
        self.subjects = subj
        self.project_state = dict(subj.project)
        self.derived: dict[str, set[str]] = {PROJECT: set(), **{sid: set() for sid in subj.stakeholders}}
        self.providers: dict[tuple[str, str], list[int]] = {}
        self.firings: list[Firing] = []
        self.fired: dict[tuple[str, str], Firing] = {}
        self.approach: Any = None       # resolve.ApproachDecision once decided

    # -- views ---------------------------------------------------------------
    def subjects_for(self, scope: str) -> list[str]:
        return [PROJECT] if scope == "project" else self.subjects.ids

    def state(self, subject: str) -> dict[str, Any]:
        if subject == PROJECT:
            return self.project_state
        return {**self.project_state, **self.subjects.stakeholders[subject]}

    def derived_for(self, subject: str) -> set[str]:
        if subject == PROJECT:
            return self.derived[PROJECT]
        return self.derived[PROJECT] | self.derived[subject]

    def fact_owner(self, name: str, subject: str) -> str:
        return PROJECT if self.rb.fact_scope.get(name) == "project" else subject

    # -- recording -----------------------------------------------------------
    def record(self, rule: Rule, term_index: int, subject: str) -> list[tuple[str, str]]:
        """Record a firing; return the (fact, owner) pairs it newly derived.

        A rule fires at most once per subject, whichever of its alternatives
        matched first.
        """
        if (rule.id, subject) in self.fired:
            return []
        term: Term = rule.terms[term_index]
        state = self.state(subject)
        matched: dict[str, Any] = {}
        uses: list[int] = []
        for lit in term:
            name = literal_fields(lit)
            if isinstance(lit, Derived):
                matched[name] = lit.positive
                if lit.positive:
                    uses.extend(self.providers.get((lit.name, self.fact_owner(lit.name, subject)), [])[:1])
            else:
                matched[name] = state.get(lit.field)
                if FIELDS[lit.field].scope == "approach" and self.approach is not None:
                    uses.extend(self.approach.because)
        firing = Firing(seq=len(self.firings) + 1, rule=rule, term=term_index, subject=subject,
                        matched=matched, uses=sorted(set(uses)))
        self.firings.append(firing)
        self.fired[firing.key] = firing
        new: list[tuple[str, str]] = []
        for name in rule.then.derive:
            owner = self.fact_owner(name, subject)
            providers = self.providers.setdefault((name, owner), [])
            providers.append(firing.seq)
            if name not in self.derived[owner]:
                self.derived[owner].add(name)
                new.append((name, owner))
        return new

    def decide_approach(self) -> None:
        from .resolve import select_approach
        self.approach = select_approach(self.firings)
        if self.approach.code is not None:
            self.project_state["approach.code"] = self.approach.code
            self.project_state["approach.level"] = self.approach.iap2_level
