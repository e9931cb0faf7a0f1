"""Plain words for codes, from one source: the rule base's catalogue.

Techniques, roles, arrangements, skills, warnings, recruitment and modes have their label and
description in their own catalogue files; Thomas's approaches, the IAP2 levels, how the approach
was chosen, the context's fields and their options in catalogue/terms.yaml. The plan, the text
report, the pages and the why-not / what-if sentences all ask this module, so a manager reads the
same words everywhere and codes stay in the technical details. A rule base without terms.yaml
(or a code it does not know) falls back to the code made readable, never to an error.
"""
from __future__ import annotations

import re
from enum import Enum
from collections.abc import Mapping
from typing import Any

from .approaches import BY_CODE
from .catalogue import Catalogue
from .context import SECTION_MODELS, CoProduction, Stakeholder, field_enum
from . import group_words

# catalogue kinds with entries of their own: what a code of each is looked up in
ITEM_KINDS = {"technique": "techniques", "arrangement": "arrangements", "skill": "skills", "warning": "warnings",
              "role": "roles", "recruitment": "recruitment", "mode": "modes"}
# the models whose fields a path names: rules say stakeholder.x for a group's field
_MODELS = {**SECTION_MODELS, "stakeholder": Stakeholder, "co_produces": CoProduction}
# facts rules read that are not fields of a model as such: their vocabulary
_FACT_VOCABULARY = {"stakeholder.co_produces": "phase", "stakeholder.contributes": "contribution"}
_ANSWER = "answer"


def readable(code: Any) -> str:
    """A code made readable when no words are known for it: 'city_wide' -> 'city wide'."""
    return str(code).replace("_", " ")


def vocabulary_name(enum: type[Enum]) -> str:
    """The options vocabulary of an enum in terms.yaml: PublicSize -> public_size, IAP2Level -> levels."""
    if enum.__name__ == "IAP2Level":
        return "levels"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.__name__).lower()


def field_vocabulary(path: str) -> str | None:
    """The options vocabulary of a field path ('public.size' -> 'public_size', a yes/no -> 'answer')."""
    if path in _FACT_VOCABULARY:
        return _FACT_VOCABULARY[path]
    section, _, name = path.partition(".")
    model = _MODELS.get(section)
    if model is None or name not in model.model_fields:
        return None
    kind, enum = field_enum(model, name)
    if kind == "bool":
        return _ANSWER
    return vocabulary_name(enum) if enum is not None else None


class Words:
    """The words of one rule base's catalogue."""

    def __init__(self, catalogue: Catalogue | None):
        self.catalogue = catalogue if catalogue is not None else Catalogue()
        self.terms = self.catalogue.terms

    # -- catalogue entries
    def item(self, kind: str, code: str) -> str:
        entry = getattr(self.catalogue, ITEM_KINDS.get(kind, kind), {}).get(code)
        return entry.label if entry is not None else readable(code)

    def item_explained(self, kind: str, code: str) -> str:
        entry = getattr(self.catalogue, ITEM_KINDS.get(kind, kind), {}).get(code)
        if entry is None:
            return ""
        return entry.description or getattr(entry, "message", "") or ""

    # -- approaches, levels, strategies
    def approach(self, code: str) -> str:
        term = self.terms.approaches.get(code)
        if term is not None:
            return term.label
        return BY_CODE[code].label if code in BY_CODE else readable(code)

    def approach_explained(self, code: str) -> str:
        term = self.terms.approaches.get(code)
        if term is not None:
            return term.description
        return BY_CODE[code].meaning if code in BY_CODE else ""

    def level(self, code: str | None) -> str:
        if code is None:
            return "no level"
        term = self.terms.levels.get(code)
        return term.label if term is not None else readable(code)

    def level_explained(self, code: str | None) -> str:
        term = self.terms.levels.get(code or "")
        return term.description if term is not None else ""

    def policy(self, policy: str) -> str:
        """The approach's `policy` ('least_involving (preference of thomas.choice_time_efficient)') in words."""
        strategy = policy.split(" ", 1)[0]
        if policy.startswith("preferred approach"):
            strategy = "preferred"
        elif "(default" in policy:
            strategy = "default"
        term = self.terms.strategies.get(strategy)
        return f"{term.label}: {term.description}" if term is not None else readable(policy)

    # -- fields and their values
    def field(self, path: str) -> str:
        term = self.terms.fields.get(path)
        if term is not None:
            return term.label
        groups = group_words.field(self, path, literal_words)    # what a group condition matched
        if groups is not None:
            return groups
        if path.startswith("derived."):
            return f"the rule base's conclusion “{readable(path.split('.', 1)[1])}”"
        if path == "approach.code":
            return "the chosen approach"
        if path == "approach.level":
            return "the IAP2 level of the chosen approach"
        return readable(path.rsplit(".", 1)[-1]).capitalize()

    def field_explained(self, path: str) -> str:
        term = self.terms.fields.get(path)
        return term.description if term is not None else ""

    def option(self, vocabulary: str | None, value: Any) -> str:
        if vocabulary == "levels":
            return self.level(value)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        term = self.terms.options.get(vocabulary or "", {}).get(str(value))
        if term is not None:
            return term.label
        if vocabulary == _ANSWER:
            return {"yes": "Yes", "no": "No"}.get(str(value), readable(value))
        return readable(value)

    def value(self, path: str, value: Any) -> str:
        """A field's value in words: yes/no, an option's label, a list of them, or 'not given'."""
        if value is None or value == "":
            return "not given"
        if path == "approach.code":
            return self.approach(str(value))
        if path == "approach.level":
            return self.level(str(value))
        if path.startswith(group_words.PREFIX):     # the groups a group condition matched, by id
            return group_words.named(value)
        vocabulary = field_vocabulary(path)
        if isinstance(value, (list, tuple)):
            return ", ".join(self.option(vocabulary, v) for v in value) or "none"
        if isinstance(value, bool) or vocabulary is not None:
            return self.option(vocabulary or _ANSWER, value)
        return str(value)

    def answer(self, path: str, value: Any) -> str:
        """'Size of the public: The whole city' — a field and its value, for sentences."""
        return f"{self.field(path)}: {self.value(path, value)}"


