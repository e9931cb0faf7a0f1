"""The rule-mutation check: the edits it makes, that it tells a killed mutant from a survivor, and that the
shipped features kill at least 90% of a seeded sample of the shipped rules' behaviour-changing mutants."""
from __future__ import annotations

import difflib
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from engine import RuleBaseError, load_rulebase, load_rulebase_files
from engine.mutation import KINDS, all_mutants, changed_conditions, mutants, sample
from engine.yamlsource import parse_yaml
from service.mutation import TARGET, MutationReport, mutation_check

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
MINI = REPO / "tests" / "fixtures" / "mini"
FEATURES = REPO / "features"
# The CI sample: sized so that the run takes about a minute on one core. The scenarios of the decision log
# (replay, impact, evidence) are left out for time: each keeps a log of its own and takes seconds, and they
# evaluate only the six pilots' contexts, whose recommendations pilots.feature pins whole. Leaving scenarios
# out can only lower the kill rate.
CI_SEED, CI_LIMIT = 20, 40
LOG_FEATURES = ["replay.feature", "impact.feature", "evidence.feature"]


@pytest.fixture(scope="module")
def shipped():
    return load_rulebase(RULES)


@pytest.fixture(scope="module")
def mini():
    return load_rulebase(MINI)


def _changed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


# ---------------------------------------------------------------- the edits

def test_every_kind_of_edit_is_made_and_each_reads_back_as_one_edit_of_the_rules(shipped):
    every = all_mutants(shipped.files)
    kinds = Counter(m.kind for m in every)
    assert set(kinds) == set(KINDS) and all(kinds.values())
    assert len({m.id for m in every}) == len(every)
    for m in sample(every, seed=1, limit=60):
        assert set(m.files) <= set(shipped.files) and m.file in m.files
        for rel, text in m.files.items():
            assert text != shipped.files[rel], m.id
            # only the lines concerned change (a rule deleted: its block; a priority: one line or a new one)
            changed = _changed_lines(shipped.files[rel], text)
            if m.kind == "condition_changed":
                assert len(changed) == 2, (m.id, changed)            # one line out, one line in
            if m.kind == "priorities_swapped":
                assert 1 <= len(changed) <= 4 and all("priority:" in c for c in changed), (m.id, changed)
            if m.kind == "rule_deleted":
                assert all(c.startswith("-") for c in changed) and any(f"id: {m.rule}" in c for c in changed)
        original = parse_yaml(shipped.files[m.file]).lines
        assert 1 <= m.line <= max(original.values())


def test_a_condition_edit_changes_that_line_only_and_says_where(shipped):
    m = next(m for m in all_mutants(shipped.files) if m.rule == "thomas.r1_information"
             and m.kind == "condition_dropped")
    assert m.describe("rules").startswith(f"rules/policy/thomas.yaml:{m.line} rule thomas.r1_information: "
                                          "condition `")
    changed = _changed_lines(shipped.files["policy/thomas.yaml"], m.files["policy/thomas.yaml"])
    assert len(changed) == 1 and changed[0].startswith("-") and changed[0].strip("- ") in m.what
    assert shipped.files["policy/thomas.yaml"].splitlines()[m.line - 1].strip("- ") in m.what
    rb = load_rulebase_files(m.apply(shipped.files))
    assert len(rb.by_id["thomas.r1_information"].when_raw["all"]) == \
        len(shipped.by_id["thomas.r1_information"].when_raw["all"]) - 1


def test_comparisons_and_values_change_to_their_neighbours():
    said = {new: what for what, new in changed_conditions("public.size >= large")}
    assert said == {"public.size > large": "`>=` changed to `>`",
                    "public.size >= city_wide": "value large changed to city_wide",
                    "public.size >= medium": "value large changed to medium"}
    assert [n for _, n in changed_conditions("not decision.quality_requirement")] == ["decision.quality_requirement"]
    assert [n for _, n in changed_conditions("derived.key_player")] == ["not derived.key_player"]
    listed = [n for _, n in changed_conditions("public.organisation in [organised, mixed]")]
    assert "public.organisation not in [organised, mixed]" in listed
    assert "public.organisation in [mixed]" in listed and "public.organisation in [organised]" in listed
    assert changed_conditions("no such grammar here !") == []


