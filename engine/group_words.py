"""Conditions over the stakeholder groups (any_stakeholder, no_stakeholder, count_stakeholders) in words.

engine/words.py asks this module for these conditions, passing its own `literal_words` for the groups'
condition, so this module imports neither it nor anything that imports it. The sentences' frames are
engine/sentences.py's `groups.*` (translatable like every other), said through `words.say`. A group
condition is reported by the key 'stakeholders(<its condition>)' with the ids of the groups that met it
(never their names, which may be personal or redacted): the sentences name the groups by the names a
reader's context gives, by id otherwise.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import yaml

from .conditions import GROUP_BLOCKS, All, ConditionError, Derived, Groups, parse_condition, parse_group_text

PREFIX = "stakeholders("
SayLiteral = Callable[[Any, Any], str]     # words.literal_words


def group_of(key: str) -> Groups | None:
    """The group condition behind a reported key 'stakeholders(<condition>)' (as any_stakeholder); None for
    any other key."""
    if not key.startswith(PREFIX) or not key.endswith(")"):
        return None
    return parse_group_text("any_stakeholder" + key[len("stakeholders"):])


def _one(words: Any, one: Any, say: SayLiteral) -> str:
    if isinstance(one, Derived):     # a group's own conclusion: 'the rules concluded “key player”'
        return words.say("groups.concluded" if one.positive else "groups.not_concluded",
                         conclusion=one.name.replace("_", " "))
    return say(words, one)


def where_words(words: Any, lit: Groups, say: SayLiteral) -> str:
    """A group condition's own condition in words: 'Power is High and Hard to reach: Yes'."""
    return words.say("groups.or").join(words.say("groups.and").join(_one(words, one, say) for one in term)
                                       for term in lit.where)


def counted(words: Any, lit: Groups) -> str:
    """'at least one stakeholder group', 'no stakeholder group', 'at most 2 stakeholder groups'."""
    if lit.op == "<=" and lit.n == 0:
        return words.say("groups.no")
    bound = "at_least" if lit.op == ">=" else "at_most"
    return words.say(f"groups.{bound}_one") if lit.n == 1 else words.say(f"groups.{bound}", count=lit.n)


def literal(words: Any, lit: Groups, say: SayLiteral) -> str:
    """'at least one stakeholder group where Power is High'."""
    return words.say("groups.where", groups=counted(words, lit), condition=where_words(words, lit, say))


def named(words: Any, ids: Any, names: Mapping[str, str] | None = None) -> str:
    """Groups by name where known, by id otherwise: 'Residents', 'Residents, Tenants and Shops'; 'none'."""
    said = [(names or {}).get(str(i), str(i)) for i in ids or ()]
    if not said:
        return words.say("words.none")
    return said[0] if len(said) == 1 else words.say("words.list_and", items=", ".join(said[:-1]), last=said[-1])


def field(words: Any, key: str, say: SayLiteral) -> str | None:
    """The name of what a group condition matched ('Stakeholder groups where Power is High'); None: not one."""
    lit = group_of(key)
    return None if lit is None else words.say("groups.field", condition=where_words(words, lit, say))


def matched(words: Any, key: str, ids: Any, say: SayLiteral, names: Mapping[str, str] | None = None) -> str:
    """What a firing's group condition matched, as its reason: 'the stakeholder group where Power is High
    (Residents)', or 'no stakeholder group where Power is High'."""
    lit = group_of(key)
    if lit is None:
        return ""
    where = where_words(words, lit, say)
    if not ids:
        return words.say("groups.matched_none", condition=where)
    return words.say("groups.matched_one" if len(ids) == 1 else "groups.matched", condition=where,
                     groups=named(words, ids, names))


def failed(words: Any, condition: str, actual: Any, say: SayLiteral, names: Mapping[str, str] | None = None) -> str:
    """A group condition of a why-not answer that did not hold, and the groups that met its condition:
    'it needs at least one stakeholder group where Power is High, and no stakeholder group does'."""
    lit = parse_group_text(condition)
    if lit is None:
        return condition
    met = list(actual or ())
    groups = named(words, met, names)
    if not met:
        found = words.say("groups.found_none")
    else:
        only = "_only" if lit.op == ">=" else ""       # too few met it; else too many
        found = words.say(f"groups.found{only}_one", groups=groups) if len(met) == 1 else \
            words.say(f"groups.found{only}", count=len(met), groups=groups)
    return words.say("groups.needs", condition=literal(words, lit, say), found=found)


def block(words: Any, raw: Any, say: SayLiteral) -> dict[str, Any] | None:
    """A rule's group block as written ({any_stakeholder: ...}) in words for pages, {'text', 'raw'}; None when
    `raw` is not a group block."""
    if not (isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in GROUP_BLOCKS):
        return None
    shown = yaml.safe_dump(raw, default_flow_style=True, sort_keys=False, allow_unicode=True).strip()
    try:
        node = parse_condition(raw, ())
    except ConditionError:
        return {"text": shown, "raw": shown}
    if isinstance(node, All):        # count_stakeholders with at_least and at_most
        least, most = node.items
        text = words.say("groups.between", least=least.n, most=most.n, condition=where_words(words, least, say))
    else:
        text = literal(words, node, say)
    return {"text": text, "raw": shown}