# -- conditions in words (rule pages, why-not sentences) ------------------------------------------------------
_ORDERED = {">=": "{v} or more", "<=": "{v} or less", ">": "more than {v}", "<": "less than {v}"}


def _said_value(words: Words, path: str, value: Any) -> str:
    """A value inside a sentence: an option's label with a lower-case first letter ('large (a district)')."""
    said = words.value(path, value)
    return said[:1].lower() + said[1:] if said[:2] != said[:2].upper() else said


def literal_words(words: Words, literal: Any) -> str:
    """One condition line (engine.conditions' Cmp, Exists, Derived, or a Not of one) as a sentence part:
    'Size of the public is Large (a district) or more', 'Experience of co-production: No'."""
    from .conditions import Cmp, Derived, Exists, Groups, Not
    if isinstance(literal, Groups):
        return group_words.literal(words, literal, literal_words)
    if isinstance(literal, Not):
        inner = literal.item
        if isinstance(inner, Cmp) and inner.value is True and inner.op == "==":
            return f"{words.field(inner.field)}: {_said_value(words, inner.field, False)}"
        return f"not ({literal_words(words, inner)})"
    if isinstance(literal, Derived):
        said = words.field(f"derived.{literal.name}")
        return said if literal.positive else f"not {said}"
    if isinstance(literal, Exists):
        return f"{words.field(literal.field)} is {'given' if literal.positive else 'not given'}"
    if isinstance(literal, Cmp):
        name, op, value = words.field(literal.field), literal.op, literal.value
        if isinstance(value, bool):
            return f"{name}: {_said_value(words, literal.field, value if op == '==' else not value)}"
        if op in ("in", "not in"):
            options = " or ".join(_said_value(words, literal.field, v) for v in value)
            return f"{name} is {'not ' if op == 'not in' else ''}{options}"
        if op in ("contains", "not contains"):
            member = _said_value(words, literal.field, [value])
            return f"{name} {'include' if op == 'contains' else 'do not include'} {member}"
        shown = _said_value(words, literal.field, value)
        if op in _ORDERED:
            return f"{name} is {_ORDERED[op].format(v=shown)}"
        return f"{name} is {'not ' if op == '!=' else ''}{shown}"
    return str(literal)


def condition_words(words: Words, raw: Any) -> dict[str, Any]:
    """A rule's `when` as a tree of sentences for pages: {'text': ...} for one line, or {'op': 'all' | 'any' |
    'not', 'items': [...]}; a line the condition language cannot read is shown as written."""
    from .conditions import ConditionError, parse_line
    said = group_words.block(words, raw, literal_words)
    if said is not None:
        return said
    if isinstance(raw, str):
        try:
            return {"text": literal_words(words, parse_line(raw, ())), "raw": raw}
        except ConditionError:
            return {"text": raw, "raw": raw}
    if isinstance(raw, list):
        return {"op": "all", "items": [condition_words(words, item) for item in raw]}
    if isinstance(raw, dict) and len(raw) == 1:
        (key, value), = raw.items()
        items = value if isinstance(value, list) else [value]
        return {"op": key, "items": [condition_words(words, item) for item in items]}
    return {"text": str(raw), "raw": str(raw)}


