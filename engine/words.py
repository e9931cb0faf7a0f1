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
from typing import Any

from .approaches import BY_CODE
from .catalogue import Catalogue
from .context import SECTION_MODELS, CoProduction, Stakeholder, field_enum

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
    from .conditions import Cmp, Derived, Exists, Not
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
