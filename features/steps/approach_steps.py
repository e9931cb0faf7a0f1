"""Then steps about Thomas's approach: the choice, the feasible set, the eliminations."""
from __future__ import annotations

from pytest_bdd import parsers, then

from .world import (APPROACHES, REASON, World, approach_code, approach_list, check_reasons, check_rules,
                    parse_reasons, rule_ids, show, split_list)


def _eliminated(world: World) -> dict[str, list[dict]]:
    return {e["code"]: e["because"] for e in world.rec()["approach"]["eliminated"]}


def _summary(world: World) -> str:
    a = world.rec()["approach"]
    lines = [f"cogov chose {a['code']} ({a['policy']}), because of {', '.join(rule_ids(a['because'])) or 'no rule'}",
             f"  feasible: {', '.join(a['feasible'])}"]
    for e in a["eliminated"]:
        lines.append(f"  {e['code']} eliminated by {', '.join(rule_ids(e['because']))}")
    return "\n".join(lines)


@then(parsers.re(r"the approach is (?P<approach>[\w-]+)" + REASON))
def _(world: World, approach: str, reason: str | None):
    code = approach_code(approach)
    a = world.rec()["approach"]
    if a["code"] != code:
        raise AssertionError(f"expected the approach {code}, but\n{_summary(world)}")
    check_reasons(f"approach {code}", parse_reasons(reason), a["because"])


@then(parsers.re(r"the approach's IAP2 level is (?P<level>\w+)"))
def _(world: World, level: str):
    actual = world.rec()["approach"]["iap2_level"]
    assert actual == level, f"expected the approach's IAP2 level {level}, got {actual}\n{_summary(world)}"


@then(parsers.re(r"the choice policy is (?P<policy>[\w ]+)"))
def _(world: World, policy: str):
    actual = world.rec()["approach"]["policy"]
    assert actual.startswith(policy), f"expected the choice policy {policy!r}, got {actual!r}"


@then(parsers.re(r"the feasible approaches are (?P<approaches>.+)"))
def _(world: World, approaches: str):
    expected = approach_list(approaches)
    actual = world.rec()["approach"]["feasible"]
    if sorted(expected, key=APPROACHES.index) != actual:
        raise AssertionError(f"expected the feasible approaches {', '.join(expected) or '(none)'}, "
                             f"got {', '.join(actual) or '(none)'}\n{_summary(world)}")


@then(parsers.re(r"(?P<approach>[\w-]+) is eliminated" + REASON))
def _(world: World, approach: str, reason: str | None):
    code = approach_code(approach)
    elim = _eliminated(world)
    if code not in elim:
        raise AssertionError(f"expected {code} to be eliminated, but it is feasible\n{_summary(world)}")
    check_reasons(f"elimination of {code}", parse_reasons(reason), elim[code])


@then(parsers.re(r"(?P<approach>[\w-]+) is (?:not eliminated|feasible)"))
def _(world: World, approach: str):
    code = approach_code(approach)
    elim = _eliminated(world)
    if code in elim:
        raise AssertionError(f"expected {code} to be feasible, but it is eliminated by "
                             f"{', '.join(rule_ids(elim[code]))}\n{_summary(world)}")


@then(parsers.re(r"the rules eliminating (?P<approach>[\w-]+) are (?P<rules>.+)"))
def _(world: World, approach: str, rules: str):
    code = approach_code(approach)
    actual = rule_ids(_eliminated(world).get(code, []))
    check_rules(f"rules eliminating {code}", split_list(rules), actual, exact=True)


@then("the choice is explained by its preference and the eliminations of the approaches passed over")
def _(world: World):
    a = world.rec()["approach"]
    order = APPROACHES if "most_involving" not in a["policy"] else list(reversed(APPROACHES))
    passed = order[:order.index(a["code"])]
    elim = _eliminated(world)
    expected = [r for code in passed for r in rule_ids(elim.get(code, []))]
    winner = a["policy"].split("preference of ")[-1].rstrip(")") if "preference of" in a["policy"] else None
    if winner:
        expected.append(winner)
    expected = list(dict.fromkeys(expected))
    check_rules(f"reasons for choosing {a['code']} (passed over: {', '.join(passed) or 'nothing'})",
                expected, rule_ids(a["because"]), exact=True)


@then(parsers.re(r"the preference of rule (?P<rule>\S+) is overridden"))
def _(world: World, rule: str):
    over = world.rec()["approach"]["overridden"]
    if not any(o["rule"] == rule for o in over):
        raise AssertionError(f"expected the preference of {rule} to be overridden; overridden preferences: "
                             f"{', '.join(o['rule'] for o in over) or '(none)'}")


