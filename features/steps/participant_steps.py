"""Then steps about who takes part: roles, IAP2 levels, exclusions, derived facts."""
from __future__ import annotations

from pytest_bdd import parsers, then

from .world import (IAP2, REASON, World, check_reasons, check_rules, describe_participant, parse_reasons,
                    rule_ids, split_list, table_records)

SH = r'stakeholder "(?P<sid>[^"]+)"'


def _taking_part(world: World, sid: str) -> dict:
    p = world.participant(sid)
    if p["excluded"] or p["role"] is None:
        raise AssertionError(f"expected stakeholder {sid!r} to take part, but\n{describe_participant(p)}")
    return p


def _check_role(world: World, sid: str, role: str | None, level: str | None, reason: str | None) -> None:
    p = _taking_part(world, sid)
    if (role and p["role"] != role) or (level and p["iap2_level"] != level):
        want = " ".join(x for x in (f"as {role}" if role else "", f"at level {level}" if level else "") if x)
        raise AssertionError(f"expected stakeholder {sid!r} to take part {want}, but\n{describe_participant(p)}")
    check_reasons(f"role of stakeholder {sid!r}", parse_reasons(reason), p["because"])


@then(parsers.re(SH + r" takes part as (?P<role>\w+) at level (?P<level>\w+)" + REASON))
def _(world: World, sid: str, role: str, level: str, reason: str | None):
    _check_role(world, sid, role, level, reason)


@then(parsers.re(SH + r" takes part as (?P<role>\w+)" + REASON))
def _(world: World, sid: str, role: str, reason: str | None):
    _check_role(world, sid, role, None, reason)


@then(parsers.re(SH + r" takes part at level (?P<level>\w+)" + REASON))
def _(world: World, sid: str, level: str, reason: str | None):
    _check_role(world, sid, None, level, reason)


@then(parsers.re(SH + r" takes part at level (?P<level>\w+) or higher"))
def _(world: World, sid: str, level: str):
    p = _taking_part(world, sid)
    if IAP2.index(p["iap2_level"]) < IAP2.index(level):
        raise AssertionError(f"expected stakeholder {sid!r} at level {level} or higher, but\n"
                             f"{describe_participant(p)}")


@then(parsers.re(SH + r" takes part at level (?P<level>\w+) or lower"))
def _(world: World, sid: str, level: str):
    p = _taking_part(world, sid)
    if IAP2.index(p["iap2_level"]) > IAP2.index(level):
        raise AssertionError(f"expected stakeholder {sid!r} at level {level} or lower, but\n"
                             f"{describe_participant(p)}")


def _choice(world: World, sid: str, key: str, code: str) -> dict:
    p = _taking_part(world, sid)
    choice = p[key]
    if choice is None or choice["code"] != code:
        what = "selected by" if key == "recruitment" else "taking part by"
        raise AssertionError(f"expected stakeholder {sid!r} {what} {code}, but\n{describe_participant(p)}")
    return choice


@then(parsers.re(SH + r" is selected by (?P<code>\w+)" + REASON))
def _(world: World, sid: str, code: str, reason: str | None):
    choice = _choice(world, sid, "recruitment", code)
    check_reasons(f"recruitment of stakeholder {sid!r}", parse_reasons(reason), choice["because"])


@then(parsers.re(SH + r" is not selected by (?P<code>\w+)"))
def _(world: World, sid: str, code: str):
    p = world.participant(sid)
    if (p.get("recruitment") or {}).get("code") == code:
        raise AssertionError(f"expected stakeholder {sid!r} not to be selected by {code}, but\n"
                             f"{describe_participant(p)}")


@then(parsers.re(SH + r" takes part by (?P<code>\w+)" + REASON))
def _(world: World, sid: str, code: str, reason: str | None):
    choice = _choice(world, sid, "mode", code)
    if reason is not None and choice["via"] != "rule":
        raise AssertionError(f"stakeholder {sid!r} takes part by {code} as its {choice['via']} says, not because of "
                             "a rule")
    check_reasons(f"mode of stakeholder {sid!r}", parse_reasons(reason), choice["because"])


@then(parsers.re(SH + r" takes part by (?P<code>\w+) as its (?P<via>role|IAP2 level) says"))
def _(world: World, sid: str, code: str, via: str):
    choice = _choice(world, sid, "mode", code)
    if choice["via"] != ("role" if via == "role" else "level"):
        raise AssertionError(f"stakeholder {sid!r} takes part by {code}, but from its {choice['via']}, not its {via}")


@then(parsers.re(SH + r" (?:takes part|is not excluded)"))
def _(world: World, sid: str):
    _taking_part(world, sid)


@then(parsers.re(SH + r" does not take part as (?P<role>\w+)"))
def _(world: World, sid: str, role: str):
    p = world.participant(sid)
    if p["role"] == role and not p["excluded"]:
        raise AssertionError(f"expected stakeholder {sid!r} not to take part as {role}, but\n"
                             f"{describe_participant(p)}")