# -- differences in words (what-if's "what else would change", replay, impact) ---------------------------------
_ITEM_OF = {"technique": "technique", "avoided_technique": "technique", "arrangement": "arrangement",
            "skill": "skill", "warning": "warning", "recruitment": "recruitment", "mode": "mode"}


def _role_at(words: Words, value: str | None) -> str:
    """A participant item's value ('co_designer@involve', 'excluded', 'none') in words."""
    if value in (None, "none"):
        return "no role"
    if value == "excluded":
        return "left out"
    role, _, level = value.partition("@")
    return f"{words.item('role', role).lower()} at the {words.level(level)} level"


def change_words(words: Words, change: Any, names: Mapping[str, str] | None = None) -> str:
    """One item of a recommendation difference (engine.diff.Change or its JSON form) as a sentence:
    '~ participant:residents: co_designer@collaborate -> co_designer@involve' becomes
    'Residents would be co-designer at the Involve level instead of co-designer at the Collaborate level.'"""
    get = change.get if isinstance(change, Mapping) else lambda k: getattr(change, k, None)
    item, kind, old, new = get("item") or "", get("kind"), get("old"), get("new")
    what, _, code = item.partition(":")
    names = names or {}
    if what == "approach":
        return (f"The approach would be “{words.approach(new)}” instead of “{words.approach(old)}”."
                if kind == "changed" else f"The approach would {'be' if new else 'no longer be'} "
                f"“{words.approach(new or old)}”.")
    if what in ("participant", "recruitment", "mode"):
        name = names.get(code, code)
        if what == "participant":
            if kind == "added":
                return f"{name} would take part as {_role_at(words, new)}."
            if kind == "removed":
                return f"{name} would no longer take part (was {_role_at(words, old)})."
            return f"{name} would be {_role_at(words, new)} instead of {_role_at(words, old)}."
        how = "selected by" if what == "recruitment" else "taking part by"
        if kind == "changed":
            return f"{name} would be {how} “{words.item(what, new)}” instead of “{words.item(what, old)}”."
        return f"{name} would be {how} “{words.item(what, new)}”." if kind == "added" else \
            f"{name} would no longer be {how} “{words.item(what, old)}”."
    if what == "gap":
        return (f"The rule base would leave undecided: {code}." if kind == "added"
                else f"The rule base would no longer leave undecided: {code}.")
    label = words.item(_ITEM_OF.get(what, what), code)
    if what == "technique":
        tier = {"core": " as a core technique", "extra": " as an extra technique, if capacity allows"}
        if kind == "changed":
            return f"{label} would become {'a core' if new == 'core' else 'an extra'} technique."
        return f"{label} would be recommended{tier.get(new or '', '')}." if kind == "added" else \
            f"{label} would no longer be recommended."
    if what == "avoided_technique":
        return f"{label} would {'be' if kind == 'added' else 'no longer be'} advised against."
    if what == "arrangement":
        return f"{label} would {'be' if kind == 'added' else 'no longer be'} needed."
    if what == "skill":
        if kind == "changed":
            return f"Your team would {'lack' if new == 'lacking' else 'no longer lack'} the skill {label.lower()}."
        lacking = " (and your team lacks it)" if new == "lacking" else ""
        return f"The skill {label.lower()} would be needed{lacking}." if kind == "added" else \
            f"The skill {label.lower()} would no longer be needed."
    if what == "warning":
        return f"You would be warned: {label}." if kind == "added" else f"The warning “{label}” would go."
    return f"{item}: {old} → {new}."


# -- why not, in words ----------------------------------------------------------------------------------------
def failed_words(words: Words, failed: Any, names: Mapping[str, str] | None = None) -> str:
    """One condition that did not hold, with what it met: 'it needs Quality constraints: no, and the answer is
    yes'. `failed` is a why-not FailedLiteral or its JSON form."""
    from .conditions import ConditionError, parse_line
    get = failed.get if isinstance(failed, Mapping) else lambda k: getattr(failed, k, None)
    condition, field, actual = get("condition") or "", get("field") or "", get("actual")
    if field.startswith(group_words.PREFIX):    # a count of groups, and which groups met its condition
        return group_words.failed(words, condition, actual, literal_words, names)
    try:
        needs = literal_words(words, parse_line(condition, ()))
    except ConditionError:
        needs = condition
    if field.startswith("derived."):
        return f"it needs {needs}, which the rules did not conclude" if not actual else \
            f"it needs {needs}, which the rules did conclude"
    said = "it is" if field.startswith("approach.") else "the answer is"
    return f"it needs “{needs}”, and {said} {_said_value(words, field, actual)}"


