"""Why not X? The reasons an item is missing from a recommendation.

A manager names something the recommendation does not contain (an approach,
a participant level, a technique, an arrangement, a skill, a warning) and
gets back, from the rules themselves:

- the rules that could have produced it and, for each one that did not fire,
  every alternative of its condition with the literals that failed and the
  actual values (a missing derived fact names the rules that could have
  derived it, one level down, with their own failed literals);
- for rules that did fire, what beat them under the conflict policy
  (an elimination, an avoided technique, an overriding participant rule, the
  choice of another feasible approach);
- that no rule can produce it at all, when that is so;
- or that it *was* recommended, and because of which rules.

It runs the Python evaluator (the reference semantics of the condition
language, which the agreement tests hold the Rete engine to) and reads its
working memory, so the answer is about the same evaluation the recommendation
came from.

Item syntax (see `parse_item`): approach:<code>, technique:<code>,
avoided_technique:<code>, arrangement:<code>, skill:<code>, warning:<code>,
participant:<stakeholder>:<iap2 level>, participant:<stakeholder>:role:<role>,
participant:<stakeholder>:excluded.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal as Lit

from pydantic import Field

from . import approaches
from .conditions import Derived, Groups, Literal, Term, holds, literal_fields, term_text
from .context import IAP2Level
from .errors import ItemError
from .evaluator import run_python
from .facts import PROJECT, subjects, validate_context
from .memory import Firing, WorkingMemory
from .recommendation import OutputModel
from .resolve import ResolutionError, resolve
from .rulebase import Rule, RuleBase
from .unknowns import settle, stated

ITEM_KINDS = ("approach", "participant", "technique", "avoided_technique", "arrangement", "skill", "warning")
# item kind -> (catalogue section, the rule conclusion that produces it, what the output calls it)
_CATALOGUED = {
    "technique": ("techniques", "techniques", "technique"),
    "avoided_technique": ("techniques", "avoid_techniques", "technique to avoid"),
    "arrangement": ("arrangements", "arrangements", "governance arrangement"),
    "skill": ("skills", "skills", "skill"),
    "warning": ("warnings", "warnings", "warning"),
}
# item kind -> the recommendation's list that holds items of that kind
_SECTION = {"technique": "techniques", "avoided_technique": "avoided_techniques", "arrangement": "governance",
            "skill": "skills", "warning": "warnings"}
LEVELS = tuple(m.value for m in IAP2Level)


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


@dataclass(frozen=True)
class ItemRef:
    """One thing a recommendation may contain, as a why-not or what-if question names it."""

    kind: str
    code: str                        # approach/catalogue code; for participants the level, a role or "excluded"
    stakeholder: str | None = None
    by_role: bool = False            # participant:<sid>:role:<role>

    def __str__(self) -> str:
        if self.kind == "participant":
            return f"participant:{self.stakeholder}:" + (f"role:{self.code}" if self.by_role else self.code)
        return f"{self.kind}:{self.code}"

    def describe(self, rb: RuleBase) -> str:
        """The item in words: 'approach Public decision (public_decision)'."""
        if self.kind == "approach":
            return f"approach {approaches.BY_CODE[self.code].label} ({self.code})"
        if self.kind == "participant":
            if self.code == "excluded":
                return f"excluding {self.stakeholder}"
            if self.by_role:
                role = rb.catalogue.roles.get(self.code)
                return f"{self.stakeholder} as {role.label if role else self.code} ({self.code})"
            return f"{self.stakeholder} at IAP2 level {self.code}"
        section, _, noun = _CATALOGUED[self.kind]
        entry = getattr(rb.catalogue, section).get(self.code)
        return f"{noun} {entry.label if entry else self.code} ({self.code})"

    def present(self, rec: Mapping[str, Any]) -> bool:
        """Whether a (JSON) recommendation contains this item."""
        if self.kind == "approach":
            return (rec.get("approach") or {}).get("code") == self.code
        if self.kind == "participant":
            p = participant_of(rec, self.stakeholder or "")
            if p is None:
                return False
            if self.code == "excluded":
                return bool(p.get("excluded"))
            if p.get("excluded"):
                return False
            return p.get("role") == self.code if self.by_role else p.get("iap2_level") == self.code
        return any(it.get("code") == self.code for it in rec.get(_SECTION[self.kind]) or ())

    def produced_by(self, rule: Rule) -> bool:
        """Whether a rule's conclusion can put this item into a recommendation."""
        then = rule.then
        if self.kind == "approach":
            return then.prefer == self.code or then.prefer in approaches.STRATEGIES
        if self.kind == "participant":
            if self.code == "excluded":
                return then.exclude is not None
            p = then.participant
            return p is not None and (p.role == self.code if self.by_role else p.level == self.code)
        return self.code in getattr(then, _CATALOGUED[self.kind][1])

    def contends(self, rule: Rule) -> bool:
        """Whether a rule's conclusion can keep this item out (elimination, avoidance, another level)."""
        then = rule.then
        if self.kind == "approach":
            return self.code in then.eliminate or self.produced_by(rule)
        if self.kind == "participant":
            return rule.scope == "stakeholder" and (then.participant is not None or then.exclude is not None)
        if self.kind == "technique":
            return self.code in then.avoid_techniques or self.produced_by(rule)
        return self.produced_by(rule)


