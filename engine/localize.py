"""A recommendation in another language: the same data, its words from the rule base's translations.

The engine decides in one language, English, the source: the log stores that, and replays and the golden
outputs compare it. A reader who asked for another language gets `localize(rec, catalogue, lang)`: the same keys,
codes, order and `because` references, with every rule-generated text (labels, explanations, warnings' messages,
rule titles, the unknown answers' questions, the plan) in that language where it is translated, English where
not. Bibliographic sources stay as published. `localize` of English is the recommendation itself, unchanged.
"""
from __future__ import annotations

import copy
import functools
import re
import string
from typing import Any

from .approaches import BY_CODE
from .catalogue import Catalogue
from .sentences import SENTENCES
from .translations import ENGLISH, Translations
from .words import Words

# the recommendation's lists of catalogue items -> the catalogue kind of their codes
_ITEMS = {"techniques": "technique", "avoided_techniques": "technique", "governance": "arrangement",
          "skills": "skill", "warnings": "warning"}


def translations_version(catalogue: Catalogue | None) -> str | None:
    """The version (digest) of the translations a text in another language is made from; None: none shipped."""
    translations = catalogue.translations if catalogue is not None else None
    return translations.version if translations is not None else None


def approach_label(words: Words, code: str, english: str) -> str:
    """Thomas's name of an approach (engine/approaches.py), in the reader's language."""
    return words.text(f"sentences.approach.{code}.label", english) if code in BY_CODE else english


def localize(rec: dict[str, Any], catalogue: Catalogue | None, lang: str | None) -> dict[str, Any]:
    """`rec` (a recommendation's JSON form, fresh or stored) with its words in `lang`."""
    if not lang or lang == ENGLISH:
        return rec
    words = Words(catalogue, lang)
    out = copy.deepcopy(rec)
    approach = out.get("approach")
    if isinstance(approach, dict) and approach.get("code") in BY_CODE:
        code = approach["code"]
        approach["label"] = approach_label(words, code, approach.get("label") or "")
        approach["meaning"] = words.text(f"sentences.approach.{code}.meaning", approach.get("meaning") or "")
        for e in approach.get("eliminated") or ():
            if isinstance(e, dict) and e.get("code") in BY_CODE:
                e["label"] = approach_label(words, e["code"], e.get("label") or "")
    for p in out.get("participants") or ():
        if p.get("excluded") and isinstance(p.get("reason"), str):      # a rule's reason for leaving it out
            for b in p.get("because") or ():
                p["reason"] = words.text(f"rules.{b.get('rule')}.exclude", p["reason"])
        if p.get("role"):
            p["role_label"] = words.item("role", p["role"])
        for what in ("recruitment", "mode"):
            choice = p.get(what)
            if isinstance(choice, dict) and choice.get("code"):
                choice["label"] = words.item(what, choice["code"])
    for key, kind in _ITEMS.items():
        for item in out.get(key) or ():
            if isinstance(item, dict) and item.get("code"):
                item["label"] = words.item(kind, item["code"])
                if isinstance(item.get("tier_reason"), str):
                    item["tier_reason"] = _tier_reason(words, item["tier_reason"])
                if kind == "warning" and item.get("message"):
                    item["message"] = words.entry_text("warning", item["code"], "message", item["message"])
    for u in out.get("unknowns") or ():
        if isinstance(u, dict) and u.get("field") and u.get("question"):
            english = words.catalogue.terms.fields.get(u["field"])
            if english is not None and english.description == u["question"]:
                u["question"] = words.field_explained(u["field"])
    explanation = out.get("explanation") or {}
    for f in explanation.get("firings") or ():
        if isinstance(f, dict) and f.get("rule") and f.get("title"):
            f["title"] = words.rule_title(f["rule"], f["title"])
    policy = explanation.get("unknowns_policy")
    if isinstance(policy, dict) and policy.get("id"):
        policy["title"] = words.text(f"unknown_answers.{policy['id']}.title", policy.get("title") or "")
        policy["rationale"] = words.text(f"unknown_answers.{policy['id']}.rationale", policy.get("rationale") or "")
    plan = out.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("sizing"), str):
        plan["sizing"] = _sizing(words, plan["sizing"])
    if isinstance(plan, dict) and "steps" in plan:     # the plan's sentences, made again in the language
        from .plan import build_plan
        said = build_plan(out, catalogue, lang=lang)
        plan["summary"], plan["steps"] = said["summary"], said["steps"]
    return out


