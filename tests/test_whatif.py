"""engine.whatif: the counterfactual search is minimal, complete up to its bound, ordered, and checked."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import ChangeError, Engine, apply_changes, load_rulebase
from engine.whatif import _options, searchable_fields, what_if

REPO = Path(__file__).resolve().parents[1]
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))


def _pilot(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shipped():
    return load_rulebase(REPO / "rules")


@pytest.fixture(scope="module")
def python(shipped):
    return Engine(shipped, backend="python")


def _fields(scenario) -> frozenset[str]:
    return frozenset(c.field for c in scenario.changes)


@pytest.mark.parametrize("pilot", PILOTS, ids=lambda p: p.stem)
def test_no_returned_change_set_is_a_superset_of_another(shipped, pilot):
    result = what_if(shipped, _pilot(pilot), max_changes=3, limit=50)
    sets = [_fields(s) for s in result.scenarios]
    assert sets, "every pilot's approach can be changed by some answers"
    for i, a in enumerate(sets):
        for j, b in enumerate(sets):
            assert i == j or not a <= b, (a, b)
    # closest first: never more changes before fewer
    sizes = [len(s) for s in sets]
    assert sizes == sorted(sizes)
    assert result.errors == []


@pytest.mark.parametrize("pilot", PILOTS, ids=lambda p: p.stem)
def test_single_changes_found_are_exactly_those_a_brute_force_finds(shipped, python, pilot):
    """Pruning by the rules the approach depends on loses nothing: every single answer changed, on the
    whole rule base, changes the approach if and only if the search reports it."""
    context = _pilot(pilot)
    original = python.evaluate(context)["approach"]["code"]
    base = json.loads(json.dumps(context))
    expected = set()
    for info in searchable_fields():
        section, name = info.path.split(".")
        for _dist, value in _options(info, base[section].get(name)):
            changed, _ = apply_changes(base, [{"field": info.path, "value": value}])
            if python.evaluate(changed)["approach"]["code"] != original:
                expected.add(info.path)
    result = what_if(shipped, context, max_changes=1, limit=100)
    assert {c.field for s in result.scenarios for c in s.changes} == expected


def test_every_scenario_reaches_the_target_and_explains_itself(shipped, python):
    context = _pilot(PILOTS[0])
    result = what_if(shipped, context, max_changes=2, limit=5)
    for s in result.scenarios:
        changed, _ = apply_changes(context, [{"field": c.field, "value": c.new} for c in s.changes])
        rec = python.evaluate(changed)
        assert s.approach == rec["approach"]["code"] != result.original_approach
        assert s.recommendation["approach"]["because"] and s.recommendation["explanation"]["firings"]
        assert s.diff.approach is not None and s.diff.approach.new == s.approach
        assert s.sentence.startswith("if ") and f"instead of {result.original_approach}" in s.sentence


def test_the_sentence_reads_like_the_issue(shipped):
    context = _pilot(REPO / "examples" / "pilots" / "genoa.json")
    result = what_if(shipped, context, max_changes=2, limit=20)
    sentences = [s.sentence for s in result.scenarios]
    assert ("if manager_has_information were true and public_conflict_likely were false, the approach would be "
            "segmented_consultation (C-I) instead of unitary_consultation") in sentences


def test_a_named_item_can_be_the_target(shipped, python):
    context = _pilot(REPO / "examples" / "pilots" / "milan.json")
    assert "citizen_advisory_committee" not in {t["code"] for t in python.evaluate(context)["techniques"]}
    result = what_if(shipped, context, item="technique:citizen_advisory_committee", max_changes=2, limit=3)
    assert result.target == "technique:citizen_advisory_committee" and result.scenarios
    for s in result.scenarios:
        assert "citizen_advisory_committee" in {t["code"] for t in s.recommendation["techniques"]}
        assert "would be recommended" in s.sentence


def test_the_bound_stops_the_search_and_says_so(shipped):
    context = _pilot(PILOTS[0])
    result = what_if(shipped, context, item="technique:citizen_jury", max_changes=3, limit=5, max_evaluations=7)
    assert result.evaluations == 7 and result.bound_hit and not result.complete
    assert "stopped at the bound of 7" in result.text()


def test_the_search_is_deterministic(shipped):
    context = _pilot(PILOTS[1])
    a = what_if(shipped, context, max_changes=2, limit=10)
    b = what_if(shipped, context, max_changes=2, limit=10)
    assert [[(c.field, c.new) for c in s.changes] for s in a.scenarios] == \
           [[(c.field, c.new) for c in s.changes] for s in b.scenarios]


def test_the_durable_engine_rechecks_every_scenario(shipped):
    engine = Engine(shipped, backend="durable")
    try:
        result = engine.what_if(_pilot(PILOTS[2]), max_changes=2, limit=3)
    finally:
        engine.close()
    assert result.scenarios and all(s.checked_by == "durable" and s.agrees for s in result.scenarios)
    assert result.errors == []


def test_a_disagreeing_checker_is_reported_not_hidden(tmp_path, h, shipped):
    """A checking engine whose rule base picks the most involving approach disagrees: the result says so."""
    root = tmp_path / "rules"
    import shutil
    shutil.copytree(REPO / "rules", root)
    thomas = root / "policy" / "thomas.yaml"
    text = thomas.read_text(encoding="utf-8")
    assert "prefer: least_involving" in text
    thomas.write_text(text.replace("prefer: least_involving", "prefer: most_involving"), encoding="utf-8")
    other = Engine(root, backend="python")
    assert other.rulebase.version != shipped.version
    result = what_if(shipped, _pilot(REPO / "examples" / "pilots" / "genoa.json"), max_changes=2, limit=10,
                     reevaluate=other.evaluate, checker="other")
    assert result.errors and any("other and the Python evaluator disagree" in e for e in result.errors)
    assert any(not s.agrees for s in result.scenarios)


def test_changes_are_validated_naming_the_field(h):
    context = h.make_context()
    with pytest.raises(ChangeError) as err:
        apply_changes(context, [{"field": "decision.public_conflict_likly", "value": True},
                                {"field": "public.size", "value": "huge"},
                                {"field": "decision.urgency", "value": None},
                                {"field": "decision.quality_requirement", "value": "yes"},
                                {"field": "public.size", "value": "small"},
                                {"field": "public.size", "value": "large"}])
    errors = {e["field"]: e["message"] for e in err.value.errors}
    assert "did you mean decision.public_conflict_likely?" in errors["changes[0].field"]
    assert "'huge' is not a value of public.size" in errors["changes[1].value"]
    assert "changes[2].value" not in errors   # an optional answer may be unset
    assert "true or false" in errors["changes[3].value"]
    assert "changed twice" in errors["changes[5].field"]
    changed, applied = apply_changes(context, [{"field": "public.size", "value": "small"}])
    assert changed["public"]["size"] == "small" and (applied[0].old, applied[0].new) == ("large", "small")


@pytest.mark.parametrize("pilot", PILOTS, ids=lambda p: p.stem)
def test_no_part_of_a_returned_change_set_already_changes_the_approach(shipped, python, pilot):
    """Minimal against the whole rule base, not only among the results: dropping any one change from a
    result (the others applied with the same values) leaves the approach as it was."""
    context = _pilot(pilot)
    original = python.evaluate(context)["approach"]["code"]
    result = what_if(shipped, context, max_changes=2, limit=20)
    assert not result.bound_hit
    for s in result.scenarios:
        if len(s.changes) < 2:
            continue
        for left_out in s.changes:
            rest = [{"field": c.field, "value": c.new} for c in s.changes if c is not left_out]
            changed, _ = apply_changes(context, rest)
            assert python.evaluate(changed)["approach"]["code"] == original, (s.sentence, left_out.field)