def participant_of(rec: Mapping[str, Any], sid: str) -> Mapping[str, Any] | None:
    return next((p for p in rec.get("participants") or () if p.get("stakeholder") == sid), None)


def parse_item(text: str, rb: RuleBase, stakeholders: list[str] | None = None) -> ItemRef:
    """Read an item such as 'technique:living_lab' or 'participant:residents:collaborate'.

    Codes are checked against the approaches and the rule base's catalogues,
    stakeholder ids against `stakeholders` when given; errors say what is
    allowed and suggest the closest spelling.
    """
    raw = (text or "").strip()
    kind, sep, rest = raw.partition(":")
    if not sep or not rest:
        raise ItemError(f"{raw!r}: write KIND:CODE, e.g. approach:public_decision, technique:living_lab or "
                        f"participant:residents:collaborate (kinds: {', '.join(ITEM_KINDS)})")
    if kind not in ITEM_KINDS:
        raise ItemError(f"unknown kind {kind!r}{_hint(kind, list(ITEM_KINDS))}; kinds: {', '.join(ITEM_KINDS)}")
    if kind == "approach":
        if rest not in approaches.BY_CODE:
            raise ItemError(f"unknown approach {rest!r}{_hint(rest, approaches.ORDER)}; "
                            f"approaches: {', '.join(approaches.ORDER)}")
        return ItemRef("approach", rest)
    if kind == "participant":
        parts = rest.split(":")
        sid = parts[0]
        if stakeholders is not None and sid not in stakeholders:
            known = ", ".join(stakeholders) or "none"
            raise ItemError(f"no stakeholder {sid!r} in this context{_hint(sid, stakeholders)}; stakeholders: {known}")
        if len(parts) == 2 and parts[1] in (*LEVELS, "excluded"):
            return ItemRef("participant", parts[1], sid)
        if len(parts) == 3 and parts[1] == "role":
            roles = list(rb.catalogue.roles)
            if parts[2] not in roles:
                raise ItemError(f"unknown role {parts[2]!r}{_hint(parts[2], roles)}; roles: {', '.join(roles)}")
            return ItemRef("participant", parts[2], sid, by_role=True)
        if len(parts) == 2:
            raise ItemError(f"unknown IAP2 level {parts[1]!r}{_hint(parts[1], [*LEVELS, 'excluded'])}; write "
                            f"participant:{sid}:LEVEL with LEVEL one of {', '.join(LEVELS)} or excluded, "
                            f"or participant:{sid}:role:ROLE")
        raise ItemError(f"{raw!r}: write participant:STAKEHOLDER:LEVEL or participant:STAKEHOLDER:role:ROLE")
    section, _, noun = _CATALOGUED[kind]
    codes = list(getattr(rb.catalogue, section))
    if rest not in codes:
        raise ItemError(f"{rest!r} is not a {noun} in the catalogue of rule base {rb.version}{_hint(rest, codes)}")
    return ItemRef(kind, rest)


# ---- the answer ------------------------------------------------------------