def retranslated(catalogue: Catalogue, translations: Translations | None) -> Catalogue:
    """`catalogue` (of any rule base version) with the translation files of `translations` (another load's,
    e.g. the served rule base's), each entry checked against this catalogue's own English: a decision made by
    an older version is read with the translations of its own words only (a changed text falls back to its
    English). A file that does not fit this version is left out, not an error: this is for reading."""
    from .translations import load_translations
    own = catalogue.translations
    if translations is None or own is None or not translations.files or own.version == translations.version:
        return catalogue
    english = {s.file for s in own.sources.values()}
    files = {rel: text.encode("utf-8") for rel, text in translations.files.items()}
    found, _ = load_translations(files, list(own.sources.values()), english)
    return catalogue.model_copy(update={"translations": found.model_copy(update={"version": translations.version})})


# -- the engine's own sentences stored as text (tier reasons, the plan's sizing), said again --------------------
@functools.lru_cache(maxsize=None)
def _pattern(key: str) -> re.Pattern[str]:
    """The English template `key` as a pattern whose groups are its placeholders."""
    out = ""
    for literal, name, _, _ in string.Formatter().parse(SENTENCES[key]):
        out += re.escape(literal)
        if name is not None:
            out += f"(?P<{name}>.+?)"
    return re.compile(out + r"\Z", re.S)


def _read(keys: tuple[str, ...], text: str) -> tuple[str, dict[str, str]] | None:
    """Which of the English templates `keys` made `text`, and its values; None when none did."""
    for key in keys:
        found = _pattern(key).match(text)
        if found:
            return key, found.groupdict()
    return None


def _level(words: Words, value: str) -> str:
    return words.lower(words.option("level", value)) if value in ("low", "medium", "high") else value


def _tier_reason(words: Words, text: str) -> str:
    """A technique's tier reason (engine/resolve.py made it from tier.* in English) in the reader's language."""
    found = _read(("tier.extra_core_full", "tier.core_bounded", "tier.core_unbounded", "tier.extra_demands"),
                  text)     # "extra: {reasons}" last: it matches any extra reason
    if found is None:
        return text
    key, values = found
    if key == "tier.extra_demands":
        reasons = []
        for part in values["reasons"].split("; "):
            demand = _read(("tier.demand",), part)
            if demand is None:
                return text
            said = demand[1]
            what = next((k for k in ("cost", "facilitation", "time") if SENTENCES[f"demand.{k}"] == said["what"]),
                        None)
            reasons.append(words.say("tier.demand", demand=_level(words, said["demand"]), value=_level(words, said["value"]),
                                     what=words.say(f"demand.{what}") if what else said["what"], rules=said["rules"]))
        values = {"reasons": words.say("words.list_semicolon").join(reasons)}
    return words.say(key, **values)


def _sizing(words: Words, text: str) -> str:
    """The plan's sizing sentence (plan.sizing_*) in the reader's language, each bound said again."""
    found = _read(("plan.sizing_bounded", "plan.sizing_unbounded"), text)
    if found is None:
        return text
    key, values = found
    if key == "plan.sizing_bounded":
        bounds = []
        names = tuple(f"bound.{n}" for n in ("core_at_most", "cost_at_most", "facilitation_at_most", "time_at_most"))
        for part in values["bounds"].split("; "):
            bound = _read(names, part)
            if bound is None:
                return text
            bounds.append(words.say(bound[0], value=_level(words, bound[1]["value"])))
        values = {**values, "bounds": words.say("words.list_semicolon").join(bounds)}
    return words.say(key, **values)
