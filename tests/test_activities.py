"""Co-production activities (issue 14): list fields in the context and `contains` in the condition language.

`project.activities` (default [phase]) and a group's `co_produces` entries are read by rules as sets; both
interpreters and the compiler must give `contains` one meaning, and bad input names its field.
"""
from __future__ import annotations

import pytest

from engine import ContextError, Engine, load_rulebase
from engine.compiler import alternatives, literal_key
from engine.conditions import FIELDS, Cmp, ConditionError, holds, parse_line, to_terms
from engine.facts import subjects, validate_context
from engine.matching import compile_literal


def test_list_fields_are_sets_of_their_enums():
    assert FIELDS["project.activities"].kind == "set" and not FIELDS["project.activities"].optional
    assert FIELDS["stakeholder.co_produces"].values == ("co_commissioning", "co_design", "co_delivery",
                                                       "co_assessment")
    assert "running_service" in FIELDS["stakeholder.contributes"].values


def test_contains_parses_and_negates():
    assert parse_line("project.activities contains co_delivery", ()) == Cmp("project.activities", "contains",
                                                                           "co_delivery")
    terms = to_terms(parse_line("not project.activities contains co_delivery", ()))
    assert terms == [(Cmp("project.activities", "not contains", "co_delivery"),)]


@pytest.mark.parametrize("text, message", [
    ("project.activities == co_delivery", "is a list: test a member with"),
    ("project.activities", "is a list"),
    ("public.size contains large", "is not a list"),
    ("project.activities contains co_nothing", "'co_nothing' is not a value of project.activities"),
])
def test_bad_list_conditions_say_why(text, message):
    with pytest.raises(ConditionError, match=message):
        parse_line(text, ("when",))


@pytest.mark.parametrize("op", ["contains", "not contains"])
@pytest.mark.parametrize("actual", [(), ("co_design",), ("co_design", "co_delivery")])
def test_compiled_check_and_engine_test_mean_holds(op, actual):
    lit = Cmp("project.activities", op, "co_delivery")
    state = {"project.activities": actual}
    assert compile_literal(lit)(state, set()) == holds(lit, state, set()) == \
        (("co_delivery" in actual) == (op == "contains"))
    key = literal_key(lit)
    assert key == "project__activities__co_delivery"
    assert alternatives((lit,)) == [[{key: op == "contains"}]]


def _ctx(h, **project):
    return h.make_context(project={"name": "P", **project})


def test_phase_alone_is_one_activity_and_activities_come_in_the_four_cos_order(h):
    assert subjects(validate_context(_ctx(h, phase="co_delivery"))).project["project.activities"] == \
        ("co_delivery",)
    assert subjects(validate_context(_ctx(h))).project["project.activities"] == ()
    got = subjects(validate_context(_ctx(h, activities=["co_delivery", "co_design"], phase="co_design")))
    assert got.project["project.activities"] == ("co_design", "co_delivery")


@pytest.mark.parametrize("project, field", [
    ({"activities": ["co_design"], "phase": "co_delivery"}, "project.phase"),
    ({"activities": ["co_design", "co_design"]}, "project.activities"),
])
def test_contradictory_activities_are_refused_naming_the_field(h, project, field):
    with pytest.raises(ContextError) as exc:
        validate_context(_ctx(h, **project))
    assert [e["field"] for e in exc.value.errors] == [field]


def test_a_group_co_produces_only_in_the_projects_activities(h):
    ctx = _ctx(h, activities=["co_design"])
    ctx["stakeholders"][0]["co_produces"] = [{"activity": "co_design", "contributes": "expertise"},
                                             {"activity": "co_delivery", "contributes": "time"}]
    with pytest.raises(ContextError) as exc:
        validate_context(ctx)
    assert [e["field"] for e in exc.value.errors] == ["stakeholders[0].co_produces[1].activity"]
    ctx["project"]["activities"].append("co_delivery")
    state = subjects(validate_context(ctx)).stakeholders[ctx["stakeholders"][0]["id"]]
    assert state["stakeholder.co_produces"] == ("co_design", "co_delivery")
    assert state["stakeholder.contributes"] == ("time", "expertise")


def test_both_backends_give_volunteers_their_role_under_an_autonomous_decision(h):
    """The issue's example: volunteers of a scheme whose decision is autonomous are implementation partners,
    not the informed public, and the scheme gets its volunteer programme, on both backends alike."""
    ctx = _ctx(h, activities=["co_delivery"])
    ctx["stakeholders"] = [{"id": "volunteers", "name": "Speed watch volunteers", "kind": "citizens",
                            "power": "low", "interest": "high",
                            "co_produces": [{"activity": "co_delivery", "contributes": "time"}]}]
    rb = load_rulebase("rules")
    results = []
    for backend in ("durable", "python"):
        engine = Engine(rb, backend=backend)
        try:
            results.append(engine.evaluate(ctx))
        finally:
            engine.close()
    durable, python = results
    def roles(rec):
        return [(p["stakeholder"], p["role"], p["iap2_level"], [b["rule"] for b in p["because"]])
                for p in rec["participants"]]
    assert roles(durable) == roles(python)
    (p,) = durable["participants"]
    assert (p["role"], p["iap2_level"]) == ("implementation_partner", "consult")
    assert "volunteer_programme" in {t["code"] for t in durable["techniques"]}
    assert {"volunteer_agreement", "safeguarding_insurance"} <= {a["code"] for a in durable["governance"]}
