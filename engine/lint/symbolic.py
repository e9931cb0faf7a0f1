"""The rule base as one logical formula, so questions about *every* context are exact.

Every context field the rules can read is finite (yes/no, an enum, or an
optional enum that may be missing), so the whole rule base can be written as
a formula over one project and `groups` stakeholder groups: each field is a
z3 variable over its domain, each derived fact is defined as the disjunction
of its derivers' conditions (Clark completion, exact because the loader
stratifies negation; facts in a positive cycle also need support from a
lower rank, which makes it the least fixpoint the engine computes), the
approach follows `approach_policy.select_approach` (eliminations, preferences by
priority then rule order, least/most involving), and a group's winning
participant conclusion follows `resolve._participants` (priority, then IAP2
level, then rule order). A question "is there a valid context where ...?" is
then a satisfiability check, and its model is turned back into a context.
"""
from __future__ import annotations

import hashlib
from typing import Any

import z3

from .. import approaches
from ..conditions import FIELDS, Cmp, Derived, Exists, FieldInfo, Groups, Literal
from ..context import IAP2Level
from ..rulebase import Rule, RuleBase

PROJECT = "p"
MISSING = "(missing)"
# a list field that can only be non-empty when another is (stakeholder.contributes comes from co_produces entries)
SET_NEEDS = {"stakeholder.contributes": "stakeholder.co_produces"}
LEVELS = [m.value for m in IAP2Level]


def _domain(info: FieldInfo) -> list[Any]:
    values: list[Any] = list(info.values) if info.values else [True, False]
    return values + [MISSING] if info.optional else values


