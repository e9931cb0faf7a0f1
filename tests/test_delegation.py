"""Delegated authority within stated constraints (issue 14, item 3).

`decision.delegated_within_constraints` says the authority delegates the decision within constraints that
`decision.constraints` states; the recommendation then empowers the public within them, states them up front
and carries a binding commitment, even when the decision has quality requirements.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from engine import ContextError, Engine, ProjectContext, apply_changes, load_rulebase, validate_context, what_if
from engine.report import render_text

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = "EUR 2 million; municipal competences only"


@pytest.fixture(scope="module")
def engine():
    e = Engine(load_rulebase(REPO / "rules"), backend="python")
    yield e
    e.close()


def _budget(h, **decision) -> dict:
    """A city-wide budget with quality requirements that the public would accept if decided alone."""
    return h.make_context(
        project={"activities": ["co_commissioning"]},
        decision={"quality_requirement": True, "acceptance_critical": True, "acceptance_likely_if_autonomous": True,
                  **decision},
        public={"size": "city_wide"}, capacity={"political_support": "high"},
        stakeholders=[h.stakeholder("residents", interest="high", affected=True)])


def test_a_delegation_must_state_its_constraints(h):
    with pytest.raises(ContextError) as exc:
        validate_context(_budget(h, delegated_within_constraints=True))
    assert [(e["field"], e["type"]) for e in exc.value.errors] == [("decision.constraints", "constraints_missing")]


def test_the_json_schema_says_the_same_as_validation(h):
    schema = ProjectContext.model_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for decision, valid in (({"delegated_within_constraints": True}, False),
                            ({"delegated_within_constraints": True, "constraints": ""}, False),
                            ({"delegated_within_constraints": True, "constraints": CONSTRAINTS}, True),
                            ({"delegated_within_constraints": False}, True),
                            ({"constraints": CONSTRAINTS}, True)):
        ctx = _budget(h, **decision)
        assert validator.is_valid(ctx) is valid, decision
        try:
            validate_context(ctx)
            accepted = True
        except ContextError:
            accepted = False
        assert accepted is valid, decision


def test_quality_requirements_alone_no_longer_block_empowerment(engine, h):
    without = engine.evaluate(_budget(h))
    assert without["approach"]["code"] == "autonomous" and without["approach"]["constraints"] is None
    rec = engine.evaluate(_budget(h, delegated_within_constraints=True, constraints=CONSTRAINTS))
    assert rec["approach"]["code"] == "public_decision"
    assert rec["approach"]["constraints"] == CONSTRAINTS
    assert {"binding_commitment", "stated_constraints"} <= {g["code"] for g in rec["governance"]}
    residents = rec["participants"][0]
    assert (residents["role"], residents["iap2_level"], residents["mode"]["code"]) == (
        "delegated_decision_maker", "empower", "vote")
    text = render_text(rec, _budget(h))
    assert f"within these constraints, stated up front: {CONSTRAINTS}" in text


def test_goal_congruence_still_rules_a_delegation_out_and_says_so(engine, h):
    rec = engine.evaluate(_budget(h, delegated_within_constraints=True, constraints=CONSTRAINTS,
                                  public_shares_goals=False))
    assert "public_decision" not in rec["approach"]["feasible"]
    assert "delegation_not_feasible" in {w["code"] for w in rec["warnings"]}
    assert "binding_commitment" not in {g["code"] for g in rec["governance"]}


def test_both_backends_agree_on_a_delegation(h):
    rb = load_rulebase(REPO / "rules")
    durable, python = Engine(rb, backend="durable"), Engine(rb, backend="python")
    try:
        ctx = _budget(h, delegated_within_constraints=True, constraints=CONSTRAINTS)
        a, b = durable.evaluate(copy.deepcopy(ctx)), python.evaluate(copy.deepcopy(ctx))
        assert (a["approach"]["code"], a["approach"]["constraints"]) == (b["approach"]["code"], CONSTRAINTS)
        assert {g["code"] for g in a["governance"]} == {g["code"] for g in b["governance"]}
    finally:
        durable.close()


def test_what_if_may_delegate_a_decision_whose_constraints_are_not_stated_yet(engine, h):
    ctx, changes = apply_changes(_budget(h), [{"field": "decision.delegated_within_constraints", "value": True}])
    assert ctx["decision"]["constraints"]                        # a placeholder: the manager states them later
    assert engine.evaluate(ctx)["approach"]["code"] == "public_decision"
    answer = what_if(engine.rulebase, _budget(h))
    found = [s for s in answer.scenarios if [c.field for c in s.changes] == ["decision.delegated_within_constraints"]]
    assert found and found[0].approach == "public_decision", answer.text()


def test_a_delegated_decision_round_trips_through_json(engine, h):
    rec = engine.evaluate(_budget(h, delegated_within_constraints=True, constraints=CONSTRAINTS))
    assert json.loads(json.dumps(rec))["approach"]["constraints"] == CONSTRAINTS
