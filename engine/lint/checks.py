"""The checks beyond the loader's: each asks the symbolic rule base a question.

A check is *complete* when it asks the solver about every valid context at
once (the context's fields are finite), so "nothing found" is a proof for
contexts with as many stakeholder groups as the model has (one by default:
a rule about a group reads only the project and that group, so per-group
findings hold for any number of groups). Structural checks read the rules
only. Every finding with an example context was re-run through the engine.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import z3

from ..conditions import AnyOf, All, Derived, Groups, Node, Not, term_text
from ..rulebase import Rule, RuleBase
from ..yamlsource import YamlError, parse_yaml
from . import examples
from .findings import Finding
from .symbolic import PROJECT, SymbolicRuleBase

PLACEHOLDER = re.compile(r"\b(todo|tbd|fixme|xxx|lorem|placeholder)\b", re.IGNORECASE)
MIN_RATIONALE_WORDS = 6
ITEM_KINDS = ("eliminate", "techniques", "avoid_techniques", "arrangements", "skills", "skill_gaps", "warnings")


class Linter:
    def __init__(self, rb: RuleBase, groups: int = 1):
        self.rb = rb
        self.sym = SymbolicRuleBase(rb, groups)
        self.group = self.sym.groups[0]
        self.findings: list[Finding] = []
        self.dead: set[str] = set()
        self.cyclic: set[str] = set()     # rules in a positive chaining cycle
        self._located = self._locate()

    # -- plumbing -----------------------------------------------------------------
    def _locate(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for rel, text in self.rb.files.items():
            if rel.startswith("policy/"):
                try:
                    out[rel] = parse_yaml(text)
                except YamlError:
                    out[rel] = None
        return out

    def _index_in_file(self, rule: Rule) -> int:
        return sum(1 for r in self.rb.rules if r.file == rule.file and r.order < rule.order)

    def line_of(self, rule: Rule, path: tuple = ()) -> int:
        located = self._located.get(rule.file)
        if located is None:
            return rule.line
        return located.line_of(("rules", self._index_in_file(rule)) + path) or rule.line

    def subject(self, rule: Rule) -> str:
        return PROJECT if rule.scope == "project" else self.group

    def fires(self, rule: Rule) -> z3.BoolRef:
        return self.sym.fires(rule, self.subject(rule))

    def add(self, kind: str, rule: Rule | None, message: str, *, file: str | None = None, line: int | None = None,
            related: list[str] | None = None, model: z3.ModelRef | None = None,
            confirm: Callable[[examples.Outcome], bool] | None = None) -> Finding:
        finding = Finding(kind=kind, file=file or (rule.file if rule else "policy"),
                          line=line or (rule.line if rule else 1), message=message,
                          rule=rule.id if rule else None, related=related or [])
        if model is not None:
            context = examples.context_from(self.sym.assignment(model))
            finding.example = context
            involved = ([rule] if rule else []) + [self.rb.by_id[r] for r in finding.related if r in self.rb.by_id]
            finding.example_text = examples.describe(context, self._fields_read(involved) if involved else None)
            finding.confirmed = bool(confirm(examples.run(self.rb, context))) if confirm else None
        self.findings.append(finding)
        return finding

    def _fields_read(self, rules: list[Rule]) -> set[str]:
        """Fields the rules' outcome depends on: their own, their facts' derivers', the approach's deciders'."""
        fields: set[str] = set()
        seen: set[str] = set()
        todo = list(rules)
        while todo:
            r = todo.pop()
            if r.id in seen:
                continue
            seen.add(r.id)
            for term in r.terms:
                for lit in term:
                    if isinstance(lit, Derived):
                        todo.extend(self.rb.rules[o] for o in self.rb.derivers.get(lit.name, []))
                    elif isinstance(lit, Groups):
                        todo.extend(self.rb.rules[o] for d in lit.derived() for o in self.rb.derivers.get(d.name, []))
                        fields |= lit.reads()
                    elif lit.field.startswith("approach."):
                        todo.extend(d for d in self.rb.rules if d.decides_approach)
                    else:
                        fields.add(lit.field)
        return fields

    def run(self) -> list[Finding]:
        for check in (self.cycles, self.unreachable, self.contradictions, self.shadowed, self.redundant,
                      self.gaps, self.unused_facts, self.rationales):
            check()
        return self.findings

    # -- unreachable ---------------------------------------------------------------
    def unreachable(self) -> None:
        for rule in self.rb.rules:
            if self.sym.find(self.fires(rule)) is None:
                self.dead.add(rule.id)
                self.add("unreachable", rule, "no valid context makes this rule fire: "
                         f"{self._why_dead(rule)}", line=self.line_of(rule, ("when",)))
                continue
            if rule.id not in self.cyclic:  # removing a branch would change the loop's own facts
                self._dead_branches(rule)

    def _why_dead(self, rule: Rule) -> str:
        derived = sorted({lit.name for t in rule.terms for lit in t if isinstance(lit, Derived) and lit.positive})
        never = [n for n in derived if self.sym.find(self.sym.fact(n, self.subject(rule))) is None]
        if never:
            return "it needs " + ", ".join(f"derived.{n}" for n in never) + ", which no valid context derives"
        if len(rule.terms) == 1:
            return f"its conditions contradict each other ({term_text(rule.terms[0])})"
        return "every alternative of its condition contradicts itself or needs a fact that is never derived"

    def _dead_branches(self, rule: Rule) -> None:
        """An `any` branch that can be removed without changing when the rule fires."""
        subject = self.subject(rule)
        whole = self._expr(rule.when, subject)
        for path, index, branch_path, raw in self._any_branches(rule.when, (), rule.when_raw, ("when",)):
            without = self._expr(rule.when, subject, drop=(path, index))
            if self.sym.find(whole, z3.Not(without)) is None:
                self.add("unreachable_alternative", rule,
                         f"the alternative {_show_raw(raw)} never makes a difference: it can never hold "
                         "when the others do not", line=self.line_of(rule, branch_path))

    def _expr(self, node: Node, subject: str, here: tuple = (), drop: tuple | None = None) -> z3.BoolRef:
        if isinstance(node, All):
            return z3.And([self._expr(n, subject, here + (i,), drop) for i, n in enumerate(node.items)])
        if isinstance(node, AnyOf):
            return z3.Or([z3.BoolVal(False) if drop == (here, i) else self._expr(n, subject, here + (i,), drop)
                          for i, n in enumerate(node.items)])
        if isinstance(node, Not):
            return z3.Not(self._expr(node.item, subject, here + (0,), drop))
        return self.sym.literal(node, subject)

    def _any_branches(self, node: Node, here: tuple, raw: Any, yaml_path: tuple) -> Iterator[tuple]:
        """(AST path of an AnyOf, branch index, YAML path, text) for every `any` branch."""
        if isinstance(node, (All, AnyOf)):
            key = "all" if isinstance(node, All) else "any"
            items = raw if isinstance(raw, list) else (raw.get(key) if isinstance(raw, dict) else None)
            base = yaml_path if isinstance(raw, list) else yaml_path + (key,)
            for i, item in enumerate(node.items):
                sub_raw = items[i] if isinstance(items, list) and i < len(items) else None
                if isinstance(node, AnyOf):
                    yield here, i, base + (i,), sub_raw
                yield from self._any_branches(item, here + (i,), sub_raw, base + (i,))
        elif isinstance(node, Not) and isinstance(raw, dict):
            yield from self._any_branches(node.item, here + (0,), raw.get("not"), yaml_path + ("not",))

    # -- contradictions --------------------------------------------------------------
    def contradictions(self) -> None:
        g = self.group
        prs = [r for r in self.sym.participant_rules() if r.id not in self.dead]
        for i, a in enumerate(prs):
            for b in prs[i + 1:]:
                if a.priority != b.priority or self.sym.participant_value(a) == self.sym.participant_value(b):
                    continue
                model = self.sym.find(self.sym.fires(a, g), self.sym.fires(b, g))
                if model is None:
                    continue
                later, earlier = (b, a) if b.order > a.order else (a, b)
                win = a  # participant_rules() is sorted best first
                self.add("contradiction_participant", later,
                         f"for the same group, {earlier.id} gives {self.sym.participant_value(earlier)} and this "
                         f"rule gives {self.sym.participant_value(later)} at the same priority "
                         f"({a.priority}); only the tie-break settles it ({win.id} wins)",
                         related=[earlier.id], model=model,
                         confirm=lambda o, a=a, b=b: o.fired(a.id, g) and o.fired(b.id, g))
        for key in ("recruitment", "mode"):
            rules = [r for r in self.sym.choice_rules(key) if r.id not in self.dead]
            for i, a in enumerate(rules):
                for b in rules[i + 1:]:
                    if a.priority != b.priority or getattr(a.then, key) == getattr(b.then, key):
                        continue
                    model = self.sym.find(self.sym.fires(a, g), self.sym.fires(b, g))
                    if model is None:
                        continue
                    later, earlier = (b, a) if b.order > a.order else (a, b)
                    self.add("contradiction_participant", later,
                             f"for the same group, {earlier.id} gives the {key} {getattr(earlier.then, key)} and "
                             f"this rule gives {getattr(later.then, key)} at the same priority ({a.priority}); only "
                             f"rule order settles it ({earlier.id} wins)", related=[earlier.id], model=model,
                             confirm=lambda o, a=a, b=b: o.fired(a.id, g) and o.fired(b.id, g))
        deciders = [r for r in self.rb.rules if r.decides_approach and r.id not in self.dead]
        for a in deciders:
            pref = a.then.prefer
            if not pref or pref in ("least_involving", "most_involving"):
                continue
            for b in deciders:
                if pref in b.then.eliminate and b is not a:
                    model = self.sym.find(self.sym.fires_any(a), self.sym.fires_any(b))
                    if model is not None:
                        self.add("contradiction_approach", a,
                                 f"prefers {pref}, which {b.id} eliminates in the same context "
                                 "(the elimination wins)", related=[b.id], model=model,
                                 confirm=lambda o, a=a, b=b: o.fired_anywhere(a.id) and o.fired_anywhere(b.id))
        live = [r for r in self.rb.rules if r.id not in self.dead]
        for code in self.rb.catalogue.techniques:
            recs = [r for r in live if code in r.then.techniques]
            avoids = [r for r in live if code in r.then.avoid_techniques]
            for a in recs:
                for b in avoids:
                    model = self.sym.find(self.sym.fires_any(a), self.sym.fires_any(b))
                    if model is not None:
                        self.add("contradiction_technique", a,
                                 f"recommends {code}, which {b.id} avoids in the same context (avoiding wins)",
                                 related=[b.id], model=model,
                                 confirm=lambda o, a=a, b=b: o.fired_anywhere(a.id) and o.fired_anywhere(b.id))

    # -- shadowed ----------------------------------------------------------------------
    def shadowed(self) -> None:
        g = self.group
        sym = self.sym
        for r in sym.participant_rules():
            if r.id in self.dead:
                continue
            value = sym.participant_value(r)
            same = [w for w in sym.participant_rules() if sym.participant_value(w) == value]
            wins = z3.Or([sym.winning_rule(g) == w.order for w in same])
            if sym.find(sym.fires(r, g), wins) is None:
                model = sym.find(sym.fires(r, g))
                self.add("shadowed", r, f"its conclusion ({value}) is always overridden by a rule of higher "
                         "priority or, at equal priority, a higher level or an earlier rule",
                         line=self.line_of(r, ("then",)), model=model,
                         confirm=lambda o, r=r: o.fired(r.id, g) and r.id not in _because(o, g))
        for key in ("recruitment", "mode"):
            for r in sym.choice_rules(key):
                if r.id in self.dead:
                    continue
                code = getattr(r.then, key)
                better = [w for w in sym.choice_rules(key) if (-w.priority, w.order) < (-r.priority, r.order)
                          and getattr(w.then, key) != code]
                if better and sym.find(sym.fires(r, g), z3.Not(z3.Or([sym.fires(w, g) for w in better]))) is None:
                    self.add("shadowed", r, f"its {key} ({code}) is always overridden by a rule of higher "
                             "priority or, at equal priority, an earlier rule", related=[w.id for w in better],
                             line=self.line_of(r, ("then", key)), model=sym.find(sym.fires(r, g)),
                             confirm=lambda o, r=r, key=key: o.fired(r.id, g) and r.id not in _because(o, g, key))
        for r in self.rb.rules:
            if r.id in self.dead:
                continue
            if r.then.prefer and sym.find(sym.fires_any(r), sym.preference_winner == r.order) is None:
                self.add("shadowed", r, f"its preference ({r.then.prefer}) never decides the approach: a "
                         "higher-priority preference always wins or the approach is always eliminated",
                         line=self.line_of(r, ("then", "prefer")), model=sym.find(sym.fires_any(r)),
                         confirm=lambda o, r=r: o.fired_anywhere(r.id) and o.wm.approach.winner is not None
                         and o.wm.approach.winner.rule.id != r.id)
            for code in r.then.techniques:
                avoiders = [a for a in self.rb.rules if code in a.then.avoid_techniques]
                if avoiders and sym.find(sym.fires_any(r), z3.Not(z3.Or([sym.fires_any(a) for a in avoiders]))) \
                        is None:
                    self.add("shadowed", r, f"its recommendation of {code} is always avoided (by "
                             f"{', '.join(a.id for a in avoiders)})", related=[a.id for a in avoiders],
                             line=self.line_of(r, ("then", "techniques")), model=sym.find(sym.fires_any(r)),
                             confirm=lambda o, r=r, code=code: o.fired_anywhere(r.id) and code not in
                             {t.code for t in (o.recommendation.techniques if o.recommendation else [])})

    # -- redundant ----------------------------------------------------------------------
    def redundant(self) -> None:
        sym = self.sym
        shadowed = {f.rule for f in self.findings if f.kind == "shadowed"}
        for r in self.rb.rules:
            if r.id in self.dead or r.id in shadowed or r.then.prefer:
                continue
            fires = self.fires(r)
            covered: list[str] = []
            for label, others in self._items(r):
                if not others or sym.find(fires, z3.Not(z3.Or(others))) is not None:
                    break
                covered.append(label)
            else:
                if covered:
                    self.add("redundant", r, "whenever it fires, other rules already conclude everything it "
                             f"does ({'; '.join(covered)})", model=sym.find(fires),
                             confirm=lambda o, r=r: o.fired_anywhere(r.id))

    def _items(self, r: Rule) -> Iterator[tuple[str, list[z3.BoolRef]]]:
        """Each conclusion of r, with the firings of other rules that produce the same conclusion."""
        sym, subject = self.sym, self.subject(r)
        others = [o for o in self.rb.rules if o is not r and o.id not in self.dead]
        for name in r.then.derive:
            by = [o for o in others if name in o.then.derive]
            yield (f"derived.{name} by {', '.join(o.id for o in by)}" if by else name,
                   [sym.fires(o, subject) for o in by])
        for kind in ITEM_KINDS:
            for code in getattr(r.then, kind):
                by = [o for o in others if code in getattr(o.then, kind)]
                yield (f"{kind} {code} by {', '.join(o.id for o in by)}" if by else code,
                       [sym.fires_any(o) for o in by])
        for key in ("recruitment", "mode"):
            code = getattr(r.then, key)
            if code:
                same = sym.winning_choice(key, subject) == sym.winning_choice(key, subject, without=r)
                yield f"{key} {code} (the same without it)", [same]
        if r.then.participant or r.then.exclude:
            # the group's outcome is the same without this rule (it may win now: compare outcomes)
            value = sym.participant_value(r)
            same = sym.winning_value(subject) == sym.winning_value(subject, without=r)
            by = [o.id for o in others if (o.then.participant or o.then.exclude) and sym.participant_value(o) == value]
            yield (f"{value} by {', '.join(by)}" if by else value, [same] if by else [])

    # -- gaps ---------------------------------------------------------------------------
    def gaps(self) -> None:
        sym, g = self.sym, self.group
        some_approach = sym.approach >= 0
        model = sym.find(sym.approach == -1)
        deciders = [r for r in self.rb.rules if r.decides_approach]
        if model is not None:
            first = min(deciders, key=lambda r: r.order)
            self.add("gap_approach", None, "a valid context has every approach eliminated, so it gets no "
                     "recommendation", file=first.file, line=1, related=[r.id for r in deciders], model=model,
                     confirm=lambda o: o.recommendation is None)
        prs = sym.participant_rules()
        model = sym.find(some_approach, sym.winning_rule(g) == -1)
        if model is not None:
            home = prs[0] if prs else None
            self.add("gap_role", None, "a valid context leaves a stakeholder group with no role and no exclusion",
                     file=home.file if home else "policy", line=1, model=model,
                     confirm=lambda o: o.recommendation is not None and any(
                         p.role is None and not p.excluded for p in o.recommendation.participants))
        takes_part = z3.Or([sym.winning_rule(g) == r.order for r in prs if r.then.participant] or [z3.BoolVal(False)])
        for key, kinds in (("recruitment", "recruitment"), ("mode", "modes")):
            if not getattr(self.rb.catalogue, kinds):
                continue   # a rule base without that vocabulary does not speak about it
            model = sym.find(some_approach, takes_part, sym.winning_choice(key, g) == -1)
            if model is not None:
                home = next(iter(sym.choice_rules(key)), prs[0] if prs else None)
                self.add("gap_role", None, f"a valid context leaves a participating stakeholder group with no {key}",
                         file=home.file if home else "policy", line=1, model=model,
                         confirm=lambda o, key=key: o.recommendation is not None and any(
                             p.role is not None and getattr(p, key) is None for p in o.recommendation.participants))
        recommended = []
        for code in self.rb.catalogue.techniques:
            recs = [sym.fires_any(r) for r in self.rb.rules if code in r.then.techniques]
            avoids = [sym.fires_any(r) for r in self.rb.rules if code in r.then.avoid_techniques]
            recommended.append(z3.And(z3.Or(recs), z3.Not(z3.Or(avoids))))
        model = sym.find(some_approach, z3.Not(z3.Or(recommended)))
        if model is not None:
            home = next((r for r in self.rb.rules if r.then.techniques), None)
            self.add("gap_technique", None, "a valid context gets no technique recommended",
                     file=home.file if home else "policy", line=1, model=model,
                     confirm=lambda o: o.recommendation is not None and not o.recommendation.techniques)

    # -- structure ------------------------------------------------------------------------
    def cycles(self) -> None:
        """Facts that support each other through positive reads (the loader refuses negative cycles)."""
        cycles: list[set[str]] = []
        for cycle in self.sym.loops.values():
            if cycle not in cycles:
                cycles.append(cycle)
        for cycle in cycles:
            rules = [r for r in self.rb.rules if set(r.then.derive) & cycle
                     and any(l.positive and l.name in cycle for l in r.derived_literals())]
            first = min(rules, key=lambda r: r.order)
            self.cyclic.update(r.id for r in rules)
            self.add("chaining_cycle", first, "derived facts " + ", ".join(sorted(cycle)) + " support each other "
                     "in a loop: each holds only if another alternative starts the loop, so the loop's "
                     "reads add nothing (branch checks skip these rules)",
                     related=[r.id for r in rules if r is not first])

    def unused_facts(self) -> None:
        read = {lit.name for r in self.rb.rules for lit in r.derived_literals()}
        for name, orders in sorted(self.rb.derivers.items()):
            if name in read:
                continue
            first = self.rb.rules[min(orders)]
            alone = [self.rb.rules[o].id for o in orders if set(self.rb.rules[o].then.derive) <= {name}
                     and not _concludes_more(self.rb.rules[o])]
            extra = f"; {', '.join(alone)} concludes nothing else" if alone else ""
            self.add("unused_fact", first, f"derived.{name} is derived but no rule reads it{extra}",
                     line=self.line_of(first, ("then", "derive")),
                     related=[self.rb.rules[o].id for o in orders if o != first.order])

    def rationales(self) -> None:
        for r in self.rb.rules:
            text = " ".join(r.rationale.split())
            problem = None
            if PLACEHOLDER.search(text):
                problem = "is a placeholder"
            elif text.lower().rstrip(".") == " ".join(r.title.split()).lower().rstrip("."):
                problem = "only repeats the title"
            elif len(text.split()) < MIN_RATIONALE_WORDS:
                problem = f"has fewer than {MIN_RATIONALE_WORDS} words"
            if problem:
                self.add("weak_rationale", r, f"the rationale {problem}: say why the rule holds and what it "
                         "protects", line=self.line_of(r, ("rationale",)))


def _show_raw(raw: Any) -> str:
    if isinstance(raw, str):
        return repr(raw)
    return repr(raw).replace("'", "")


def _because(o: examples.Outcome, group: str, key: str | None = None) -> set[str]:
    """The rules behind a group's role and level (or, with `key`, its recruitment or mode)."""
    if o.recommendation is None:
        return set()
    out = set()
    for p in o.recommendation.participants:
        if p.stakeholder == group:
            choice = getattr(p, key) if key else p
            out |= {b.rule for b in (choice.because if choice is not None else [])}
    return out


def _concludes_more(rule: Rule) -> bool:
    return any(getattr(rule.then, k) for k in type(rule.then).model_fields if k != "derive")