class SymbolicRuleBase:
    """z3 terms for fields, firings, derived facts, the approach and each group's participant."""

    def __init__(self, rb: RuleBase, groups: int = 1):
        self.rb = rb
        self.groups = [f"g{i + 1}" for i in range(groups)]
        self.domain: dict[str, list[Any]] = {p: _domain(i) for p, i in FIELDS.items() if i.scope != "approach"}
        self.vars: dict[tuple[str, str], z3.ExprRef] = {}
        self.constraints: list[z3.BoolRef] = []
        self._fires: dict[tuple[str, str], z3.BoolRef] = {}
        self._facts: dict[tuple[str, str], z3.BoolRef] = {}
        self._building: set[tuple[str, str]] = set()
        self.approach = z3.Int("approach")           # index in approaches.ORDER, -1: none feasible
        self.eliminated = {c: z3.Bool(f"eliminated__{c}") for c in approaches.ORDER}
        self.loops = self._positive_loops()
        self._define_approach()
        for path, info in FIELDS.items():
            if info.scope != "approach":
                for subject in ([PROJECT] if info.scope == "project" else self.groups):
                    self.var(path, subject)
        self._phase_among_activities()
        for rule in rb.rules:  # every definition now, so one incremental solver holds them all
            for subject in self.subjects(rule):
                self.fires(rule, subject)
        self._solver = z3.Solver()
        self._solver.add(*self.constraints)
        self._added = len(self.constraints)

    # -- fields ------------------------------------------------------------------
    def var(self, path: str, subject: str) -> z3.ExprRef:
        info = FIELDS[path]
        owner = PROJECT if info.scope == "project" else subject
        key = (path, owner)
        if key not in self.vars:
            name = f"{owner}__{path}"
            if info.kind == "bool":
                v = z3.Bool(name)
            elif info.kind == "set":   # one bit per possible member
                v = z3.BitVec(name, len(info.values or ()))
                if path in SET_NEEDS:   # e.g. what a group contributes needs an activity it contributes in
                    other = self.var(SET_NEEDS[path], subject)
                    self.constraints.append(z3.Implies(v != 0, other != 0))
            else:
                v = z3.Int(name)
                self.constraints.append(z3.And(v >= 0, v < len(self.domain[path])))
            self.vars[key] = v
        return self.vars[key]

    def _index(self, path: str, value: Any) -> int:
        return self.domain[path].index(value)

    def literal(self, lit: Literal, subject: str) -> z3.BoolRef:
        if isinstance(lit, Derived):
            fact = self.fact(lit.name, subject)
            return fact if lit.positive else z3.Not(fact)
        if isinstance(lit, Groups):
            return self._groups_literal(lit)
        info = FIELDS[lit.field]
        if info.scope == "approach":
            return self._approach_literal(lit)
        v = self.var(lit.field, subject)
        if isinstance(lit, Exists):
            missing = v == self._index(lit.field, MISSING)
            return z3.Not(missing) if lit.positive else missing
        if info.kind == "bool":
            return v if lit.value == (lit.op == "==") else z3.Not(v)
        if info.kind == "set":
            member = self._member(v, path=lit.field, value=lit.value)
            return member if lit.op == "contains" else z3.Not(member)
        present = z3.BoolVal(True) if not info.optional else v != self._index(lit.field, MISSING)
        return z3.And(present, self._compare(v, lit, lambda x: self._index(lit.field, x)))

    def _groups_literal(self, lit: Groups) -> z3.BoolRef:
        """A count of groups: the modelled groups that meet its condition, plus any number of groups the model
        does not hold (a free count per condition, each such group a copy of one more group, free of the others,
        that meets it), so that no finding depends on how many groups a context has. A condition is then
        unreachable only if no number of groups reaches it: any(X) with no(X), or with an X no group can meet."""
        beyond = "beyond_" + hashlib.sha256(lit.key.encode()).hexdigest()[:12]
        extra = z3.Int(f"{beyond}__count")

        def meets(group: str) -> z3.BoolRef:
            return z3.Or([z3.And([self.literal(one, group) for one in term]) for term in lit.where])
        self.constraints += [extra >= 0, z3.Implies(extra > 0, meets(beyond))]
        count = z3.Sum([z3.If(meets(g), 1, 0) for g in self.groups]) + extra
        return count >= lit.n if lit.op == ">=" else count <= lit.n

    @staticmethod
    def _member(v: z3.BitVecRef, path: str, value: str) -> z3.BoolRef:
        i = list(FIELDS[path].values or ()).index(value)
        return z3.Extract(i, i, v) == 1

    @staticmethod
    def _compare(v: z3.ArithRef, lit: Cmp, index) -> z3.BoolRef:
        op, value = lit.op, lit.value
        if op in ("in", "not in"):
            member = z3.Or([v == index(x) for x in value])
            return member if op == "in" else z3.Not(member)
        i = index(value)
        return {"==": v == i, "!=": v != i, "<": v < i, "<=": v <= i, ">": v > i, ">=": v >= i}[op]

    def _approach_literal(self, lit: Literal) -> z3.BoolRef:
        decided = self.approach >= 0
        if isinstance(lit, Exists):
            return decided if lit.positive else z3.Not(decided)
        if lit.field == "approach.code":
            return z3.And(decided, self._compare(self.approach, lit, approaches.ORDER.index))
        level = self.approach_level()
        return z3.And(decided, self._compare(level, lit, LEVELS.index))

    def approach_level(self) -> z3.ArithRef:
        expr: z3.ArithRef = z3.IntVal(-1)
        for i, code in enumerate(approaches.ORDER):
            expr = z3.If(self.approach == i, LEVELS.index(approaches.BY_CODE[code].iap2_level), expr)
        return expr

    def _phase_among_activities(self) -> None:
        """The schema's own constraint: a stated phase is one of the project's activities."""
        phase, activities = self.var("project.phase", PROJECT), self.var("project.activities", PROJECT)
        for value in FIELDS["project.phase"].values or ():
            self.constraints.append(z3.Implies(phase == self._index("project.phase", value),
                                               self._member(activities, "project.activities", value)))
        for group in self.groups:   # and a group co-produces only in the project's activities (same bit order)
            self.constraints.append(self.var("stakeholder.co_produces", group) & ~activities == 0)

    # -- rules and facts -----------------------------------------------------------
    def subjects(self, rule: Rule) -> list[str]:
        return [PROJECT] if rule.scope == "project" else self.groups

    def fires(self, rule: Rule, subject: str) -> z3.BoolRef:
        """The rule fires for this subject (PROJECT or a group id)."""
        key = (rule.id, subject)
        if key not in self._fires:
            self._fires[key] = z3.Or([z3.And([self.literal(l, subject) for l in term]) for term in rule.terms])
        return self._fires[key]

    def fires_any(self, rule: Rule) -> z3.BoolRef:
        return z3.Or([self.fires(rule, s) for s in self.subjects(rule)])

    def term(self, rule: Rule, index: int, subject: str) -> z3.BoolRef:
        return z3.And([self.literal(l, subject) for l in rule.terms[index]])

    def fact(self, name: str, subject: str) -> z3.BoolRef:
        owner = PROJECT if self.rb.fact_scope.get(name) == "project" else subject
        key = (name, owner)
        if key not in self._facts:
            if key in self._building:  # a positive cycle: tie the knot with a free variable
                return z3.Bool(f"{owner}__derived__{name}")
            self._building.add(key)
            derivers = [self.rb.rules[o] for o in self.rb.derivers.get(name, [])]
            definition = z3.Or([self.fires(r, owner) for r in derivers]) if derivers else z3.BoolVal(False)
            self._building.discard(key)
            knot = z3.Bool(f"{owner}__derived__{name}")
            self.constraints.append(knot == definition)
            self._facts[key] = knot
            loop = self.loops.get(name)
            if loop:  # least fixpoint: a fact in a positive loop needs support from a lower rank
                self.constraints.append(z3.Implies(knot, z3.Or([
                    z3.And([self.literal(l, owner) for l in term] +
                           [self._rank(l.name, owner) < self._rank(name, owner) for l in term
                            if isinstance(l, Derived) and l.positive and l.name in loop])
                    for r in derivers for term in r.terms])))
        return self._facts[key]

    def _rank(self, name: str, subject: str) -> z3.ArithRef:
        owner = PROJECT if self.rb.fact_scope.get(name) == "project" else subject
        return z3.Int(f"{owner}__rank__{name}")

    def _positive_loops(self) -> dict[str, set[str]]:
        """fact -> the facts of its positive cycle (facts derived from each other through positive reads)."""
        reads: dict[str, set[str]] = {}
        for r in self.rb.rules:
            for lit in r.derived_literals():
                if lit.positive:
                    for name in r.then.derive:
                        reads.setdefault(name, set()).add(lit.name)
        reach: dict[str, set[str]] = {}
        for n in reads:
            seen, todo = set(), list(reads[n])
            while todo:
                m = todo.pop()
                if m not in seen:
                    seen.add(m)
                    todo.extend(reads.get(m, ()))
            reach[n] = seen
        return {n: {m for m in reach[n] if n in reach.get(m, ())} | {n} for n in reach if n in reach[n]}

    # -- the approach (approach_policy.select_approach) ---------------------------
    def _define_approach(self) -> None:
        deciders = [r for r in self.rb.rules if r.decides_approach]
        for code, flag in self.eliminated.items():
            by = [r for r in deciders if code in r.then.eliminate]
            self.constraints.append(flag == z3.Or([self.fires_any(r) for r in by]))
        feasible = [z3.Not(self.eliminated[c]) for c in approaches.ORDER]
        least: z3.ArithRef = z3.IntVal(-1)
        for i in reversed(range(len(feasible))):
            least = z3.If(feasible[i], i, least)
        most: z3.ArithRef = z3.IntVal(-1)
        for i in range(len(feasible)):
            most = z3.If(feasible[i], i, most)
        prefs = sorted((r for r in deciders if r.then.prefer), key=lambda r: (-r.priority, r.order))
        self.preference_winner = z3.Int("preference_winner")   # order of the winning prefer rule, -1: none
        choice: z3.ArithRef = least
        winner: z3.ArithRef = z3.IntVal(-1)
        for r in reversed(prefs):
            pref = r.then.prefer
            if pref == "least_involving":
                pick, ok = least, z3.BoolVal(True)
            elif pref == "most_involving":
                pick, ok = most, z3.BoolVal(True)
            else:
                i = approaches.ORDER.index(pref)
                pick, ok = z3.IntVal(i), feasible[i]
            cond = z3.And(self.fires_any(r), ok)
            choice = z3.If(cond, pick, choice)
            winner = z3.If(cond, r.order, winner)
        self.constraints.append(self.approach == z3.If(z3.Or(feasible), choice, -1))
        self.constraints.append(self.preference_winner == winner)

    # -- participants (resolve._participants) ----------------------------------------
    def participant_rules(self) -> list[Rule]:
        """Rules giving a role or excluding, best first under the conflict policy."""
        def key(r: Rule) -> tuple:
            p = r.then.participant
            return (-r.priority, -(IAP2Level.rank(p.level) if p else 0), r.order)
        return sorted((r for r in self.rb.rules if r.then.participant or r.then.exclude), key=key)

    @staticmethod
    def participant_value(rule: Rule) -> str:
        p = rule.then.participant
        return f"{p.role} ({p.level})" if p else "excluded"

    def winning_rule(self, group: str, without: Rule | None = None) -> z3.ArithRef:
        """Order of the rule whose participant conclusion wins for the group (-1: none fires)."""
        expr: z3.ArithRef = z3.IntVal(-1)
        for r in reversed(self.participant_rules()):
            if r is not without:
                expr = z3.If(self.fires(r, group), r.order, expr)
        return expr

    def winning_value(self, group: str, without: Rule | None = None) -> z3.ArithRef:
        """The group's outcome as a number: equal numbers, equal role and level (or exclusion reason)."""
        rules = self.participant_rules()
        codes: dict[tuple, int] = {}
        for r in rules:
            codes.setdefault((self.participant_value(r), r.then.exclude or ""), len(codes))
        expr: z3.ArithRef = z3.IntVal(-1)
        for r in reversed(rules):
            if r is not without:
                expr = z3.If(self.fires(r, group), codes[(self.participant_value(r), r.then.exclude or "")], expr)
        return expr

    # -- recruitment and mode (resolve._choice, resolve._default_mode) -----------------------
    def choice_rules(self, key: str) -> list[Rule]:
        """Rules concluding a group's `recruitment` or `mode`, best first (priority, then rule order)."""
        return sorted((r for r in self.rb.rules if getattr(r.then, key)), key=lambda r: (-r.priority, r.order))

    def _choice_codes(self, key: str) -> list[str]:
        return list(self.rb.catalogue.recruitment if key == "recruitment" else self.rb.catalogue.modes)

    def default_mode(self, group: str) -> z3.ArithRef:
        """The mode a participant gets from its winning role (catalogue), else its level (-1: none, or no role)."""
        codes, cat = self._choice_codes("mode"), self.rb.catalogue
        expr: z3.ArithRef = z3.IntVal(-1)
        for r in reversed(self.participant_rules()):
            p = r.then.participant
            mode = None
            if p is not None:
                mode = cat.roles[p.role].mode if p.role in cat.roles else None
                mode = mode or next((m.code for m in cat.modes.values() if p.level in m.levels), None)
            expr = z3.If(self.winning_rule(group) == r.order, codes.index(mode) if mode in codes else -1, expr)
        return expr

    def winning_choice(self, key: str, group: str, without: Rule | None = None) -> z3.ArithRef:
        """The group's recruitment or mode as an index of its catalogue (-1: none); a mode falls back on the
        role's or the level's."""
        codes = self._choice_codes(key)
        expr: z3.ArithRef = self.default_mode(group) if key == "mode" else z3.IntVal(-1)
        for r in reversed(self.choice_rules(key)):
            if r is not without:
                code = getattr(r.then, key)
                expr = z3.If(self.fires(r, group), codes.index(code) if code in codes else -1, expr)
        return expr

    # -- solving ------------------------------------------------------------------
    def find(self, *goals: z3.BoolRef) -> z3.ModelRef | None:
        """A model of every goal (with the rule base's definitions), or None when none exists."""
        s = self._solver
        s.push()
        try:
            s.add(*goals)
            s.add(*self.constraints[self._added:])  # domains of fields only the goals mention
            result = s.check()
            if result == z3.unknown:
                raise RuntimeError(f"the solver could not decide: {s.reason_unknown()}")
            return s.model() if result == z3.sat else None
        finally:
            s.pop()

    def pin(self, assignment: dict[str, dict[str, Any]]) -> list[z3.BoolRef]:
        """Goals fixing every field to the assignment's value (absent optional fields: missing)."""
        goals = []
        for (path, subject), v in self.vars.items():
            if subject not in assignment:
                continue
            value = assignment[subject].get(path, MISSING)
            info = FIELDS[path]
            if info.kind == "set":
                members = set(value) if value != MISSING else set()
                goals.append(v == sum(1 << i for i, m in enumerate(info.values or ()) if m in members))
            else:
                goals.append(v == value if info.kind == "bool" else v == self._index(path, value))
        return goals

    def assignment(self, model: z3.ModelRef) -> dict[str, dict[str, Any]]:
        """Field values of a model: {subject: {field path: value}}; missing optional fields left out."""
        out: dict[str, dict[str, Any]] = {PROJECT: {}, **{g: {} for g in self.groups}}
        for path, info in FIELDS.items():
            if info.scope == "approach":
                continue
            for subject in ([PROJECT] if info.scope == "project" else self.groups):
                v = self.var(path, subject)
                value = model.eval(v, model_completion=True)
                if info.kind == "bool":
                    out[subject][path] = z3.is_true(value)
                elif info.kind == "set":
                    bits = value.as_long()
                    out[subject][path] = [m for i, m in enumerate(info.values or ()) if bits >> i & 1]
                else:
                    chosen = self.domain[path][min(value.as_long(), len(self.domain[path]) - 1)]
                    if chosen != MISSING:
                        out[subject][path] = chosen
        return out
