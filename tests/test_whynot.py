"""engine.whynot: why an item is missing, on a small rule base with every kind of reason, and on the pilots."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import Engine, ItemError, load_rulebase
from engine.approaches import ORDER
from engine.whynot import parse_item, why_not

PILOTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "pilots").glob("*.json"))

THOMAS = [
    ("t.r1", ["decision.quality_requirement", "not decision.manager_has_information"], {"eliminate": ["autonomous"]}),
    ("t.least", "project.objective == efficiency", {"prefer": "least_involving"}),
    ("t.most", "project.objective == capacity_building", {"prefer": "most_involving"}),
]
TECHNIQUES = [
    ("x.online", "public.size >= large", {"techniques": ["online_platform"]}),
    ("x.avoid", "public.digital_access == low", {"avoid_techniques": ["online_platform"]}),
    ("x.digital", "capacity.digital_platform_available", {"derive": ["digital"]}),
    ("x.focus", {"any": [["derived.digital", "public.size == small"], "decision.urgency >= high"]},
     {"techniques": ["focus_group"]}),
]
PEOPLE = [
    ("p.partner", "stakeholder.power == high", {"participant": {"role": "decision_partner", "level": "collaborate"}}),
    ("p.advisor", "stakeholder.holds_information", {"participant": {"role": "advisor", "level": "consult"}}, 60),
    ("p.informed", "stakeholder.power in [low, medium]", {"participant": {"role": "informed", "level": "inform"}}),
]


@pytest.fixture(scope="module")
def rb(tmp_path_factory, h):
    root = h.copy_mini(tmp_path_factory.mktemp("whynot"), policy=False)
    h.write_policy(root, "thomas.yaml", *(h.rule(r, w, t) for r, w, t in THOMAS))
    h.write_policy(root, "techniques.yaml", *(h.rule(r, w, t) for r, w, t in TECHNIQUES))
    h.write_policy(root, "people.yaml", *(h.rule(r[0], r[1], r[2], for_each=True, priority=r[3] if len(r) > 3
                                                 else None) for r in PEOPLE))
    return load_rulebase(root)


def ctx(h, **sections):
    base = dict(decision={"quality_requirement": True, "manager_has_information": False},
                public={"size": "medium", "digital_access": "mixed"},
                stakeholders=[h.stakeholder("alpha", power="high", holds_information=True),
                              h.stakeholder("beta", power="low")],
                capacity={"digital_platform_available": False})
    out = h.make_context(**base)
    for name, value in sections.items():
        out[name] = {**out[name], **value} if isinstance(value, dict) else value
    return out


def test_an_eliminated_approach_names_the_rule_and_the_values_it_matched(rb, h):
    w = why_not(rb, ctx(h), "approach:autonomous")
    assert not w.recommended and w.current == "modified_autonomous"
    assert [(d.how, d.rule) for d in w.defeated_by] == [("eliminated", "t.r1")]
    assert w.defeated_by[0].matched == {"decision.manager_has_information": False, "decision.quality_requirement": True}
    assert "t.r1 ruled it out (decision.manager_has_information = false, decision.quality_requirement = true)" \
        in w.summary


def test_a_feasible_approach_not_chosen_names_the_policy_and_the_preference_that_did_not_apply(rb, h):
    w = why_not(rb, ctx(h), "approach:public_decision")
    assert [(d.how, d.rule) for d in w.defeated_by] == [("not_chosen", "t.least")]
    assert "least_involving" in w.defeated_by[0].reason
    # the most-involving preference would have chosen it; it did not apply, and the answer says why
    (most,) = w.producers
    assert most.rule == "t.most" and not most.fired
    (alt,) = most.alternatives
    assert [(f.condition, f.actual) for f in alt.failed] == [("project.objective == capacity_building", "efficiency")]


def test_a_rule_that_did_not_fire_lists_only_the_failed_literals_with_actual_values(rb, h):
    w = why_not(rb, ctx(h), "technique:online_platform")
    (online,) = w.producers
    assert not online.fired
    assert [(f.condition, f.actual) for a in online.alternatives for f in a.failed] == [("public.size >= large",
                                                                                        "medium")]
    assert w.defeated_by == [] and w.producible


def test_an_avoided_technique_names_the_avoiding_rule(rb, h):
    w = why_not(rb, ctx(h, public={"size": "large", "digital_access": "low"}), "technique:online_platform")
    assert [p.fired for p in w.producers] == [True]
    assert [(d.how, d.rule) for d in w.defeated_by] == [("avoided", "x.avoid")]
    assert w.defeated_by[0].matched == {"public.digital_access": "low"}


def test_a_missing_derived_fact_names_the_rule_that_would_derive_it_and_why_it_did_not(rb, h):
    w = why_not(rb, ctx(h, public={"size": "small"}), "technique:focus_group")
    (focus,) = w.producers
    first, second = focus.alternatives
    (missing,) = first.failed
    assert missing.condition == "derived.digital" and missing.actual is False
    (deriver,) = missing.derived_by
    assert deriver.rule == "x.digital" and not deriver.fired
    assert [(f.condition, f.actual) for f in deriver.alternatives[0].failed] == [
        ("capacity.digital_platform_available == true", False)]
    # an optional answer that was not given is reported as such
    assert [(f.condition, f.actual) for f in second.failed] == [("decision.urgency >= high", None)]
    assert "derived by x.digital did not apply" in w.text()


def test_an_overridden_participant_level_names_the_winner_and_the_policy(rb, h):
    w = why_not(rb, ctx(h), "participant:alpha:collaborate")
    assert w.current == "advisor@consult"
    assert [(p.rule, p.fired) for p in w.producers] == [("p.partner", True)]
    (d,) = w.defeated_by
    assert (d.how, d.rule, d.subject) == ("overridden", "p.partner", "alpha")
    assert "p.advisor" in d.reason and "higher priority" in d.reason


def test_a_participant_rule_is_checked_for_that_stakeholder_only(rb, h):
    w = why_not(rb, ctx(h), "participant:beta:role:decision_partner")
    (partner,) = w.producers
    assert partner.subject == "beta" and not partner.fired
    assert [(f.condition, f.actual) for f in partner.alternatives[0].failed] == [("stakeholder.power == high", "low")]


def test_an_item_no_rule_produces_says_so(rb, h):
    w = why_not(rb, ctx(h), "technique:mediation")
    assert not w.producible and w.producers == []
    assert "no rule of this rule base can ever produce it" in w.summary


def test_a_recommended_item_says_so_with_its_reasons(rb, h):
    w = why_not(rb, ctx(h), "participant:alpha:consult")
    assert w.recommended and [b["rule"] for b in w.because] == ["p.advisor"]
    assert "IS recommended" in w.summary and w.defeated_by == []


@pytest.mark.parametrize("text, message", [
    ("tecnique:focus_group", "did you mean technique?"),
    ("technique:focus_grop", "did you mean focus_group?"),
    ("approach:public_decisions", "did you mean public_decision?"),
    ("participant:alfa:consult", "did you mean alpha?"),
    ("participant:alpha:colaborate", "did you mean collaborate?"),
    ("participant:alpha:role:advisr", "did you mean advisor?"),
    ("warning", "write KIND:CODE"),
])
def test_unreadable_items_are_refused_with_a_hint(rb, text, message):
    with pytest.raises(ItemError, match=message.replace("?", r"\?")):
        parse_item(text, rb, ["alpha", "beta"])


def test_engine_why_not_uses_its_rule_base(rb, h):
    engine = Engine(rb, backend="python")
    assert engine.why_not(ctx(h), "approach:autonomous").defeated_by[0].rule == "t.r1"


# ---- the shipped rule base: every missing item has a reason -------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return load_rulebase(Path(__file__).resolve().parents[1] / "rules")


@pytest.mark.parametrize("pilot", PILOTS, ids=lambda p: p.stem)
def test_every_approach_and_technique_not_recommended_to_a_pilot_has_a_reason(shipped, pilot):
    context = json.loads(pilot.read_text(encoding="utf-8"))
    chosen = Engine(shipped, backend="python").evaluate(context)["approach"]["code"]
    for code in ORDER:
        w = why_not(shipped, context, f"approach:{code}")
        assert w.recommended == (code == chosen)
        if code != chosen:
            assert w.defeated_by and {d.how for d in w.defeated_by} <= {"eliminated", "not_chosen"}
    for code in shipped.catalogue.techniques:
        w = why_not(shipped, context, f"technique:{code}")
        if w.recommended:
            continue
        assert w.defeated_by or not any(p.fired for p in w.producers), code
        for p in w.producers:
            if not p.fired:   # a rule that did not fire failed in every alternative, on at least one literal
                assert p.alternatives and all(a.failed for a in p.alternatives), (code, p.rule)