def test_flow_style_rules_are_edited_too(mini):
    """The mini rule base writes `when: [a, b]` and `then: {...}` on one line: those edits are made as well
    (written out whole where a line edit cannot say them), and read back as intended."""
    every = all_mutants(mini.files)
    dropped = [m for m in every if m.rule == "people.key_player" and m.kind == "condition_dropped"]
    assert len(dropped) == 2
    rb = load_rulebase_files(dropped[0].apply(mini.files))
    assert rb.by_id["people.key_player"].when_raw == ["stakeholder.interest >= medium"]
    gap = next(m for m in every if m.rule == "project.facilitation_gap" and "skill_gaps" in m.what)
    rb = load_rulebase_files(gap.apply(mini.files))
    assert not rb.by_id["project.facilitation_gap"].then.skill_gaps


def test_a_seed_chooses_the_same_sample_with_every_kind(shipped):
    first, again = mutants(shipped.files, seed=4, limit=10), mutants(shipped.files, seed=4, limit=10)
    assert [m.id for m in first] == [m.id for m in again]
    assert {m.kind for m in first} == set(KINDS)
    assert [m.id for m in mutants(shipped.files, seed=5, limit=10)] != [m.id for m in first]
    assert len(mutants(shipped.files)) == len(all_mutants(shipped.files))


def test_an_edit_that_leaves_a_rule_concluding_nothing_is_refused_at_load(shipped):
    m = next(m for m in all_mutants(shipped.files) if m.kind == "conclusion_removed"
             and shipped.by_id[m.rule].then.model_dump(exclude_defaults=True).keys() == {"warnings"}
             and len(shipped.by_id[m.rule].then.warnings) == 1)
    with pytest.raises(RuleBaseError, match=m.rule):
        load_rulebase_files(m.apply(shipped.files))


# ---------------------------------------------------------------- the check tells killed from survived

ONE_SCENARIO = """\
    Feature: one
      Scenario: a conflict in a small public
        Given a base project context
        And the decision answers:
          | question | answer |
          | CONF     | yes    |
        And the public:
          | size | small |
        When the context is evaluated
        Then rule project.conflict fired
    """


def _features(tmp_path: Path) -> Path:
    d = tmp_path / "features"
    d.mkdir()
    (d / "conftest.py").write_text("from features.conftest import *  # noqa: F401,F403\n", encoding="utf-8")
    (d / "test_features.py").write_text(
        "from pathlib import Path\nfrom pytest_bdd import scenarios\nscenarios(str(Path(__file__).parent))\n",
        encoding="utf-8")
    (d / "one.feature").write_text(textwrap.dedent(ONE_SCENARIO), encoding="utf-8")
    return d


def test_the_check_kills_what_a_scenario_pins_and_lists_what_none_pins(tmp_path, mini):
    """One scenario pins that the conflict rule fires, nothing else. Negating its condition fails it
    (killed); dropping the mediation it leads to changes the recommendation and the scenario still passes
    (a survivor, listed with the rule's file:line); deleting a rule that never fires here changes nothing
    (equivalent); removing the fact another rule reads does not load (refused)."""
    every = all_mutants(mini.files)

    def pick(rule: str, kind: str, words: str):
        return next(m for m in every if m.rule == rule and m.kind == kind and words in m.what)

    killed = pick("project.conflict", "condition_changed", "`not decision.public_conflict_likely`")
    survivor = pick("project.mediation", "conclusion_removed", "techniques: mediation")
    equivalent = pick("thomas.r4_acceptance", "rule_deleted", "")
    refused = pick("project.conflict", "conclusion_removed", "derive: conflictual")
    report = mutation_check(MINI, ids=[killed.id, survivor.id, equivalent.id, refused.id],
                            features_dir=_features(tmp_path))
    verdicts = {m["id"]: m for m in report.mutants}
    assert {k: verdicts[m.id]["verdict"] for k, m in [("k", killed), ("s", survivor), ("e", equivalent),
                                                        ("r", refused)]} == \
        {"k": "killed", "s": "survived", "e": "equivalent", "r": "refused"}
    assert verdicts[killed.id]["by"] == "test_a_conflict_in_a_small_public"
    assert "project.conflict" in verdicts[killed.id]["because"]
    assert "derived.conflictual is never derived" in verdicts[refused.id]["because"]
    assert report.passing == 1 and report.kill_rate == 50.0 and not report.meets(TARGET)
    text = report.text()
    assert (f"{MINI}/{survivor.file}:{survivor.line} rule project.mediation: conclusion techniques: mediation "
            "removed: no scenario pins this") in text
    assert "technique mediation" in text and "kill rate 50.0% (target 90%)" in text


def _scenarios_of(feature: Path, names: list[str]) -> str:
    """The feature file's heading and Background with only the scenarios named, as written there."""
    blocks = feature.read_text(encoding="utf-8").split("\n  Scenario: ")
    kept = [b for b in blocks[1:] if b.splitlines()[0].strip() in names]
    assert len(kept) == len(names), names
    return "\n  Scenario: ".join([blocks[0], *kept])


