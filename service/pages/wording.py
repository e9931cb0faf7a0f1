"""What the pages say in words: the plan of a stored recommendation, participants in reading order, overridden
conclusions as sentences, local times. The words themselves come from the rule base's catalogue
(engine/words.py); nothing here invents a label.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Mapping

from engine.plan import build_plan
from engine.rulebase import RuleBase, rulebase_cache
from engine.words import Words, change_words, item_words, scenario_words, why_not_words

_LEVELS = ("empower", "collaborate", "involve", "consult", "inform")
# "consultee (consult)": how resolve writes an overridden participant conclusion (role, level)
_ROLE_LEVEL = re.compile(r"^([a-z][a-z0-9_]*) \(([a-z]+)\)$")


def words_for(rulebase: RuleBase | None) -> Words:
    """The words of a rule base's catalogue, built once per loaded rule base."""
    if rulebase is None:
        return Words(None)
    return rulebase_cache(rulebase, "words", lambda rb: Words(rb.catalogue))


def plan_of(rec: Mapping[str, Any], rulebase: RuleBase | None) -> dict[str, Any]:
    """The recommendation's plan: the one it carries, or (a decision stored before plans existed) the plan built
    now from what it holds, with the serving rule base's words."""
    plan = rec.get("plan")
    if isinstance(plan, Mapping) and plan.get("steps"):
        return dict(plan)
    built = build_plan(dict(rec), rulebase.catalogue if rulebase is not None else None)
    return {**(dict(plan) if isinstance(plan, Mapping) else {}), **built}


def participants_in_order(rec: Mapping[str, Any], rulebase: RuleBase | None) -> list[dict[str, Any]]:
    """Participants by level (most say first), then role in catalogue order, then name; groups without a role
    and excluded groups last."""
    roles = {code: i for i, code in enumerate(rulebase.catalogue.roles)} if rulebase is not None else {}

    def key(p: Mapping[str, Any]) -> tuple:
        level = p.get("iap2_level")
        return (bool(p.get("excluded")), p.get("role") is None,
                _LEVELS.index(level) if level in _LEVELS else len(_LEVELS),
                roles.get(p.get("role"), 1 << 20), str(p.get("name") or "").lower())
    return sorted((dict(p) for p in rec.get("participants") or () if isinstance(p, Mapping)), key=key)


def overridden_value(value: str, words: Words, kind: str = "participant") -> str:
    """An overridden conclusion's value in words: 'consultee (consult)' -> 'Consultee, at the Consult level'."""
    match = _ROLE_LEVEL.match(value or "")
    if kind == "participant" and match:
        return f"{words.item('role', match.group(1))}, at the {words.level(match.group(2))} level"
    if kind in ("recruitment", "mode"):
        return words.item(kind, value)
    if kind == "approach":
        return words.approach(value)
    return value


def local_time(value: datetime | str | None) -> dict[str, str]:
    """A stored time for people: {'iso': machine-readable, 'text': e.g. '7 December 2026, 05:09 CET'} in the
    server's local time zone (its TZ setting), which is the city's where the service runs."""
    if value is None:
        return {"iso": "", "text": "unknown time"}
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return {"iso": value, "text": value}
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    here = value.astimezone()
    zone = here.tzname() or here.strftime("%z")
    return {"iso": value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "text": f"{here.day} {here.strftime('%B %Y, %H:%M')} {zone}".strip()}


def rule_titles(rulebase: RuleBase | None) -> dict[str, str]:
    """Rule id -> title, for sentences that name rules by what they say."""
    if rulebase is None:
        return {}
    return rulebase_cache(rulebase, "rule_titles", lambda rb: {r.id: r.title for r in rb.rules})


# functions every template may call (service/pages/render.py registers them)
TEMPLATE_GLOBALS = {"overridden_value": overridden_value, "change_words": change_words, "item_words": item_words,
                    "why_not_words": why_not_words, "scenario_words": scenario_words}