@then(parsers.re(SH + r" is excluded" + REASON))
def _(world: World, sid: str, reason: str | None):
    p = world.participant(sid)
    if not p["excluded"]:
        raise AssertionError(f"expected stakeholder {sid!r} to be excluded, but\n{describe_participant(p)}")
    check_reasons(f"exclusion of stakeholder {sid!r}", parse_reasons(reason), p["because"])


@then(parsers.re(SH + r' is excluded with the reason "(?P<text>[^"]+)"'))
def _(world: World, sid: str, text: str):
    p = world.participant(sid)
    if not p["excluded"] or text.lower() not in (p["reason"] or "").lower():
        raise AssertionError(f"expected stakeholder {sid!r} to be excluded with a reason saying {text!r}, but\n"
                             f"{describe_participant(p)}")


@then(parsers.re(r"for " + SH + r" the conclusion of rule (?P<rule>\S+) is overridden(?: by rule (?P<by>\S+))?"))
def _(world: World, sid: str, rule: str, by: str | None):
    p = world.participant(sid)
    hits = [o for o in p["overridden"] if o["rule"] == rule]
    if not hits:
        raise AssertionError(f"expected the conclusion of {rule} about stakeholder {sid!r} to be overridden, but\n"
                             f"{describe_participant(p)}")
    if by:
        check_rules(f"what overrode {rule} for stakeholder {sid!r}", [by],
                    [b["rule"] for o in hits for b in o["by"]], exact=False)


def _derived(world: World, fact: str, subject: str | None) -> list[dict]:
    return [f for f in world.rec()["explanation"]["firings"]
            if f["subject"] == subject and fact in f["concluded"].get("derive", [])]


def _facts_of(world: World, subject: str | None) -> str:
    facts = sorted({d for f in world.rec()["explanation"]["firings"] if f["subject"] == subject
                    for d in f["concluded"].get("derive", [])})
    return ", ".join(facts) or "(none)"


@then(parsers.re(SH + r" is found to be (?:an? )?(?P<fact>\w+)" + REASON))
def _(world: World, sid: str, fact: str, reason: str | None):
    world.participant(sid)
    firings = _derived(world, fact, sid)
    if not firings:
        raise AssertionError(f"expected stakeholder {sid!r} to be found {fact}; the rules found it: "
                             f"{_facts_of(world, sid)}")
    check_reasons(f"{fact} of stakeholder {sid!r}", parse_reasons(reason), firings)


@then(parsers.re(SH + r" is not found to be (?:an? )?(?P<fact>\w+)"))
def _(world: World, sid: str, fact: str):
    world.participant(sid)
    firings = _derived(world, fact, sid)
    if firings:
        raise AssertionError(f"expected stakeholder {sid!r} not to be found {fact}, but "
                             f"{', '.join(rule_ids(firings))} derived it")


@then(parsers.re(r"the project is found to be (?:an? )?(?P<fact>\w+)" + REASON))
def _(world: World, fact: str, reason: str | None):
    firings = _derived(world, fact, None)
    if not firings:
        raise AssertionError(f"expected the project to be found {fact}; the rules found it: "
                             f"{_facts_of(world, None)}")
    check_reasons(f"project fact {fact}", parse_reasons(reason), firings)


@then(parsers.re(r"the project is not found to be (?:an? )?(?P<fact>\w+)"))
def _(world: World, fact: str):
    firings = _derived(world, fact, None)
    if firings:
        raise AssertionError(f"expected the project not to be found {fact}, but "
                             f"{', '.join(rule_ids(firings))} derived it")


@then("every stakeholder group has a role or is excluded")
def _(world: World):
    missing = [p for p in world.rec()["participants"] if p["role"] is None and not p["excluded"]]
    if missing:
        raise AssertionError("no rule gave these groups a role or excluded them: "
                             + ", ".join(p["stakeholder"] for p in missing))


@then("the participants are:")
def _(world: World, datatable: list[list[str]]):
    problems = []
    for row in table_records(datatable):
        sid = row["stakeholder"]
        try:
            p = world.participant(sid)
            if row.get("role", "").lower() == "excluded":
                if not p["excluded"]:
                    raise AssertionError(f"expected excluded, but\n{describe_participant(p)}")
            else:
                _check_role(world, sid, row.get("role") or None, row.get("level") or None, None)
            if row.get("because"):
                check_rules(f"role of stakeholder {sid!r}", split_list(row["because"]), rule_ids(p["because"]),
                            exact=False)
            for key in ("recruitment", "mode"):
                if row.get(key):
                    _choice(world, sid, key, row[key])
        except AssertionError as exc:
            problems.append(f"- {sid}: {exc}")
    if problems:
        raise AssertionError("the participants differ:\n" + "\n".join(problems))