def test_the_decision_log_and_what_if_scenarios_run_in_the_check_as_in_the_features_run(tmp_path, shipped):
    """Scenarios run on the durable engine there too, as in the features run: a decision logged by the
    scenario is replayed by durable_rules, exactly (firing numbers too, on which the plain-Python backend
    differs), and a what-if answer is checked by the durable engine. So these pass on the rule base as it
    is; and against a mutant whose recommendations of the pilots differ (deleting the rule that recommends
    a fact sheet), the log, made and replayed under that mutant, is still reproduced: it survives, no
    scenario failing for the backend rather than the edit."""
    d = _features(tmp_path)
    (d / "one.feature").unlink()
    (d / "replay.feature").write_text(_scenarios_of(FEATURES / "replay.feature", [
        "Every pilot comes out the same under the rules that made it",
        "A decision made by an earlier engine that comes out the same is reproduced"]), encoding="utf-8")
    (d / "what_if.feature").write_text(_scenarios_of(FEATURES / "what_if.feature", [
        "Without the conflict in the public, a segmented consultation would do"]), encoding="utf-8")
    deleted = next(m for m in all_mutants(shipped.files) if m.rule == "iap2.inform_baseline"
                   and m.kind == "rule_deleted")
    report = mutation_check(RULES, ids=[deleted.id], features_dir=d)
    assert report.broken == [] and report.passing == report.scenarios == 3, report.text()
    (verdict,) = report.mutants
    assert verdict["verdict"] == "survived", verdict
    assert set(verdict["scenarios"]) == {
        "test_every_pilot_comes_out_the_same_under_the_rules_that_made_it",
        "test_a_decision_made_by_an_earlier_engine_that_comes_out_the_same_is_reproduced",
        "test_without_the_conflict_in_the_public_a_segmented_consultation_would_do"}, verdict


# ---------------------------------------------------------------- the shipped features against the shipped rules

def test_the_features_kill_nine_in_ten_of_the_mutants_that_change_a_recommendation():
    report = mutation_check(RULES, seed=CI_SEED, limit=CI_LIMIT, skip=LOG_FEATURES)
    report.rules = "rules"
    assert len(report.mutants) == CI_LIMIT
    assert report.changing >= CI_LIMIT // 3, report.text()       # the sample does change behaviour
    assert report.meets(TARGET), report.text()


def test_the_report_counts_only_what_changes_a_recommendation():
    results = [{"id": str(n), "kind": kind, "file": "policy/x.yaml", "line": n, "rule": f"x.r{n}",
                "what": "rule deleted", "verdict": verdict}
               for n, (kind, verdict) in enumerate([("rule_deleted", "killed")] * 9 +
                                                   [("rule_deleted", "survived"), ("rule_deleted", "equivalent"),
                                                    ("rule_deleted", "refused")])]
    report = MutationReport(rules="rules", seed=0, mutants=results)
    assert report.changing == 10 and report.kill_rate == 90.0 and report.meets(90) and not report.meets(91)
    assert "rules/policy/x.yaml:9 rule x.r9: rule deleted: no scenario pins this" in report.text()


def test_the_shortcut_for_unchanged_firings_agrees_with_working_out_the_recommendation(shipped):
    """A context whose firings are the same rules for the same subjects, none of them edited, is not resolved
    again (features/mutation_run.py, same_outcome): on the pilots and the base context, for a sample of
    mutants, that shortcut says "same" only where the pinned views are the same."""
    import copy
    import json

    from engine import Engine
    from features.mutation_run import run_rules, same_outcome
    from features.steps.world import BASE_CONTEXT, PILOTS, PILOTS_DIR

    contexts = [json.loads((PILOTS_DIR / f"{p}.json").read_text(encoding="utf-8")) for p in PILOTS]
    contexts.append(copy.deepcopy(BASE_CONTEXT))
    original = Engine(shipped, backend="python")
    shortcuts = differing = 0
    for m in mutants(shipped.files, seed=9, limit=15):
        try:
            engine = Engine(load_rulebase_files(m.apply(shipped.files)), backend="python")
        except RuleBaseError:
            continue
        for ctx in contexts:
            fast = same_outcome(run_rules(original, ctx), run_rules(engine, ctx), set(m.rules))
            same = run_rules(original, ctx).outcome() == run_rules(engine, ctx).outcome()
            assert fast == same, (m.describe(), ctx["project"]["name"])
            differing += not same
            shortcuts += fast and run_rules(engine, ctx).fired == run_rules(original, ctx).fired
    assert shortcuts and differing          # both cases were met
