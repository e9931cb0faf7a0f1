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
from engine.words import Words, change_words, item_words, readable, scenario_words, why_not_words

from . import l10n
from .l10n import N_, _

_LEVELS = ("empower", "collaborate", "involve", "consult", "inform")
# "consultee (consult)": how resolve writes an overridden participant conclusion (role, level)
_ROLE_LEVEL = re.compile(r"^([a-z][a-z0-9_]*) \(([a-z]+)\)$")


def words_for(rulebase: RuleBase | None) -> Words:
    """The words of a rule base's catalogue in the reader's language (service/pages/l10n.py), built once per
    loaded rule base and language."""
    lang = l10n.current()
    if rulebase is None:
        return Words(None, lang)
    return rulebase_cache(rulebase, f"words:{lang}", lambda rb: Words(rb.catalogue, lang))


def plan_of(rec: Mapping[str, Any], rulebase: RuleBase | None) -> dict[str, Any]:
    """The recommendation's plan as its reader sees it: built from what the recommendation holds (also for a
    decision stored before plans existed), with the serving rule base's words and the groups' names, which the
    stored plan leaves out (it names groups by id, so that no personal name is stored outside the declared
    personal fields); the same steps, the same firings behind each."""
    plan = rec.get("plan")
    built = build_plan(dict(rec), rulebase.catalogue if rulebase is not None else None, names=True,
                       lang=l10n.current())
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
    """An overridden conclusion's value in words: 'consultee (consult)' -> 'Consultee at the Consult level'
    (sentences.role.at_level, in the reader's language)."""
    match = _ROLE_LEVEL.match(value or "")
    if kind == "participant" and match:
        return words.say("role.at_level", role=words.item("role", match.group(1)), level=words.level(match.group(2)))
    if kind in ("recruitment", "mode"):
        return words.item(kind, value)
    if kind == "approach":
        return words.approach(value)
    return value


def local_time(value: datetime | str | None) -> dict[str, str]:
    """A stored time for people: {'iso': machine-readable, 'text': e.g. '7 December 2026, 05:09 CET'} in the
    server's local time zone (its TZ setting), which is the city's where the service runs."""
    if value is None:
        return {"iso": "", "text": _("unknown time")}
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return {"iso": value, "text": value}
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    here = value.astimezone()
    zone = here.tzname() or here.strftime("%z")
    text = (f"{here.day} {here.strftime('%B %Y, %H:%M')} {zone}" if l10n.current() == "en"   # the C locale's month
            else f"{l10n.format_date(here, 'long')}, {here.strftime('%H:%M')} {zone}")           # the reader's
    return {"iso": value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "text": text.strip()}


def rule_titles(rulebase: RuleBase | None) -> dict[str, str]:
    """Rule id -> title in the reader's language, for sentences that name rules by what they say."""
    if rulebase is None:
        return {}
    words = words_for(rulebase)
    return rulebase_cache(rulebase, f"rule_titles:{words.lang}",
                          lambda rb: {r.id: words.rule_title(r.id, r.title) for r in rb.rules})


# -- the context form in words (templates/_form.html, service/pages/manager.py) -------------------------------
_INDEX = re.compile(r"\[\d+\]")
# a form path's list parts, as terms.yaml names the fields within them
_LIST_TERMS = {"stakeholders": "stakeholder", "co_produces": "co_produces"}
# the form asks these itself, whatever the schema's default (the objective decides between approaches)
ASKED = {"project.objective"}
# made from the name when left blank (fill_stakeholder_ids), so not required in the form
MADE_FOR_YOU = {"stakeholder.id"}
_ANSWERS = {"true": "yes", "false": "no"}


def term_key(path: str) -> str:
    """A form path as terms.yaml names its field: 'stakeholders[2].power' -> 'stakeholder.power',
    'stakeholders[0].co_produces[1].activity' -> 'co_produces.activity', 'project.name' stays."""
    parts = _INDEX.sub("", path).split(".")
    if len(parts) >= 2 and parts[-2] in _LIST_TERMS:
        return f"{_LIST_TERMS[parts[-2]]}.{parts[-1]}"
    return ".".join(parts[-2:]) if len(parts) > 2 else ".".join(parts)


