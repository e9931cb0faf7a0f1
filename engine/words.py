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
from collections.abc import Mapping
from enum import Enum
from typing import Any

from . import group_words
from .approaches import BY_CODE
from .catalogue import Catalogue
from .context import SECTION_MODELS, CoProduction, Stakeholder, field_enum
from .sentences import SENTENCES
from .translations import ENGLISH

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


# German words that open a label and are written small inside a sentence (not the polite Sie, Ihr, Ihre...)
_GERMAN_LOWER = frozenset("der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner "
                          "alle jede jeder jedes".split())


def _german_article_lowered(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _GERMAN_LOWER and first[:1].isupper() else text


class Words:
    """The words of one rule base's catalogue, in one language (English, the source, by default): each text
    is looked up in the rule base's translations (engine/translations.py) by its key, English where none is."""

    def __init__(self, catalogue: Catalogue | None, lang: str | None = None):
        self.catalogue = catalogue if catalogue is not None else Catalogue()
        self.terms = self.catalogue.terms
        self.lang = lang or ENGLISH
        translations = self.catalogue.translations
        self.texts: dict[str, str] = translations.texts(self.lang) if translations is not None else {}

    def text(self, key: str, english: str) -> str:
        """The text of `key` in this language, or `english` (its source) when it has no translation."""
        return self.texts.get(key, english) if self.texts else english

    def say(self, key: str, **values: Any) -> str:
        """The sentence `key` (engine/sentences.py) in this language, its placeholders filled in."""
        template = self.texts.get(f"sentences.{key}") if self.texts else None
        return (template or SENTENCES[key]).format(**values)

    def lower(self, text: str) -> str:
        """A label lowered to sit inside a sentence; German keeps its nouns' capitals (an article that opens
        the label is lowered: 'umfasst nicht die Dienstleistung …')."""
        return _german_article_lowered(text) if self.lang == "de" else text.lower()

    def lower_first(self, text: str) -> str:
        """A label's first letter lowered inside a sentence (not an acronym's, not a German noun's)."""
        if self.lang == "de":
            return _german_article_lowered(text)
        if text[:2] == text[:2].upper():
            return text
        return text[:1].lower() + text[1:]

    # -- catalogue entries
    def item(self, kind: str, code: str) -> str:
        home = ITEM_KINDS.get(kind, kind)
        entry = getattr(self.catalogue, home, {}).get(code)
        return self.text(f"{home}.{code}.label", entry.label) if entry is not None else readable(code)

    def item_explained(self, kind: str, code: str) -> str:
        home = ITEM_KINDS.get(kind, kind)
        entry = getattr(self.catalogue, home, {}).get(code)
        if entry is None:
            return ""
        if entry.description:
            return self.text(f"{home}.{code}.description", entry.description)
        message = getattr(entry, "message", "")
        return self.text(f"{home}.{code}.message", message) if message else ""

    def entry_text(self, kind: str, code: str, name: str, english: str | None = None) -> str:
        """Any text of a catalogue entry (a warning's message or action...) in this language."""
        home = ITEM_KINDS.get(kind, kind)
        if english is None:
            entry = getattr(self.catalogue, home, {}).get(code)
            english = getattr(entry, name, None) or "" if entry is not None else ""
        return self.text(f"{home}.{code}.{name}", english) if english else english

    def term(self, kind: str, code: str, name: str = "label") -> str | None:
        """A terms.yaml text (approaches, levels, strategies, fields, conclusions) in this language; None when not
        there."""
        term = getattr(self.terms, kind).get(code)
        return self.text(f"{kind}.{code}.{name}", getattr(term, name)) if term is not None else None

    def rule_title(self, rule_id: str, english: str) -> str:
        """A rule's title in this language (`english`, the title as the rule states it, where none)."""
        return self.text(f"rules.{rule_id}.title", english)

    def rule_rationale(self, rule_id: str, english: str) -> str:
        return self.text(f"rules.{rule_id}.rationale", english)

    # -- approaches, levels, strategies
    def approach(self, code: str) -> str:
        said = self.term("approaches", code)
        if said is not None:
            return said
        return BY_CODE[code].label if code in BY_CODE else readable(code)

    def approach_explained(self, code: str) -> str:
        said = self.term("approaches", code, "description")
        if said is not None:
            return said
        return BY_CODE[code].meaning if code in BY_CODE else ""

    def level(self, code: str | None) -> str:
        if code is None:
            return self.say("words.no_level")
        said = self.term("levels", code)
        return said if said is not None else readable(code)

    def level_explained(self, code: str | None) -> str:
        said = self.term("levels", code or "", "description")
        return said if said is not None else ""

    def policy(self, policy: str) -> str:
        """The approach's `policy` ('least_involving (preference of thomas.choice_time_efficient)') in words."""
        strategy = policy.split(" ", 1)[0]
        if policy.startswith("preferred approach"):
            strategy = "preferred"
        elif "(default" in policy:
            strategy = "default"
        if strategy not in self.terms.strategies:
            return readable(policy)
        return f"{self.term('strategies', strategy)}: {self.term('strategies', strategy, 'description')}"

    # -- fields and their values
    def field(self, path: str) -> str:
        said = self.term("fields", path)
        if said is not None:
            return said
        groups = group_words.field(self, path, literal_words)    # what a group condition matched
        if groups is not None:
            return groups
        if path.startswith("derived."):
            name = path.split(".", 1)[1]
            return self.say("words.derived", name=self.term("conclusions", name) or readable(name))
        if path == "approach.code":
            return self.say("words.chosen_approach")
        if path == "approach.level":
            return self.say("words.chosen_level")
        return readable(path.rsplit(".", 1)[-1]).capitalize()

    def field_explained(self, path: str) -> str:
        said = self.term("fields", path, "description")
        return said if said is not None else ""

    def option(self, vocabulary: str | None, value: Any) -> str:
        if vocabulary == "levels":
            return self.level(value)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        term = self.terms.options.get(vocabulary or "", {}).get(str(value))
        if term is not None:
            return self.text(f"options.{vocabulary}.{value}.label", term.label)
        if vocabulary == _ANSWER and str(value) in ("yes", "no"):
            return self.say(f"words.{value}")
        return readable(value)

    def option_explained(self, vocabulary: str | None, value: Any) -> str:
        term = self.terms.options.get(vocabulary or "", {}).get(str(value))
        return self.text(f"options.{vocabulary}.{value}.description", term.description) if term is not None else ""

    def value(self, path: str, value: Any) -> str:
        """A field's value in words: yes/no, an option's label, a list of them, or 'not given'."""
        if value is None or value == "":
            return self.say("words.not_given")
        if path == "approach.code":
            return self.approach(str(value))
        if path == "approach.level":
            return self.level(str(value))
        if path.startswith(group_words.PREFIX):     # the groups a group condition matched, by id
            return group_words.named(self, value)
        vocabulary = field_vocabulary(path)
        if isinstance(value, (list, tuple)):
            return ", ".join(self.option(vocabulary, v) for v in value) or self.say("words.none")
        if isinstance(value, bool) or vocabulary is not None:
            return self.option(vocabulary or _ANSWER, value)
        return str(value)

    def answer(self, path: str, value: Any) -> str:
        """'Size of the public: The whole city' — a field and its value, for sentences."""
        return f"{self.field(path)}: {self.value(path, value)}"


# -- conditions in words (rule pages, why-not sentences) ------------------------------------------------------
_ORDERED = {">=": "cond.ge", "<=": "cond.le", ">": "cond.gt", "<": "cond.lt"}


def _said_value(words: Words, path: str, value: Any) -> str:
    """A value inside a sentence: an option's label with a lower-case first letter ('large (a district)')."""
    return words.lower_first(words.value(path, value))


def literal_words(words: Words, literal: Any) -> str:
    """One condition line (engine.conditions' Cmp, Exists, Derived, or a Not of one) as a sentence part:
    'Size of the public is Large (a district) or more', 'Experience of co-production: No'."""
    from .conditions import Cmp, Derived, Exists, Groups, Not
    if isinstance(literal, Groups):
        return group_words.literal(words, literal, literal_words)
    if isinstance(literal, Not):
        inner = literal.item
        if isinstance(inner, Cmp) and inner.value is True and inner.op == "==":
            return words.say("cond.answer", field=words.field(inner.field),
                             value=_said_value(words, inner.field, False))
        return words.say("cond.not", condition=literal_words(words, inner))
    if isinstance(literal, Derived):
        said = words.field(f"derived.{literal.name}")
        return said if literal.positive else words.say("cond.not_derived", conclusion=said)
    if isinstance(literal, Exists):
        return words.say("cond.given" if literal.positive else "cond.not_given", field=words.field(literal.field))
    if isinstance(literal, Cmp):
        name, op, value = words.field(literal.field), literal.op, literal.value
        if isinstance(value, bool):
            return words.say("cond.answer", field=name,
                             value=_said_value(words, literal.field, value if op == '==' else not value))
        if op in ("in", "not in"):
            options = words.say("words.list_or").join(_said_value(words, literal.field, v) for v in value)
            return words.say("cond.not_in" if op == "not in" else "cond.in", field=name, values=options)
        if op in ("contains", "not contains"):
            member = _said_value(words, literal.field, [value])
            return words.say("cond.contains" if op == "contains" else "cond.not_contains", field=name, value=member)
        shown = _said_value(words, literal.field, value)
        if op in _ORDERED:
            return words.say(_ORDERED[op], field=name, value=shown)
        return words.say("cond.ne" if op == "!=" else "cond.eq", field=name, value=shown)
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
        return words.say("role.none")
    if value == "excluded":
        return words.say("role.left_out")
    role, _, level = value.partition("@")
    return words.say("role.at_level", role=words.lower(words.item('role', role)), level=words.level(level))


def change_words(words: Words, change: Any, names: Mapping[str, str] | None = None) -> str:
    """One item of a recommendation difference (engine.diff.Change or its JSON form) as a sentence:
    '~ participant:residents: co_designer@collaborate -> co_designer@involve' becomes
    'Residents would be co-designer at the Involve level instead of co-designer at the Collaborate level.'"""
    get = change.get if isinstance(change, Mapping) else lambda k: getattr(change, k, None)
    item, kind, old, new = get("item") or "", get("kind"), get("old"), get("new")
    what, _, code = item.partition(":")
    names = names or {}
    if what == "approach":
        if kind == "changed":
            return words.say("change.approach_changed", new=words.approach(new), old=words.approach(old))
        return words.say("change.approach_added" if new else "change.approach_removed",
                         approach=words.approach(new or old))
    if what in ("participant", "recruitment", "mode"):
        name = names.get(code, code)
        if what == "participant":
            if kind == "added":
                return words.say("change.participant_added", name=name, new=_role_at(words, new))
            if kind == "removed":
                return words.say("change.participant_removed", name=name, old=_role_at(words, old))
            return words.say("change.participant_changed", name=name, new=_role_at(words, new),
                             old=_role_at(words, old))
        said = {"new": words.item(what, new) if new else "", "old": words.item(what, old) if old else ""}
        if kind == "changed":
            return words.say(f"change.{what}_changed", name=name, **said)
        if kind == "added":
            return words.say(f"change.{what}_added", name=name, new=said["new"])
        return words.say(f"change.{what}_removed", name=name, old=said["old"])
    if what == "gap":
        return words.say("change.gap_added" if kind == "added" else "change.gap_removed", gap=code)
    label = words.item(_ITEM_OF.get(what, what), code)
    if what == "technique":
        if kind == "changed":
            return words.say("change.technique_core" if new == "core" else "change.technique_extra", technique=label)
        if kind == "added":
            key = {"core": "change.technique_added_core", "extra": "change.technique_added_extra"}.get(
                new or "", "change.technique_added")
            return words.say(key, technique=label)
        return words.say("change.technique_removed", technique=label)
    if what == "avoided_technique":
        return words.say("change.avoided_added" if kind == "added" else "change.avoided_removed", technique=label)
    if what == "arrangement":
        return words.say("change.arrangement_added" if kind == "added" else "change.arrangement_removed",
                         arrangement=label)
    if what == "skill":
        skill = words.lower(label)
        if kind == "changed":
            return words.say("change.skill_lacking" if new == "lacking" else "change.skill_not_lacking", skill=skill)
        if kind == "added":
            return words.say("change.skill_added_lacking" if new == "lacking" else "change.skill_added", skill=skill)
        return words.say("change.skill_removed", skill=skill)
    if what == "warning":
        return words.say("change.warning_added" if kind == "added" else "change.warning_removed", warning=label)
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
        return words.say("whynot.needs_not_concluded" if not actual else "whynot.needs_concluded", condition=needs)
    return words.say("whynot.needs_current" if field.startswith("approach.") else "whynot.needs_answer",
                     condition=needs, value=_said_value(words, field, actual))


def item_words(words: Words, item: str, names: Mapping[str, str] | None = None) -> str:
    """A why-not / what-if item ('approach:public_decision', 'participant:residents:collaborate',
    'participant:x:role:co_designer', 'technique:citizen_jury'...) in words."""
    names = names or {}
    kind, _, rest = item.partition(":")
    if kind == "approach":
        return words.say("item.approach", approach=words.approach(rest))
    if kind == "participant":
        sid, _, what = rest.partition(":")
        name = names.get(sid, sid)
        if what == "excluded":
            return words.say("item.left_out", name=name)
        if what.startswith("role:"):
            return words.say("item.as_role", name=name, role=words.lower(words.item('role', what[5:])))
        return words.say("item.at_level", name=name, level=words.level(what))
    label = words.item(_ITEM_OF.get(kind, kind), rest)
    if f"item.{kind}" in SENTENCES:
        return words.say(f"item.{kind}", label=label)
    return words.say("item.other", kind=kind.replace('_', ' '), label=label)


def why_not_words(words: Words, answer: Any, names: Mapping[str, str] | None = None,
                  titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A why-not answer (engine.whynot.WhyNot or its JSON form) in words: {'summary': one sentence, 'reasons':
    [sentences], 'idle': [{'rule', 'title', 'needs': [sentences]}]}; rule titles stand for rule ids (each in this
    language when `titles` holds none for it)."""
    get = answer.get if isinstance(answer, Mapping) else lambda k: getattr(answer, k, None)

    def field(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    names, titles = names or {}, titles or {}
    item = get("item") or ""
    said = item_words(words, item, names)
    said = said[:1].upper() + said[1:]
    current = get("current")
    if get("recommended"):
        return {"summary": words.say("whynot.recommended", item=said), "reasons": [], "idle": []}
    instead = ""
    if current and item.startswith("approach:"):
        instead = words.say("whynot.instead_approach", approach=words.approach(current))
    elif current and item.startswith("participant:"):
        now = _role_at(words, current.replace(" (", "@").rstrip(")"))
        instead = words.say("whynot.instead_participant", name=names.get(item.split(':')[1], ''), role=now)
    if not get("producible"):
        return {"summary": words.say("whynot.not_producible", item=said, instead=instead), "reasons": [], "idle": []}
    reasons = []
    for d in get("defeated_by") or ():
        rule = field(d, "rule")
        title = words.say("whynot.rule", title=words.rule_title(rule, titles.get(rule, rule))) if rule \
            else words.say("whynot.the_approach_choice")
        how = field(d, "how")
        if how == "eliminated":
            matched = field(d, "matched") or {}
            because = words.say("words.list_semicolon").join(group_words.matched(words, k, v, literal_words, names)   # a count of groups
                                if k.startswith(group_words.PREFIX) else f"{words.field(k)}: {_said_value(words, k, v)}"
                                for k, v in matched.items())
            reasons.append(words.say("whynot.eliminated_because", rule=title, answers=because) if because
                           else words.say("whynot.eliminated", rule=title))
        elif how in ("avoided", "overridden", "excluded"):
            reasons.append(words.say(f"whynot.{how}", rule=title))
        elif how == "not_chosen":
            policy = get("current")
            chosen = words.policy(_policy_of(field(d, 'reason') or ''))
            reasons.append(words.say("whynot.not_chosen_was", policy=chosen, approach=words.approach(policy))
                           if policy else words.say("whynot.not_chosen", policy=chosen))
    idle = []
    for p in get("producers") or ():
        if field(p, "fired"):
            continue
        ways = [[failed_words(words, f, names) for f in field(a, "failed") or ()]
                for a in field(p, "alternatives") or ()]
        needs = [words.say("words.list_semicolon").join(way) for way in ways if way]
        if len(needs) > 1:      # the rule's condition holds one way or another: each way, and what it met
            needs = [words.say("whynot.either" if i == 0 else "whynot.or", way=n) for i, n in enumerate(needs)]
        subject = field(p, "subject")
        rule = field(p, "rule")
        title = field(p, "title")
        idle.append({"rule": rule, "title": words.rule_title(rule, title) if rule and title else title,
                     "for": names.get(subject, subject) if subject else None, "needs": needs})
    if idle and not reasons:
        reasons.append(words.say("whynot.no_rule_applies_one") if len(idle) == 1
                       else words.say("whynot.no_rule_applies", count=len(idle)))
    return {"summary": words.say("whynot.not_recommended", item=said, instead=instead), "reasons": reasons,
            "idle": idle}


def _policy_of(reason: str) -> str:
    """The policy at the end of why-not's not_chosen reason ('... the policy chose X: least_involving (...)')."""
    return reason.rsplit(": ", 1)[-1] if ": " in reason else reason


def scenario_words(words: Words, scenario: Any, original_approach: str, target: str = "approach",
                   names: Mapping[str, str] | None = None) -> str:
    """A what-if scenario (engine.whatif.Scenario or its JSON form) as one sentence: 'If “Conflict in the public”
    were no instead of yes, the approach would be “...” instead of “...”.'"""
    def get(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    conds = words.say("whatif.and").join(
        words.say("whatif.condition", field=words.field(get(c, 'field')),
                  new=_said_value(words, get(c, 'field'), get(c, 'new')),
                  old=_said_value(words, get(c, 'field'), get(c, 'old')))
        for c in get(scenario, "changes") or ())
    new = get(scenario, "approach")
    if new != original_approach:
        approach = words.say("whatif.approach_would_be", new=words.approach(new),
                             old=words.approach(original_approach))
    else:
        approach = words.say("whatif.approach_would_stay", approach=words.approach(new))
    if target in (None, "", "approach"):
        return words.say("whatif.scenario", conditions=conds, approach=approach)
    present = any(get(c, "item") == _diff_key(target) and get(c, "kind") == "added"
                  for c in get(get(scenario, "diff"), "changes") or ())
    return words.say("whatif.scenario_item_added" if present else "whatif.scenario_item_removed",
                     conditions=conds, item=item_words(words, target, names), approach=approach)


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
        lines += ["", words.say("whynot.idle_heading")]
        for p in said["idle"]:
            lines.append(f"  - {p['title']} [{p['rule']}]"
                         + (words.say("whynot.for_group", name=p["for"]) if p["for"] else ""))
            lines += [f"      {n[:1].upper()}{n[1:]}." for n in p["needs"]]
    return "\n".join(lines) + "\n"


def what_if_text(words: Words, answer: Any, context: Any = None) -> str:
    """`cogov explain what-if --format text`: each scenario as a sentence, what else would change as sentences."""
    def get(key: str) -> Any:
        return answer.get(key) if isinstance(answer, Mapping) else getattr(answer, key)
    names = _names_of(context)
    lines = []
    if not get("scenarios"):
        what = words.say("whatif.the_approach") if get("target") == "approach" else \
            words.say("whatif.whether_item", item=item_words(words, get('target'), names))
        lines.append(words.say("whatif.no_change_bound" if get('bound_hit') else "whatif.no_change",
                               count=get('max_changes'), what=what))
    for i, s in enumerate(get("scenarios"), 1):
        lines.append(f"{i}. {scenario_words(words, s, get('original_approach'), get('target'), names)}")
        diff = s.get("diff") if isinstance(s, Mapping) else s.diff
        for c in (diff.get("changes") if isinstance(diff, Mapping) else diff.changes):
            lines.append(f"     - {change_words(words, c, names)}")
    lines.append("")
    lines.append(words.say("whatif.searched", answers=len(get('fields_searched')), evaluations=get('evaluations'))
                 + (words.say("whatif.stopped", bound=get('max_evaluations')) if get("bound_hit") else "")
                 + ("" if get("complete") else words.say("whatif.incomplete")))
    lines += [words.say("whatif.error", error=e) for e in get("errors") or ()]
    return "\n".join(lines) + "\n"