@then(parsers.re(r'the constraints are stated up front: "(?P<text>[^"]+)"'))
def _(world: World, text: str):
    stated = world.rec()["approach"]["constraints"]
    if stated is None or text.lower() not in stated.lower():
        raise AssertionError(f"expected the constraints stated up front to say {text!r}; "
                             f"they are {stated!r}" if stated else
                             f"expected the constraints stated up front to say {text!r}; none are stated")


@then("no constraints are stated")
def _(world: World):
    stated = world.rec()["approach"]["constraints"]
    if stated is not None:
        raise AssertionError(f"expected no constraints, but the recommendation states {stated!r}")


# ---------------------------------------------------------------- answers the manager does not know yet

def _unknown(world: World, question: str) -> dict:
    from .context_steps import _question_field
    path = f"decision.{_question_field(question)}"
    entries = world.rec()["unknowns"]
    found = next((u for u in entries if u["field"] == path), None)
    if found is None:
        raise AssertionError(f"expected {path} among the unknown answers; they are: "
                             f"{', '.join(u['field'] for u in entries) or 'none'}")
    return found


def _unknowns_shown(world: World) -> str:
    return "\n".join(f"    {u['field']}: assumed {show(u['assumed'])}, "
                     + (f"changes the approach ({u['approaches']}) in {u['changes_in']} of {u['combinations']}"
                        if u["changes_approach"] else "does not change the approach")
                     + (", FIRST" if u["first"] else "") for u in world.rec()["unknowns"]) or "    (none)"


@then(parsers.re(r"answer (?P<question>[\w.-]+) is unknown and (?P<neg>does not change|changes) the approach"))
def _(world: World, question: str, neg: str):
    entry = _unknown(world, question)
    if entry["changes_approach"] != (neg == "changes"):
        raise AssertionError(f"expected {entry['field']} to {'change' if neg == 'changes' else 'not change'} the "
                             f"approach; the unknown answers:\n{_unknowns_shown(world)}")


@then(parsers.re(r"the answer to find out first is (?P<question>[\w.-]+)"))
def _(world: World, question: str):
    entry = _unknown(world, question)
    if not entry["first"]:
        raise AssertionError(f"expected {entry['field']} to be found out first; the unknown answers:\n"
                             f"{_unknowns_shown(world)}")


@then("no unknown answer has to be found out first")
def _(world: World):
    first = [u["field"] for u in world.rec()["unknowns"] if u["first"]]
    if first:
        raise AssertionError(f"{first[0]} is to be found out first; the unknown answers:\n{_unknowns_shown(world)}")


@then(parsers.re(r"while it is unknown, answer (?P<question>[\w.-]+) is taken as (?P<value>yes|no)"))
def _(world: World, question: str, value: str):
    entry = _unknown(world, question)
    if entry["assumed"] != (value == "yes"):
        raise AssertionError(f"expected {entry['field']} taken as {value}; the unknown answers:\n"
                             f"{_unknowns_shown(world)}")


@then(parsers.re(r"if answer (?P<question>[\w.-]+) turned out (?P<value>yes|no), the approach would be "
                 r"(?P<approach>[\w-]+)"))
def _(world: World, question: str, value: str, approach: str):
    entry = _unknown(world, question)
    got = entry["approaches"].get(value) if entry["changes_approach"] else world.rec()["approach"]["code"]
    if got != approach_code(approach):
        raise AssertionError(f"if {entry['field']} turned out {value}, the approach would be {got}; the unknown "
                             f"answers:\n{_unknowns_shown(world)}")


@then(parsers.re(r"the approach follows the policy (?P<policy>[\w.]+) for unknown answers"))
def _(world: World, policy: str):
    followed = world.rec()["explanation"]["unknowns_policy"]
    if followed is None or followed["id"] != policy:
        raise AssertionError(f"expected the policy {policy} for unknown answers; the recommendation follows "
                             f"{followed['id'] if followed else 'none (every answer is known)'}")
    if policy not in world.rec()["approach"]["policy"]:
        raise AssertionError(f"the approach's choice does not say it follows {policy}: "
                             f"{world.rec()['approach']['policy']}")


@then("there are no unknown answers")
def _(world: World):
    if world.rec()["unknowns"]:
        raise AssertionError(f"the unknown answers:\n{_unknowns_shown(world)}")