class FailedLiteral(OutputModel):
    """One condition of an alternative that did not hold, with the value it met."""

    condition: str = Field(description="The literal as the rule language writes it.")
    field: str
    actual: Any = Field(description="The value in the context (null: not given); for derived facts, whether "
                                    "it was derived.")
    derived_by: list["RuleCheck"] = Field(default_factory=list, description="For a derived fact that was not "
                                          "derived: the rules that derive it, and why they did not fire.")
    derived_from: list[str] = Field(default_factory=list, description="For a derived fact that must be absent "
                                    "but was derived: the rules that derived it.")

    def __str__(self) -> str:
        return f"{self.condition} (actual: {fmt(self.actual)})"


class Alternative(OutputModel):
    """One alternative (a conjunction) of a rule's condition that failed."""

    number: int = Field(description="1-based, in the rule's normal form.")
    condition: str
    failed: list[FailedLiteral]


class RuleCheck(OutputModel):
    """A rule that can produce (or contend for) the item: did it fire, and if not, why not."""

    rule: str
    title: str
    file: str
    line: int
    priority: int
    concludes: str = Field(description="What the rule concludes, in short.")
    subject: str | None = Field(None, description="Stakeholder the check is about (rules applied per group).")
    fired: bool
    firing: int | None = None
    matched: dict[str, Any] = Field(default_factory=dict, description="Values it matched when it fired.")
    alternatives: list[Alternative] = Field(default_factory=list, description="Why each alternative failed.")

    def reason(self) -> str:
        if self.fired:
            return f"{self.rule} fired (#{self.firing})"
        parts = ["; ".join(str(f) for f in a.failed) for a in self.alternatives]
        if len(parts) == 1:
            return f"{self.rule} did not apply: {parts[0]} failed"
        return f"{self.rule} did not apply: " + " / ".join(f"({i}) {p}" for i, p in enumerate(parts, 1)) + \
            " (no alternative held)"


FailedLiteral.model_rebuild()


class Defeat(OutputModel):
    """What kept the item out although a rule produced it, or ruled it out."""

    how: Lit["eliminated", "avoided", "overridden", "not_chosen", "excluded"]
    rule: str | None = None
    firing: int | None = None
    subject: str | None = None
    matched: dict[str, Any] = Field(default_factory=dict)
    reason: str


class UnknownEffect(OutputModel):
    """An unknown answer the item depends on: once known to be `answer`, the item would (not) be recommended."""

    field: str
    answer: bool
    recommended: bool = Field(description="Whether the item would then be recommended.")

    def __str__(self) -> str:
        verb = "would be recommended" if self.recommended else "would no longer be recommended"
        return f"{self.field} is unknown: if it turned out {fmt(self.answer)}, it {verb}"


class WhyNot(OutputModel):
    """The answer to "why not ITEM?" for one context under one rule base."""

    item: str
    label: str
    recommended: bool = Field(description="True when the item is in the recommendation after all.")
    current: str | None = Field(None, description="What the recommendation has instead (approach, participant).")
    producible: bool = Field(description="False when no rule of the rule base can produce the item at all.")
    summary: str = Field(description="The answer in one or two sentences.")
    producers: list[RuleCheck] = Field(description="Rules that could have produced it, fired or not.")
    defeated_by: list[Defeat] = Field(description="What beat or ruled out the item.")
    because: list[dict[str, Any]] = Field(default_factory=list, description="When recommended: its reasons.")
    unknowns: list[UnknownEffect] = Field(default_factory=list, description="The unknown answers the item "
                                            "depends on: each answer under which it would (or would no longer) be "
                                            "recommended, the other unknown answers still unknown.")
    rulebase_version: str

    def text(self) -> str:
        lines = [self.summary]
        if self.unknowns:
            lines.append("")
            lines.append("Unknown answers it depends on:")
            lines.extend(f"  - {u}" for u in self.unknowns)
        if self.defeated_by:
            lines.append("")
            lines.append("What kept it out:")
            for d in self.defeated_by:
                who = f" {d.rule}#{d.firing}" if d.rule else ""
                lines.append(f"  - {d.how}{who}: {d.reason}")
                if d.matched:
                    lines.append("      matched: " + ", ".join(f"{k} = {fmt(v)}" for k, v in d.matched.items()))
        idle = [p for p in self.producers if not p.fired]
        if idle and not self.recommended:
            lines.append("")
            lines.append("Rules that could have produced it and did not apply:")
            for p in idle:
                who = f" for {p.subject}" if p.subject else ""
                lines.append(f"  - {p.rule}{who}: {p.title} [{p.file}:{p.line}] -> {p.concludes}")
                for a in p.alternatives:
                    label = f"alternative {a.number}" if len(p.alternatives) > 1 else "needs"
                    lines.append(f"      {label}: {a.condition}")
                    for f in a.failed:
                        lines.append(f"        failed: {f}")
                        for d in f.derived_by:     # under a group condition, each for its group
                            whose = f" (for {d.subject})" if f.field.startswith("stakeholders(") and d.subject else ""
                            lines.append(f"          derived by {d.reason()}{whose}")
                        if f.derived_from:
                            lines.append(f"          derived by {', '.join(f.derived_from)}")
        return "\n".join(lines) + "\n"


def fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):   # a list field such as project.activities
        return "[" + ", ".join(str(x) for x in value) + "]"
    return "not given" if value is None else str(value)


# ---- the analysis ----------------------------------------------------------

def _concludes(rule: Rule) -> str:
    return ", ".join(f"{k}: {v}" for k, v in rule.then.model_dump(exclude_defaults=True).items())


def _failed(wm: WorkingMemory, lit: Literal, subject: str, depth: int) -> FailedLiteral:
    state, derived = wm.state(subject), wm.derived_for(subject)
    name = literal_fields(lit)
    if isinstance(lit, Derived):
        owner = wm.fact_owner(lit.name, subject)
        out = FailedLiteral(condition=str(lit), field=name, actual=lit.name in derived)
        if lit.positive and depth == 0:
            for order in wm.rb.derivers.get(lit.name, []):
                rule = wm.rb.rules[order]
                whom = wm.subjects.ids if rule.scope == "stakeholder" and subject == PROJECT else [subject]
                out.derived_by += [check_rule(wm, rule, s, depth + 1) for s in whom]
        elif not lit.positive:
            out.derived_from = [f"{wm.firings[s - 1].rule.id}#{s}" for s in wm.providers.get((lit.name, owner), [])]
        return out
    if isinstance(lit, Groups):     # the groups that met its condition (none, or too few or too many)
        met = list(state.get(lit.key, ()))
        out = FailedLiteral(condition=str(lit), field=name, actual=met)
        if lit.op == ">=" and depth == 0:     # too few: why each other group lacks a fact the condition needs
            for fact in sorted(lit.derived(), key=lambda d: d.name):
                if fact.positive:
                    for order in wm.rb.derivers.get(fact.name, []):
                        rule = wm.rb.rules[order]
                        whom = [sid for sid in wm.subjects.ids if sid not in met] if rule.scope == "stakeholder" \
                            else [PROJECT]
                        out.derived_by += [check_rule(wm, rule, sid, depth + 1) for sid in whom]
        return out
    actual = state.get(lit.field)
    return FailedLiteral(condition=str(lit), field=name,
                         actual=list(actual) if type(actual) is tuple else actual)   # a list field, as JSON has it


def _alternative(wm: WorkingMemory, number: int, term: Term, subject: str, depth: int) -> Alternative:
    state, derived = wm.state(subject), wm.derived_for(subject)
    failed = [_failed(wm, lit, subject, depth) for lit in term if not holds(lit, state, derived)]
    return Alternative(number=number, condition=term_text(term) or "(always)", failed=failed)


def check_rule(wm: WorkingMemory, rule: Rule, subject: str, depth: int = 0) -> RuleCheck:
    """Did `rule` fire for `subject`; if not, every alternative with what failed."""
    if rule.scope == "project":
        subject = PROJECT
    firing = wm.fired.get((rule.id, subject))
    base = dict(rule=rule.id, title=rule.title, file=rule.file, line=rule.line, priority=rule.priority,
                concludes=_concludes(rule), subject=None if subject == PROJECT else subject)
    if firing is not None:
        return RuleCheck(**base, fired=True, firing=firing.seq, matched=firing.matched)
    return RuleCheck(**base, fired=False,
                     alternatives=[_alternative(wm, i, t, subject, depth) for i, t in enumerate(rule.terms, 1)])


