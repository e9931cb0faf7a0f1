"""Conditions over the stakeholder groups (any_stakeholder, no_stakeholder, count_stakeholders) in words.

engine/words.py asks this module for these conditions, passing its own `literal_words` for the groups'
condition, so this module imports neither it nor anything that imports it. A group condition is
reported by the key 'stakeholders(<its condition>)' with the ids of the groups that met it (never their
names, which may be personal or redacted): the sentences name the groups by the names a reader's context
gives, by id otherwise.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

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
        said = f"“{one.name.replace('_', ' ')}”"
        return f"the rules concluded {said}" if one.positive else f"the rules did not conclude {said}"
    return say(words, one)


def where_words(words: Any, lit: Groups, say: SayLiteral) -> str:
    """A group condition's own condition in words: 'Power is High and Hard to reach: Yes'."""
    return " or ".join(" and ".join(_one(words, one, say) for one in term) for term in lit.where)


def counted(lit: Groups) -> str:
    """'at least one stakeholder group', 'no stakeholder group', 'at most 2 stakeholder groups'."""
    if lit.op == ">=" and lit.n == 1:
        return "at least one stakeholder group"
    if lit.op == "<=" and lit.n == 0:
        return "no stakeholder group"
    return f"{'at least' if lit.op == '>=' else 'at most'} {lit.n} stakeholder group{'' if lit.n == 1 else 's'}"


def literal(words: Any, lit: Groups, say: SayLiteral) -> str:
    """'at least one stakeholder group where Power is High'."""
    return f"{counted(lit)} where {where_words(words, lit, say)}"


def named(ids: Any, names: Mapping[str, str] | None = None) -> str:
    """Groups by name where known, by id otherwise: 'Residents', 'Residents, Tenants and Shops'; 'none'."""
    said = [(names or {}).get(str(i), str(i)) for i in ids or ()]
    if not said:
        return "none"
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def field(words: Any, key: str, say: SayLiteral) -> str | None:
    """The name of what a group condition matched ('Stakeholder groups where Power is High'); None: not one."""
    lit = group_of(key)
    return None if lit is None else f"Stakeholder groups where {where_words(words, lit, say)}"


def matched(words: Any, key: str, ids: Any, say: SayLiteral, names: Mapping[str, str] | None = None) -> str:
    """What a firing's group condition matched, as its reason: 'the stakeholder group where Power is High:
    Residents', or 'no stakeholder group where Power is High'."""
    lit = group_of(key)
    if lit is None:
        return ""
    where = where_words(words, lit, say)
    if not ids:
        return f"no stakeholder group where {where}"
    return f"the stakeholder group{'s' if len(ids) > 1 else ''} where {where}: {named(ids, names)}"


def failed(words: Any, condition: str, actual: Any, say: SayLiteral, names: Mapping[str, str] | None = None) -> str:
    """A group condition of a why-not answer that did not hold, and the groups that met its condition:
    'it needs at least one stakeholder group where Power is High, and no stakeholder group does'."""
    lit = parse_group_text(condition)
    if lit is None:
        return f"it needs {condition}"
    met = list(actual or ())
    if not met:
        found = "no stakeholder group does"
    elif lit.op == "<=":
        found = f"{len(met)} do{'es' if len(met) == 1 else ''}: {named(met, names)}"
    else:
        found = f"only {len(met)} do{'es' if len(met) == 1 else ''}: {named(met, names)}"
    return f"it needs {literal(words, lit, say)}, and {found}"


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
        text = f"at least {least.n} and at most {most.n} stakeholder groups where {where_words(words, least, say)}"
    else:
        text = literal(words, node, say)
    return {"text": text, "raw": shown}
