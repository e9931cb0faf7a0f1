"""Given steps: build the project context a manager would submit."""
from __future__ import annotations

from pytest_bdd import given, parsers

from engine.context import UNKNOWABLE

from .world import (PILOTS, PILOTS_DIR, QUESTIONS, REPO, STAKEHOLDER_DEFAULTS, World, parse_value, remove_path,
                    set_path, slug, table_pairs, table_records)

SECTIONS = {"project": "project", "decision": "decision", "public": "public", "capacity": "capacity",
            "team capacity": "capacity", "decision qualifiers": "decision"}


# ---------------------------------------------------------------- starting points

@given("a base project context")
def _(world: World):
    world.use_base()


@given(parsers.re(r"the (?P<city>[^\s\"]+) pilot context"))
def _(world: World, city: str):
    name = slug(city)
    if name not in PILOTS:
        raise AssertionError(f"no pilot {city!r}: the pilots are {', '.join(PILOTS)}")
    world.use_file(PILOTS_DIR / f"{name}.json")


@given(parsers.re(r'the context in file "(?P<path>[^"]+)"'))
def _(world: World, path: str):
    world.use_file(REPO / path)


# ---------------------------------------------------------------- the decision

def _question_field(name: str) -> str:
    key = name.strip()
    if key.upper() in QUESTIONS:
        return QUESTIONS[key.upper()]
    key = key.removeprefix("decision.")
    if f"decision.{key}" in UNKNOWABLE:     # Thomas's seven, and the decision's other yes/no answers
        return key
    raise AssertionError(f"unknown question {name!r}: write one of {', '.join(QUESTIONS)} "
                         f"or a field name ({', '.join(p.split('.')[1] for p in UNKNOWABLE)})")


def _answer(question: str, text: str) -> bool | str:
    if text.strip().lower() in ("unknown", "don't know", "not known"):
        return "unknown"                          # engine/unknowns.py: the recommendation says what it changes
    value = parse_value(text)
    if not isinstance(value, bool):
        raise AssertionError(f"answer {question} with yes, no or unknown, not {text!r}")
    return value


@given("the decision answers:")
def _(world: World, datatable: list[list[str]]):
    rows = [[c.strip() for c in r] for r in datatable if r]
    if rows and [c.lower() for c in rows[0]] == ["question", "answer"]:
        rows = rows[1:]
    vertical = all(len(r) == 2 and r[1].lower() in ("yes", "no", "true", "false", "unknown", "don't know")
                   for r in rows)
    if vertical:                                   # | QR | yes | one question a row
        pairs = [(r[0], r[1]) for r in rows]
    else:                                          # | QR | INFO | ... | header, answers below
        pairs = [(q, a) for row in rows[1:] for q, a in zip(rows[0], row)]
    decision = world.ctx()["decision"]
    for question, answer in pairs:
        decision[_question_field(question)] = _answer(question, answer)


@given(parsers.re(r"(?:the )?(?:manager's )?objective is (?P<objective>\w+)"))
def _(world: World, objective: str):
    world.ctx()["project"]["objective"] = objective


# ---------------------------------------------------------------- whole sections

@given(parsers.re(r"the (?P<section>project|decision|public|capacity|team capacity|decision qualifiers):"))
def _(world: World, section: str, datatable: list[list[str]]):
    target = world.ctx().setdefault(SECTIONS[section], {})
    for name, value in table_pairs(datatable):
        field = name.split(".", 1)[1] if name.startswith(SECTIONS[section] + ".") else name
        if SECTIONS[section] == "decision" and field.upper() in QUESTIONS:
            field = QUESTIONS[field.upper()]
        target[field] = parse_value(value)


# ---------------------------------------------------------------- stakeholder groups

def _group(pairs: list[tuple[str, str]] | dict[str, str]) -> dict:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    group = {name: parse_value(value) for name, value in items if value != ""}
    if "id" not in group:
        raise AssertionError("a stakeholder group needs an id")
    group["id"] = str(group["id"])
    group.setdefault("name", group["id"].replace("_", " ").replace("-", " ").capitalize())
    for name, value in STAKEHOLDER_DEFAULTS.items():
        group.setdefault(name, value)
    return group


@given("a stakeholder group:")
def _(world: World, datatable: list[list[str]]):
    world.add_group(_group(table_pairs(datatable)))


@given("the stakeholder groups:")
def _(world: World, datatable: list[list[str]]):
    for record in table_records(datatable):
        world.add_group(_group(record))


@given(parsers.re(r'stakeholder "(?P<sid>[^"]+)" has:'))
def _(world: World, sid: str, datatable: list[list[str]]):
    group = world.group(sid)
    for name, value in table_pairs(datatable):
        group[name] = parse_value(value)


@given(parsers.re(r"the project spans the activities (?P<names>\w+(?:(?:, | and )\w+)*)"))
def _(world: World, names: str):
    world.ctx()["project"]["activities"] = [n for n in names.replace(" and ", ", ").split(", ")]


@given(parsers.re(r'stakeholder "(?P<sid>[^"]+)" co-produces in (?P<activity>\w+)(?: by contributing (?P<what>\w+))?'))
def _(world: World, sid: str, activity: str, what: str | None):
    entry = {"activity": activity, **({"contributes": what} if what else {})}
    world.group(sid).setdefault("co_produces", []).append(entry)


@given("the context has no stakeholder groups")
def _(world: World):
    world.ctx()["stakeholders"] = []
    world.placeholder_group = False


# ---------------------------------------------------------------- any field, for bad input

@given(parsers.re(r'the context field "(?P<path>[^"]+)" is removed'))
def _(world: World, path: str):
    remove_path(world.ctx(), path)


@given(parsers.re(r'the context field "(?P<path>[^"]+)" is (?P<value>(?!removed$).+)'))
def _(world: World, path: str, value: str):
    set_path(world.ctx(), path, parse_value(value))
