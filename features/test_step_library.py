"""Checks of the step library itself (not of the rule base).

- every step written in a .feature file, and every example in STEPS.md, matches exactly one
  step definition, so that authors never hit an ambiguous or unknown phrase;
- a failing reason assertion shows a readable diff of expected vs actual rule ids;
- the value, list and table helpers read what authors write.
"""
from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
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


# ---------------------------------------------------------------- names a step uses must exist

def _arguments(ctx) -> list[str]:
    regex = getattr(ctx.parser, "regex", None)
    if regex is not None:
        return list(regex.groupindex)
    return list(getattr(getattr(ctx.parser, "parser", None), "named_fields", []))


def test_every_step_argument_says_what_it_names():
    """A new step's arguments are classified (checked as a rule id or code, or free): else a misspelt id in it
    would pass unnoticed. Name the argument after what it holds (rule, role, level...) or add it to world.py's
    tables."""
    known = set(w.ARGUMENT_KINDS) | w.CONTEXTUAL_ARGUMENTS | w.FREE_ARGUMENTS
    unknown = sorted({f"{ctx.parser.name!r}: {name}" for ctx in _step_defs() for name in _arguments(ctx)
                      if name not in known})
    assert not unknown, "step arguments world.py does not classify:\n" + "\n".join(unknown)


@pytest.mark.parametrize("text, name, value, kind", [
    ("technique citizen_jury is not recommended", "code", "citizen_jury", "technique"),
    ("the recommended techniques include a, b", "codes", "a, b", "techniques"),
    ("the core techniques are a and b", "codes", "a and b", "techniques"),
    ("the governance arrangements do not include steering_group", "code", "steering_group", "arrangement"),
    ("warning tokenism is not given", "code", "tokenism", "warning"),
    ("skill facilitation is needed but not lacking", "code", "facilitation", "skill"),
    ('stakeholder "x" is not selected by random_selection', "code", "random_selection", "recruitment"),
    ('stakeholder "x" takes part by vote', "code", "vote", "mode"),
    ('stakeholder "x" is not found to be a key_player', "fact", "key_player", "stakeholder fact"),
    ("the project is found to be deliberative_decision", "fact", "deliberative_decision", "project fact"),
    ("the approach changes from A to G", "new", "G", "approach"),
    ("every answer recommends arrangement:steering_group", "item", "arrangement:steering_group", "item"),
    ("a rule edit adding technique no_such_technique to rule techniques.thomas_unitary", "code",
     "no_such_technique", None),
    ('a rule edit replacing "a == b" by "a != b" in rule x.y', "old", "a == b", None),
    ("I ask why not technique:citizen_jurry", "item", "technique:citizen_jurry", None),
    ("rule thomas.r5_conflict did not fire", "rule", "thomas.r5_conflict", "rule"),
])
def test_what_a_step_argument_names(text, name, value, kind):
    assert w.argument_kind(name, text, value) == kind


@pytest.mark.parametrize("kind, value, message", [
    ("rule", "thomas.r5_conflcit", "rule thomas.r5_conflcit is not in the rule base this scenario runs on "
                                   "(did you mean thomas.r5_conflict?)"),
    ("warning", "tokenisme", "warning tokenisme is not in the catalogue of the rule base this scenario runs on "
                             "(catalogue/warnings.yaml) (did you mean tokenism?)"),
    ("technique", "no_such_thing", "technique no_such_thing is not in the catalogue"),
    ("arrangement", "steering_grup", "(did you mean steering_group?)"),
    ("skill", "facilitaton", "(did you mean facilitation?)"),
    ("role", "co_desinger", "(did you mean co_designer?)"),
    ("recruitment", "random_selecton", "(did you mean random_selection?)"),
    ("mode", "deliberation", "(did you mean deliberate?)"),
    ("level", "colaborate", "unknown IAP2 level 'colaborate' (did you mean collaborate?)"),
    ("approach", "public_decisions", "unknown approach 'public_decisions' (did you mean public_decision?)"),
    ("stakeholder fact", "key_playr", "no rule derives the fact key_playr"),
    ("project fact", "key_player", "the fact key_player is derived for each stakeholder group, not for the project"),
    ("reasons", "only because of rules thomas.r5_conflict and thomas.r4_acceptanse",
     "(did you mean thomas.r4_acceptance?)"),
    ("rules", "thomas.r5_conflict, thomas.r3_unstructred", "(did you mean thomas.r3_unstructured?)"),
    ("item", "technique:citizen_jurry", "(did you mean citizen_jury?)"),
])
def test_a_name_the_rule_base_lacks_is_refused_with_a_suggestion(cogov_engine, kind, value, message):
    with pytest.raises(AssertionError) as info:
        w.check_name(cogov_engine.rulebase, kind, value)
    assert message in str(info.value)


def test_names_the_rule_base_has_pass(cogov_engine):
    rb = cogov_engine.rulebase
    for kind, value in [("rule", "thomas.r5_conflict"), ("warning", "tokenism"), ("level", "involve"),
                        ("approach", "C-II"), ("approach", "public_decision"), ("stakeholder fact", "key_player"),
                        ("reasons", "because of rule thomas.r5_conflict"), ("rules", "none"),
                        ("rules", "techniques.thomas_unitary, indirect")]:
        w.check_name(rb, kind, value)
    w.check_step_arguments(rb, "the participants are:", {"datatable": [
        ["stakeholder", "role", "level", "because"], ["residents", "excluded", "", ""],
        ["x", "co_designer", "involve", "stakeholders.phase_co_design_involve"]]})
    with pytest.raises(AssertionError, match="did you mean involve"):
        w.check_step_arguments(rb, "the participants are:", {"datatable": [
            ["stakeholder", "role", "level"], ["x", "co_designer", "invole"]]})


_TYPOS = """\
Feature: Steps that name what the rule base does not have

  Scenario: A misspelt rule in a negative check
    Given a base project context
    When the context is evaluated
    Then rule thomas.r5_conflcit did not fire

  Scenario: A misspelt warning in a negative check
    Given a base project context
    When the context is evaluated
    Then warning tokenisme is not given

  Scenario: A misspelt technique in a negative check
    Given a base project context
    When the context is evaluated
    Then technique citizen_jurry is not recommended

  Scenario: The same checks, spelt right, pass
    Given a base project context
    When the context is evaluated
    Then rule thomas.r5_conflict did not fire
    And warning tokenism is not given
    And technique citizen_jury is not recommended
"""


def test_a_scenario_with_a_misspelt_negative_check_fails_with_a_suggestion(tmp_path):
    """The check runs for every step of a real features run (features/conftest.py's hook), not only for the
    steps this module calls: a feature file of its own, run by pytest as the features are."""
    (tmp_path / "typos.feature").write_text(_TYPOS, encoding="utf-8")
    (tmp_path / "conftest.py").write_text("from features.conftest import *  # noqa: F401,F403\n", encoding="utf-8")
    (tmp_path / "test_typos.py").write_text("from pytest_bdd import scenarios\n\nscenarios('typos.feature')\n",
                                            encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    env.pop("COGOV_COVERAGE_OUT", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--tb=short",
                          "-rfE", str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert "3 failed, 1 passed" in out, out
    assert "rule thomas.r5_conflcit is not in the rule base this scenario runs on " \
           "(did you mean thomas.r5_conflict?)" in out
    assert "warning tokenisme is not in the catalogue" in out and "(did you mean tokenism?)" in out
    assert "technique citizen_jurry is not in the catalogue" in out and "(did you mean citizen_jury?)" in out