def _could_produce(wm: WorkingMemory, item: ItemRef, rule: Rule) -> bool:
    """For approaches: a preference for it, or a strategy that would pick it from the feasible set."""
    if item.kind != "approach" or rule.then.prefer not in approaches.STRATEGIES:
        return item.produced_by(rule)
    feasible = wm.approach.feasible
    pick = (feasible[0] if rule.then.prefer == "least_involving" else feasible[-1]) if feasible else None
    return pick == item.code


def _subjects_of(wm: WorkingMemory, rule: Rule, item: ItemRef) -> list[str]:
    if rule.scope == "project":
        return [PROJECT]
    if item.kind == "participant":
        return [item.stakeholder or ""]
    return wm.subjects.ids


def _defeat(how: str, f: Firing, reason: str) -> Defeat:
    return Defeat(how=how, rule=f.rule.id, firing=f.seq, subject=None if f.subject == PROJECT else f.subject,
                  matched=f.matched, reason=reason)


def _approach_defeats(wm: WorkingMemory, item: ItemRef, rec: Mapping[str, Any]) -> list[Defeat]:
    decision = wm.approach
    out = [_defeat("eliminated", f, f"ruled out {item.code}") for f in decision.eliminated.get(item.code, [])]
    if not out and decision.code != item.code:
        winner = decision.winner
        reason = (f"{item.code} was feasible, but the policy chose {decision.code}: {decision.policy}")
        if winner is not None:
            out.append(_defeat("not_chosen", winner, reason))
        else:
            out.append(Defeat(how="not_chosen", reason=reason))
    return out


def _participant_defeats(wm: WorkingMemory, item: ItemRef, rec: Mapping[str, Any],
                         producers: list[RuleCheck]) -> list[Defeat]:
    p = participant_of(rec, item.stakeholder or "") or {}
    fired = {c.rule for c in producers if c.fired}
    winner = ", ".join(f"{b['rule']}#{b['firing']}" for b in p.get("because") or ()) or "no rule"
    now = "excluded" if p.get("excluded") else f"{p.get('role')} ({p.get('iap2_level')})"
    out: list[Defeat] = []
    for o in p.get("overridden") or ():
        if o["rule"] in fired:
            f = wm.firings[o["firing"] - 1]
            out.append(_defeat("overridden", f, f"it concluded {o['value']}, but {winner} gave {now}: {o['reason']}"))
    if p.get("excluded") and item.code != "excluded":
        for b in p.get("because") or ():
            out.append(_defeat("excluded", wm.firings[b["firing"] - 1], f"excluded: {p.get('reason')}"))
    return out


def _current(item: ItemRef, rec: Mapping[str, Any]) -> str | None:
    if item.kind == "approach":
        return rec["approach"]["code"]
    if item.kind == "participant":
        p = participant_of(rec, item.stakeholder or "") or {}
        if p.get("excluded"):
            return "excluded"
        return f"{p.get('role')}@{p.get('iap2_level')}" if p.get("role") else "no role"
    return None


def _because(item: ItemRef, rec: Mapping[str, Any]) -> list[dict[str, Any]]:
    if item.kind == "approach":
        return list(rec["approach"]["because"])
    if item.kind == "participant":
        return list((participant_of(rec, item.stakeholder or "") or {}).get("because") or ())
    found = next(it for it in rec[_SECTION[item.kind]] if it["code"] == item.code)
    return list(found["because"])


def _summary(item: ItemRef, label: str, recommended: bool, producible: bool, current: str | None,
             producers: list[RuleCheck], defeats: list[Defeat], because: list[dict[str, Any]]) -> str:
    if recommended:
        refs = ", ".join(f"{b['rule']}#{b['firing']}" for b in because) or "the default policy"
        return f"{label} IS recommended, because of {refs}."
    instead = f" (the recommendation has {current} instead)" if current else ""
    if not producible:
        return f"{label} is not recommended{instead}: no rule of this rule base can ever produce it."
    parts = []
    for d in defeats:
        who = f"{d.rule}" + (f" for {d.subject}" if d.subject and item.kind != "participant" else "")
        if d.how == "eliminated":
            values = ", ".join(f"{k} = {fmt(v)}" for k, v in d.matched.items())
            parts.append(f"{who} ruled it out ({values})")
        elif d.how == "avoided":
            parts.append(f"{who} advises against it")
        elif d.how in ("overridden", "excluded"):
            parts.append(f"{who}: {d.reason}")
        else:
            parts.append(d.reason)
    idle = [p for p in producers if not p.fired]
    if idle and not (item.kind == "approach" and defeats and defeats[0].how == "eliminated"):
        names = list(dict.fromkeys(p.rule for p in idle))
        if any(p.fired for p in producers):
            parts.append(f"the other rules that could produce it did not apply ({', '.join(names)})")
        elif len(names) == 1:
            parts.append(f"the only rule that could produce it did not apply ({names[0]})")
        else:
            parts.append(f"none of the {len(names)} rules that could produce it applied ({', '.join(names)})")
    return f"{label} is not recommended{instead}: " + "; ".join(parts) + "."