def field_words(f: Any, words: Words) -> dict[str, Any]:
    """A form control (service.pages.forms.Field) in the catalogue's words: label, hint, choices, whether the
    form requires it and which widget asks it."""
    from engine.words import field_vocabulary
    key = term_key(f.path)
    vocabulary = field_vocabulary(key)
    choices = []
    for value, text in f.choices:
        if value == "":
            choices.append((value, "Not stated"))
        elif f.spec.kind == "bool":
            choices.append((value, words.option("answer", _ANSWERS.get(value, value))))
        else:
            choices.append((value, words.option(vocabulary, value) if vocabulary else text))
    widget = f.widget
    if key in ASKED and f.spec.kind == "enum":
        widget = "radio"
    required = True if key in ASKED else False if key in MADE_FOR_YOU else f.required
    return {"label": words.field(key) if key in words.terms.fields else f.label,
            "hint": words.field_explained(key) or f.description, "choices": choices, "widget": widget,
            "required": required}


def group_words(g: Any, words: Words) -> dict[str, str | None]:
    """A form section or list in words: its title and hint."""
    key = term_key(g.path) if g.path else ""
    # a list inside a list's item (a group's co-production) says whose it is, so that each of these regions has
    # a name of its own for a screen reader
    whose = where_words(g.path.rsplit(".", 1)[0], words) if g.kind == "list" and "[" in g.path else ""
    if g.kind == "item" or key not in words.terms.fields:
        return {"title": g.title, "hint": g.description, "whose": whose}
    return {"title": words.field(key), "hint": words.field_explained(key) or g.description, "whose": whose}


def message_words(error: Mapping[str, Any], words: Words) -> str:
    """A validation error in words, never a regular expression: what to write, for the field it names."""
    key = term_key(str(error.get("field") or ""))
    kind, message = str(error.get("type") or ""), str(error.get("message") or "invalid")
    if kind == "string_pattern_mismatch" and key == "stakeholder.id":
        return _("use lowercase letters, digits, '-' and '_', starting with a letter or a digit, at most 64 "
                 "characters (for example “park-users”); leave it empty to have it made from the name")
    if kind == "string_pattern_mismatch":
        return _("this text is not in the expected form")
    if kind in ("missing", "form_missing"):
        return _("answer this question")
    if kind in ("enum", "literal_error"):
        from engine.words import field_vocabulary
        vocabulary = field_vocabulary(key)
        allowed = re.findall(r"'([^']*)'", message)
        if vocabulary and allowed:
            return _("choose one of: %(options)s") % {"options": "; ".join(words.option(vocabulary, v) for v in allowed)}
        return _("choose one of the options")
    if kind in ("bool_type", "bool_parsing"):
        return _("choose yes or no")
    if kind == "string_too_short":
        return _("write something here")
    if kind == "string_too_long":
        limit = re.search(r"(\d+)", message)
        return _("write at most %(count)s characters") % {"count": limit.group(1)} if limit else _("write less here")
    return message


def fill_stakeholder_ids(raw: dict[str, Any]) -> None:
    """Give every stakeholder group left without a short name one made from its name ('Residents and park users'
    -> 'residents-and-park-users'), unique in the form; a name the manager typed is kept as it is."""
    groups = raw.get("stakeholders") if isinstance(raw.get("stakeholders"), list) else []
    taken = {str(g.get("id") or "").strip() for g in groups if isinstance(g, dict)}
    for g in groups:
        if not isinstance(g, dict) or str(g.get("id") or "").strip() or not str(g.get("name") or "").strip():
            continue
        base = slug(str(g["name"])) or "group"
        made, n = base, 2
        while made in taken:
            made, n = f"{base[:60]}-{n}", n + 1
        g["id"] = made
        taken.add(made)


def slug(name: str) -> str:
    """A stakeholder id from a name: lowercase ASCII letters and digits joined by '-', at most 64 characters."""
    import unicodedata
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:64].strip("-")


# functions every template may call (service/pages/render.py registers them)
TEMPLATE_GLOBALS = {"overridden_value": overridden_value, "change_words": change_words, "item_words": item_words,
                    "why_not_words": why_not_words, "scenario_words": scenario_words, "field_words": field_words,
                    "group_words": group_words}


def where_words(path: str, words: Words) -> str:
    """Where a form error is, in words: 'stakeholders[2].id' -> 'Stakeholder group 3 › Short name'."""
    said, so_far = [], []
    for part in path.split(".") if path else []:
        name, _sep, index = part.partition("[")
        so_far.append(part)
        if index:
            said.append(_(_ITEM_NAMES[name]) % {"number": int(index.rstrip(']')) + 1} if name in _ITEM_NAMES
                        else f"{name} {int(index.rstrip(']')) + 1}")
            continue
        key = term_key(".".join(so_far))
        said.append(words.field(key) if key in words.terms.fields else readable(name).capitalize())
    return " › ".join(said)


_ITEM_NAMES = {"stakeholders": N_("Stakeholder group %(number)s"), "co_produces": N_("Co-production %(number)s")}