def item_words(words: Words, item: str, names: Mapping[str, str] | None = None) -> str:
    """A why-not / what-if item ('approach:public_decision', 'participant:residents:collaborate',
    'participant:x:role:co_designer', 'technique:citizen_jury'...) in words."""
    names = names or {}
    kind, _, rest = item.partition(":")
    if kind == "approach":
        return f"the approach “{words.approach(rest)}”"
    if kind == "participant":
        sid, _, what = rest.partition(":")
        name = names.get(sid, sid)
        if what == "excluded":
            return f"leaving {name} out"
        if what.startswith("role:"):
            return f"{name} as {words.item('role', what[5:]).lower()}"
        return f"{name} at the {words.level(what)} level"
    noun = {"avoided_technique": "advice against the technique"}.get(kind, f"the {kind.replace('_', ' ')}")
    return f"{noun} “{words.item(_ITEM_OF.get(kind, kind), rest)}”"


def why_not_words(words: Words, answer: Any, names: Mapping[str, str] | None = None,
                  titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A why-not answer (engine.whynot.WhyNot or its JSON form) in words: {'summary': one sentence, 'reasons':
    [sentences], 'idle': [{'rule', 'title', 'needs': [sentences]}]}; rule titles stand for rule ids."""
    get = answer.get if isinstance(answer, Mapping) else lambda k: getattr(answer, k, None)

    def field(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    names, titles = names or {}, titles or {}
    item = get("item") or ""
    said = item_words(words, item, names)
    said = said[:1].upper() + said[1:]
    current = get("current")
    if get("recommended"):
        return {"summary": f"{said} is recommended: see why under the recommendation.", "reasons": [], "idle": []}
    instead = ""
    if current and item.startswith("approach:"):
        instead = f" The recommendation is “{words.approach(current)}”."
    elif current and item.startswith("participant:"):
        now = _role_at(words, current.replace(" (", "@").rstrip(")"))
        instead = f" The recommendation has {names.get(item.split(':')[1], '')} as {now}."
    if not get("producible"):
        return {"summary": f"{said} is not recommended: no rule of this rule base can recommend it.{instead}",
                "reasons": [], "idle": []}
    reasons = []
    for d in get("defeated_by") or ():
        rule = field(d, "rule")
        title = f"“{titles.get(rule, rule)}”" if rule else "The choice of approach"
        how = field(d, "how")
        if how == "eliminated":
            matched = field(d, "matched") or {}
            because = "; ".join(f"{words.field(k)}: {_said_value(words, k, v)}" for k, v in matched.items())
            reasons.append(f"{title} ruled it out, because of these answers: {because}." if because
                           else f"{title} ruled it out.")
        elif how == "avoided":
            reasons.append(f"{title} advises against it, and advice against a technique wins over a recommendation.")
        elif how == "overridden":
            reasons.append(f"{title} concluded it, but a rule with a higher priority gave the group another role.")
        elif how == "excluded":
            reasons.append(f"{title} leaves the group out.")
        elif how == "not_chosen":
            policy = get("current")
            reasons.append(f"It was still possible, but the approach is chosen as "
                           f"{words.policy(_policy_of(field(d, 'reason') or ''))}"
                           f"{' “' + words.approach(policy) + '” was chosen.' if policy else ''}")
    idle = []
    for p in get("producers") or ():
        if field(p, "fired"):
            continue
        ways = [[failed_words(words, f, names) for f in field(a, "failed") or ()]
                for a in field(p, "alternatives") or ()]
        needs = ["; ".join(way) for way in ways if way]
        if len(needs) > 1:      # the rule's condition holds one way or another: each way, and what it met
            needs = [f"{'either' if i == 0 else 'or'} {n}" for i, n in enumerate(needs)]
        subject = field(p, "subject")
        idle.append({"rule": field(p, "rule"), "title": field(p, "title"),
                     "for": names.get(subject, subject) if subject else None, "needs": needs})
    if idle and not reasons:
        reasons.append("No rule that could recommend it applies to your answers: "
                       + ("the one rule that could" if len(idle) == 1 else f"the {len(idle)} rules that could")
                       + " and what each needs are below.")
    return {"summary": f"{said} is not recommended.{instead}", "reasons": reasons, "idle": idle}


def _policy_of(reason: str) -> str:
    """The policy at the end of why-not's not_chosen reason ('... the policy chose X: least_involving (...)')."""
    return reason.rsplit(": ", 1)[-1] if ": " in reason else reason


def scenario_words(words: Words, scenario: Any, original_approach: str, target: str = "approach",
                   names: Mapping[str, str] | None = None) -> str:
    """A what-if scenario (engine.whatif.Scenario or its JSON form) as one sentence: 'If “Conflict in the public”
    were no instead of yes, the approach would be “...” instead of “...”.'"""
    def get(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    conds = " and ".join(f"“{words.field(get(c, 'field'))}” were {_said_value(words, get(c, 'field'), get(c, 'new'))} "
                         f"instead of {_said_value(words, get(c, 'field'), get(c, 'old'))}"
                         for c in get(scenario, "changes") or ())
    new = get(scenario, "approach")
    if new != original_approach:
        approach = f"the approach would be “{words.approach(new)}” instead of “{words.approach(original_approach)}”"
    else:
        approach = f"the approach would stay “{words.approach(new)}”"
    if target in (None, "", "approach"):
        return f"If {conds}, {approach}."
    present = any(get(c, "item") == _diff_key(target) and get(c, "kind") == "added"
                  for c in get(get(scenario, "diff"), "changes") or ())
    verb = "would be recommended" if present else "would no longer be recommended"
    return f"If {conds}, {item_words(words, target, names)} {verb} ({approach})."


def _diff_key(item: str) -> str:
    """The recommendation-difference key of a why-not item: participant:x:collaborate -> participant:x."""
    kind, _, rest = item.partition(":")
    return f"participant:{rest.split(':')[0]}" if kind == "participant" else item


# -- the CLI's text of why-not and what-if, in words ------------------------------------------------------------
def _names_of(context: Any) -> dict[str, str]:
    groups = context.get("stakeholders") if isinstance(context, Mapping) else None
    return {str(s["id"]): str(s.get("name") or s["id"]) for s in groups or () if isinstance(s, Mapping) and "id" in s}


def why_not_text(words: Words, answer: Any, context: Any = None, titles: Mapping[str, str] | None = None) -> str:
    """`cogov explain why-not --format text`: the answer in words, each rule by its title and id."""
    names, titles = _names_of(context), titles or {}
    said = why_not_words(words, answer, names, titles)
    lines = [said["summary"], *(f"  - {r}" for r in said["reasons"])]
    if said["idle"] and not (answer.get("recommended") if isinstance(answer, Mapping) else answer.recommended):
        lines += ["", "Rules that could have recommended it, and what each needs:"]
        for p in said["idle"]:
            lines.append(f"  - {p['title']} [{p['rule']}]" + (f", for {p['for']}" if p["for"] else ""))
            lines += [f"      {n[:1].upper()}{n[1:]}." for n in p["needs"]]
    return "\n".join(lines) + "\n"


def what_if_text(words: Words, answer: Any, context: Any = None) -> str:
    """`cogov explain what-if --format text`: each scenario as a sentence, what else would change as sentences."""
    def get(key: str) -> Any:
        return answer.get(key) if isinstance(answer, Mapping) else getattr(answer, key)
    names = _names_of(context)
    lines = []
    if not get("scenarios"):
        what = "the approach" if get("target") == "approach" else \
            f"whether {item_words(words, get('target'), names)} is recommended"
        lines.append(f"No change of up to {get('max_changes')} answer(s) changes {what}"
                     f"{' within the bound' if get('bound_hit') else ''}.")
    for i, s in enumerate(get("scenarios"), 1):
        lines.append(f"{i}. {scenario_words(words, s, get('original_approach'), get('target'), names)}")
        diff = s.get("diff") if isinstance(s, Mapping) else s.diff
        for c in (diff.get("changes") if isinstance(diff, Mapping) else diff.changes):
            lines.append(f"     - {change_words(words, c, names)}")
    lines.append("")
    lines.append(f"searched {len(get('fields_searched'))} answers, {get('evaluations')} evaluations"
                 + (f" (stopped at the bound of {get('max_evaluations')})" if get("bound_hit") else "")
                 + ("" if get("complete") else "; the search is incomplete"))
    lines += [f"ERROR: {e}" for e in get("errors") or ()]
    return "\n".join(lines) + "\n"
