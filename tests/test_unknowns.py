"""Unknown answers (issue 14, item 5): any yes/no answer of the decision may be "unknown".

The recommendation carries `unknowns` (per unknown answer: does it change the approach, the approach under
each answer, which to find out first) and follows the rule base's stated policy meanwhile; the claims are
checked here against brute force: every combination of the unknown answers evaluated as known answers.
"""
from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ContextError, Engine, ProjectContext, ResolutionError, RuleBaseError, load_rulebase, \
    validate_context
from engine.approaches import ORDER
from engine.context import UNKNOWABLE
from engine.diff import diff
from engine.impact import Guard
from engine.facts import subjects
from engine.report import render_text

REPO = Path(__file__).resolve().parents[1]
THOMAS = ("quality_requirement", "manager_has_information", "problem_structured", "acceptance_critical",
          "acceptance_likely_if_autonomous", "public_shares_goals", "public_conflict_likely")


@pytest.fixture(scope="module")
def engines():
    rb = load_rulebase(REPO / "rules")
    pair = (Engine(rb, backend="durable"), Engine(rb, backend="python"))
    yield pair
    pair[0].close()


def _athens() -> dict:
    return json.loads((REPO / "examples" / "pilots" / "athens.json").read_text(encoding="utf-8"))


def test_every_yes_no_answer_of_the_decision_may_be_unknown_and_nothing_else():
    assert len(UNKNOWABLE) == 10 and {f"decision.{q}" for q in THOMAS} <= set(UNKNOWABLE)
    ctx = _athens()
    ctx["decision"].update({p.split(".")[1]: "unknown" for p in UNKNOWABLE})
    assert validate_context(ctx).unknown_answers() == list(UNKNOWABLE)
    for field, bad in (("decision", {"quality_requirement": "maybe"}), ("capacity", {"prior_coproduction_experience":
                                                                                        "unknown"})):
        wrong = _athens()
        wrong[field].update(bad)
        with pytest.raises(ContextError) as exc:
            validate_context(wrong)
        (error,) = exc.value.errors
        assert error["field"] == f"{field}.{next(iter(bad))}"


def test_the_json_schema_accepts_unknown_answers_exactly_where_validation_does():
    validator = jsonschema.Draft202012Validator(ProjectContext.model_json_schema())
    ctx = _athens()
    ctx["decision"]["public_shares_goals"] = "unknown"
    assert validator.is_valid(ctx)
    ctx["decision"]["public_shares_goals"] = "perhaps"
    assert not validator.is_valid(ctx)


@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_unknowns_say_what_brute_force_finds(engines, data):
    """For any set of unknown Thomas answers (and objective): the approach is the most involving of those the
    combinations lead to; each answer changes the approach exactly when some combination says so, in as many
    combinations; the approach under each answer is right; the first is the one that changes most; and the
    recommendation is the one made with the answers it says it worked with, on both backends alike."""
    durable, python = engines
    ctx = _athens()
    ctx["decision"].update(dict(zip(THOMAS, data.draw(st.lists(st.booleans(), min_size=7, max_size=7)))))
    ctx["project"]["objective"] = data.draw(st.sampled_from(["efficiency", "capacity_building"]))
    unknown = data.draw(st.lists(st.sampled_from(THOMAS), unique=True, min_size=1, max_size=3))
    for q in unknown:
        ctx["decision"][q] = "unknown"
    rec = python.evaluate(copy.deepcopy(ctx))
    other = durable.evaluate(copy.deepcopy(ctx))
    for part in (lambda r: r["unknowns"], lambda r: r["approach"]["code"], lambda r: r["approach"]["policy"],
                 lambda r: r["explanation"]["unknowns_policy"], lambda r: [(t["code"], t["tier"]) for t in r["techniques"]],
                 lambda r: [(p["role"], p["iap2_level"]) for p in r["participants"]]):
        assert part(other) == part(rec)

    def known(values: dict[str, bool]) -> str:
        c = copy.deepcopy(ctx)
        c["decision"].update(values)
        return python.evaluate(c)["approach"]["code"]
    combos = {values: known(dict(zip(unknown, values))) for values in itertools.product((True, False),
                                                                                         repeat=len(unknown))}
    assert rec["approach"]["code"] == max(combos.values(), key=ORDER.index)
    entries = {u["field"].split(".")[1]: u for u in rec["unknowns"]}
    assert list(entries) == [q for q in THOMAS if q in unknown]
    working = tuple(entries[q]["assumed"] for q in unknown)
    assert combos[working] == rec["approach"]["code"]
    for i, q in enumerate(unknown):
        flips = sum(1 for v in combos if v[i] and combos[v] != combos[v[:i] + (False,) + v[i + 1:]])
        u = entries[q]
        assert (u["changes_approach"], u["changes_in"], u["combinations"]) == (flips > 0, flips,
                                                                                2 ** (len(unknown) - 1))
        if flips:
            assert u["approaches"] == {"yes": combos[working[:i] + (True,) + working[i + 1:]],
                                       "no": combos[working[:i] + (False,) + working[i + 1:]]}
        for word, value in (("yes", True), ("no", False)):
            assert set(u["possible"][word]) == {c for v, c in combos.items() if v[i] is value} or not flips
    firsts = [q for q in unknown if entries[q]["first"]]
    changing = [q for q in unknown if entries[q]["changes_approach"]]
    assert len(firsts) == (1 if changing else 0)
    if firsts:
        assert entries[firsts[0]]["changes_in"] == max(entries[q]["changes_in"] for q in changing)
    worked = copy.deepcopy(ctx)
    worked["decision"].update({q: entries[q]["assumed"] for q in unknown})
    same = python.evaluate(worked)
    assert [t["code"] for t in same["techniques"]] == [t["code"] for t in rec["techniques"]]
    assert [(p["role"], p["iap2_level"]) for p in same["participants"]] == \
        [(p["role"], p["iap2_level"]) for p in rec["participants"]]


