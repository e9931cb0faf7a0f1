"""Checks of the step library itself (not of the rule base).

- every step written in a .feature file, and every example in STEPS.md, matches exactly one
  step definition, so that authors never hit an ambiguous or unknown phrase;
- a failing reason assertion shows a readable diff of expected vs actual rule ids;
- the value, list and table helpers read what authors write.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from pytest_bdd.feature import get_features
from pytest_bdd.steps import step_function_context_registry

from .steps import world as w

HERE = Path(__file__).resolve().parent
KEYWORDS = ("Given", "When", "Then", "And", "But")


def _step_defs():
    return [ctx for ctx in list(step_function_context_registry.values())
            if ctx.step_func.__module__.startswith(__package__ + ".steps")]


def _matches(kind: str, text: str):
    return [ctx for ctx in _step_defs() if ctx.type == kind and ctx.parser.is_matching(text)]


def _feature_steps():
    features = get_features([str(p) for p in sorted(HERE.glob("**/*.feature"))])
    for feature in features:
        for template in feature.scenarios.values():
            contexts = [c for ex in template.examples for c in ex.as_contexts()] or [{}]
            for context in contexts:
                scenario = template.render(context)
                for step in scenario.steps:
                    yield f"{Path(feature.filename).name}: {template.name}", step.type, step.name


def test_every_feature_step_matches_exactly_one_definition():
    problems = set()
    count = 0
    for where, kind, text in _feature_steps():
        count += 1
        found = _matches(kind, text)
        if len(found) != 1:
            problems.add(f"{where}: {kind} {text!r} matches {len(found)} step definitions")
    assert count > 0
    assert not problems, "\n".join(sorted(problems))


def _steps_md_examples():
    kind = None
    in_code = False
    for line in (HERE / "STEPS.md").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            kind = None
            continue
        if not in_code:
            continue
        words = line.strip().split(" ", 1)
        if words[0] in KEYWORDS and len(words) == 2:
            if words[0] in ("Given", "When", "Then"):
                kind = words[0].lower()
            yield kind, words[1]


def test_every_documented_step_matches_exactly_one_definition():
    examples = list(_steps_md_examples())
    assert len(examples) > 40
    problems = [f"{kind} {text!r} matches {len(found)} definitions"
                for kind, text in examples if len(found := _matches(kind, text)) != 1]
    assert not problems, "\n".join(problems)


def test_every_step_definition_is_documented():
    documented = list(_steps_md_examples())
    unused = [ctx.parser.name for ctx in _step_defs()
              if not any(ctx.type == kind and ctx.parser.is_matching(text) for kind, text in documented)]
    assert not unused, "step definitions with no example in STEPS.md:\n" + "\n".join(unused)


# ---------------------------------------------------------------- running single steps on a real recommendation

def run_step(world: w.World, kind: str, text: str, datatable=None):
    (ctx,) = _matches(kind, text)
    kwargs = dict(ctx.parser.parse_arguments(text) or {})
    if datatable is not None:
        kwargs["datatable"] = datatable
    return ctx.step_func(world=world, **kwargs)


@pytest.fixture
def genoa(cogov_engine) -> w.World:
    world = w.World(engine=cogov_engine)
    run_step(world, "given", "the Genoa pilot context")
    run_step(world, "when", "the context is evaluated")
    return world


def test_a_wrong_reason_shows_a_diff_of_rule_ids(genoa):
    with pytest.raises(AssertionError) as info:
        run_step(genoa, "then", "the approach is unitary_consultation because of rules "
                                "thomas.r5_conflict and thomas.r9_missing")
    message = str(info.value)
    assert "expected at least: thomas.r5_conflict, thomas.r9_missing" in message
    assert "- thomas.r9_missing" in message
    assert re.search(r"^\s+thomas\.r5_conflict$", message, re.M)
    assert "thomas.choice_time_efficient" in message  # the actual reasons are listed


def test_an_exact_reason_list_shows_unexpected_rules(genoa):
    with pytest.raises(AssertionError) as info:
        run_step(genoa, "then", "segmented_consultation is eliminated only because of rule thomas.r5_conflict")
    message = str(info.value)
    assert "expected exactly:  thomas.r5_conflict" in message
    assert "+ thomas.r3_unstructured" in message


def test_a_wrong_role_shows_what_cogov_said_and_why(genoa):
    with pytest.raises(AssertionError) as info:
        run_step(genoa, "then", 'stakeholder "residents" takes part as consulted_segment at level consult')
    message = str(info.value)
    assert "co_designer at level involve" in message
    assert "stakeholders.phase_co_design_involve" in message


def test_a_missing_item_lists_what_is_there(genoa):
    with pytest.raises(AssertionError) as info:
        run_step(genoa, "then", "technique citizen_jury is recommended")
    assert "public_meeting: because of techniques.thomas_unitary" in str(info.value)


def test_reason_steps_pass_on_the_actual_reasons(genoa):
    approach = genoa.rec()["approach"]
    rules = " and ".join(w.rule_ids(approach["because"]))
    run_step(genoa, "then", f"the approach is unitary_consultation only because of rules {rules}")
    run_step(genoa, "then", "the choice is explained by its preference and the eliminations of the approaches "
                            "passed over")
    run_step(genoa, "then", "every line of the recommendation is explained")


def test_an_avoided_technique_names_the_recommendation_it_overrides(genoa):
    rec = copy.deepcopy(genoa.rec())
    rec["avoided_techniques"] = [{"code": "hackathon", "label": "Hackathon",
                                  "because": [{"rule": "x.avoid", "firing": 1, "subject": None}],
                                  "overrides": [{"rule": "x.recommend", "firing": 2, "subject": None}]}]
    genoa.result = rec
    run_step(genoa, "then", "technique hackathon is avoided because of rule x.avoid")
    run_step(genoa, "then", "avoiding technique hackathon overrides its recommendation by rule x.recommend")
    with pytest.raises(AssertionError, match="x.recommend"):
        run_step(genoa, "then", "avoiding technique hackathon overrides its recommendation by rule x.other")


def test_a_refusal_is_reported_by_then_steps_that_expect_a_recommendation(cogov_engine):
    world = w.World(engine=cogov_engine)
    run_step(world, "given", "a base project context")
    run_step(world, "given", 'the context field "public.size" is huge')
    run_step(world, "when", "the context is evaluated")
    with pytest.raises(AssertionError, match=r"refused the context:\n  public\.size: "):
        run_step(world, "then", "the approach is autonomous")


def test_an_accepted_context_fails_a_refusal_step(cogov_engine):
    world = w.World(engine=cogov_engine)
    run_step(world, "given", "a base project context")
    run_step(world, "when", "the context is evaluated")
    with pytest.raises(AssertionError, match="it recommended autonomous"):
        run_step(world, "then", "the context is refused")


# ---------------------------------------------------------------- helpers

@pytest.mark.parametrize("text, value", [
    ("yes", True), ("No", False), ("true", True), ("3", 3), ("2.5", 2.5), ("null", None),
    ('"yes"', "yes"), ('["a"]', ["a"]), ('{"id": "x"}', {"id": "x"}), ("city_wide", "city_wide"),
    ("the mayor", "the mayor"),
])
def test_parse_value(text, value):
    assert w.parse_value(text) == value


def test_lists_and_approaches():
    assert w.split_list("a.b, c.d and e.f") == ["a.b", "c.d", "e.f"]
    assert w.split_list("none") == []
    assert w.approach_list("A, A-II, C-I, C-II and G") == w.APPROACHES
    assert w.approach_code("unitary_consultation") == "unitary_consultation"
    with pytest.raises(AssertionError, match="unknown approach"):
        w.approach_code("consensus")


def test_context_paths():
    ctx = json.loads(json.dumps(w.BASE_CONTEXT))
    w.set_path(ctx, "stakeholders[0].power", "high")
    w.set_path(ctx, "stakeholders[residents].interest", "low")
    assert ctx["stakeholders"][0]["power"] == "high" and ctx["stakeholders"][0]["interest"] == "low"
    w.set_path(ctx, "project.sponsor", "the mayor")
    assert ctx["project"]["sponsor"] == "the mayor"
    w.remove_path(ctx, "decision.quality_requirement")
    assert "quality_requirement" not in ctx["decision"]
    with pytest.raises(AssertionError, match="no item 3"):
        w.set_path(ctx, "stakeholders[3].power", "low")


def test_slug():
    assert w.slug("Malmö") == "malmo"


def test_gap_and_preference_steps_on_a_crafted_recommendation(genoa):
    rec = copy.deepcopy(genoa.rec())
    rec["gaps"] = ["stakeholder ghosts: no rule gave it a role or excluded it"]
    rec["approach"]["overridden"] = [{"rule": "local.prefer_g", "firing": 1, "value": "public_decision",
                                      "by": [], "reason": "preferred approach is not feasible"}]
    genoa.result = rec
    run_step(genoa, "then", 'there is a gap about "no rule gave it a role"')
    with pytest.raises(AssertionError, match="stakeholder ghosts"):
        run_step(genoa, "then", "there are no gaps")
    run_step(genoa, "then", "the preference of rule local.prefer_g is overridden")
    with pytest.raises(AssertionError, match="local.prefer_g"):
        run_step(genoa, "then", "the preference of rule local.other is overridden")