def why_not(rb: RuleBase, context: Any, item: str | ItemRef) -> WhyNot:
    """Explain why `item` is (not) in the recommendation for `context` under `rb`.

    Raises ContextError for an invalid context, ItemError for an item it
    cannot read, ResolutionError when the rule base makes no recommendation.
    """
    ctx = validate_context(context)
    settled = settle(rb, ctx)
    subj = subjects(settled.context)
    ref = item if isinstance(item, ItemRef) else parse_item(item, rb, subj.ids)
    if ref.kind == "participant" and ref.stakeholder not in subj.stakeholders:
        raise ItemError(f"no stakeholder {ref.stakeholder!r} in this context")
    wm = run_python(rb, subj)
    wm.unknowns = settled
    rec = resolve(wm, "why-not").model_dump(mode="json")
    recommended = ref.present(rec)
    label = ref.describe(rb)
    producers = [check_rule(wm, r, s) for r in rb.rules if _could_produce(wm, ref, r)
                 for s in _subjects_of(wm, r, ref)]
    producers = _collapse(producers)
    defeats: list[Defeat] = []
    if not recommended:
        if ref.kind == "approach":
            defeats = _approach_defeats(wm, ref, rec)
        elif ref.kind == "participant":
            defeats = _participant_defeats(wm, ref, rec, producers)
        elif ref.kind == "technique":
            for f in wm.firings:
                if ref.code in f.rule.then.avoid_techniques:
                    defeats.append(_defeat("avoided", f, "avoided techniques beat recommended ones"))
    producible = ref.kind == "approach" or bool(producers)
    because = _because(ref, rec) if recommended else []
    current = _current(ref, rec)
    summary = _summary(ref, label, recommended, producible, current, producers, defeats, because)
    depends = _unknowns_that_matter(rb, ctx, ref, recommended)
    if depends:
        summary += f" It depends on {len(depends)} unknown answer{'s' if len(depends) > 1 else ''}: find " + \
            ("it" if len(depends) == 1 else "them") + " out."
    return WhyNot(item=str(ref), label=label, recommended=recommended, current=current, producible=producible,
                  summary=summary, producers=producers, defeated_by=defeats, because=because, unknowns=depends,
                  rulebase_version=rb.version)


def _unknowns_that_matter(rb: RuleBase, ctx: Any, ref: ItemRef, recommended: bool) -> list[UnknownEffect]:
    """For each unknown answer: the answer that, once known (the others still unknown), would put the item in the
    recommendation (or take it out); answers that change nothing about the item are left out."""
    out = []
    base = ctx.model_dump(mode="json")
    for path in ctx.unknown_answers():
        section, name = path.split(".")
        flips = []
        for value in (True, False):
            data = {**base, section: {**base[section], name: value}}
            try:
                settled = settle(rb, stated(data))
                wm = run_python(rb, subjects(settled.context))
                wm.unknowns = settled
                present = ref.present(resolve(wm, "why-not").model_dump(mode="json"))
            except ResolutionError:
                continue
            if present != recommended:
                flips.append(value)
        out += [UnknownEffect(field=path, answer=value, recommended=not recommended) for value in flips]
    return out


def _collapse(checks: list[RuleCheck]) -> list[RuleCheck]:
    """A rule applied per group that fired for some group needs no per-group failure report."""
    fired = {c.rule for c in checks if c.fired}
    out, seen = [], set()
    for c in checks:
        if c.rule in fired:
            if c.fired and c.rule not in seen:
                out.append(c)
                seen.add(c.rule)
            continue
        out.append(c)
    return out