def test_an_answer_no_approach_rule_reads_is_assumed_and_changes_nothing(engines):
    ctx = _athens()
    ctx["decision"]["uses_personal_data"] = "unknown"
    rec = engines[1].evaluate(ctx)
    (u,) = rec["unknowns"]
    assert (u["field"], u["assumed"], u["changes_approach"], u["first"]) == (
        "decision.uses_personal_data", True, False, False)
    assert "data_protection_plan" in {g["code"] for g in rec["governance"]}
    policy = rec["explanation"]["unknowns_policy"]
    assert policy["id"] == "unknowns.lean_to_acceptance" and policy["file"] == "policy/unknowns.yaml"
    assert "cogov_local_policy" in rec["explanation"]["sources"]
    text = render_text(rec, ctx)
    assert "UNKNOWN ANSWERS" in text and "decision.uses_personal_data: assumed yes" in text
    assert "decision.uses_personal_data = yes (unknown, assumed)" in text


def test_a_rule_base_without_a_policy_refuses_unknown_answers_on_both_backends(h):
    for backend in ("durable", "python"):
        engine = Engine(h.MINI, backend=backend)
        try:
            ctx = h.make_context(decision={"public_conflict_likely": "unknown"})
            with pytest.raises(ResolutionError, match="public_conflict_likely is unknown, and rule base .* states no "
                                                      "policy for unknown answers"):
                engine.evaluate(ctx)
            assert engine.evaluate(h.make_context())["unknowns"] == []
        finally:
            engine.close()


POLICY = """\
unknown_answers:
  id: u.policy
  title: Lean to involvement
  rationale: A test policy for answers the manager does not know yet.
  sources: [thomas1993]
  approach: least_involving
  assume: {ASSUME}
"""


def _assume(**changes) -> str:
    values = {p: True for p in UNKNOWABLE}
    values.update(changes)
    return json.dumps(values)


@pytest.mark.parametrize("assume, message", [
    (json.dumps({p: True for p in UNKNOWABLE[1:]}), "missing: decision.quality_requirement"),
    (_assume(**{"decision.urgency": True}), "decision.urgency is not a yes/no answer of the decision"),
    (_assume(**{"decision.public_conflict_likelyy": True}), "did you mean"),
])
def test_a_bad_policy_is_refused_at_its_line(tmp_path, h, assume, message):
    root = h.copy_mini(tmp_path)
    (root / "policy" / "unknowns.yaml").write_text(POLICY.replace("{ASSUME}", assume), encoding="utf-8")
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase(root)
    text = "\n".join(map(str, exc.value.errors))
    assert message in text and "policy/unknowns.yaml:" in text


def test_one_policy_per_rule_base_and_least_involving_is_followed(tmp_path, h):
    root = h.copy_mini(tmp_path)
    (root / "policy" / "unknowns.yaml").write_text(POLICY.replace("{ASSUME}", _assume()), encoding="utf-8")
    rb = load_rulebase(root)
    assert rb.unknown_policy.spec.id == "u.policy"
    (root / "policy" / "more.yaml").write_text(POLICY.replace("{ASSUME}", _assume()).replace("u.policy", "u.again"),
                                               encoding="utf-8")
    with pytest.raises(RuleBaseError, match="a rule base states one policy for unknown answers: it is already in "
                                            "policy/more.yaml"):
        load_rulebase(root)


def test_the_impact_guard_reevaluates_decisions_with_unknown_answers(engines):
    ctx = _athens()
    ctx["decision"]["public_shares_goals"] = "unknown"
    rec = engines[1].evaluate(ctx)
    guard = Guard(exact=True, edited=frozenset({"nothing.edited"}))
    subj = subjects(validate_context(ctx))
    assert guard.may_change(subj, rec)
    assert not guard.may_change(subj, engines[1].evaluate(_athens()))


def test_finding_out_an_answer_shows_in_a_diff(engines):
    ctx = _athens()
    ctx["decision"]["public_shares_goals"] = "unknown"
    ctx["decision"]["quality_requirement"] = True
    before = engines[1].evaluate(ctx)
    ctx["decision"]["public_shares_goals"] = False
    after = engines[1].evaluate(ctx)
    assert after["unknowns"] == [] and diff(before, after).approach is not None
