"""engine.impact: rule base edits, their attribution to changed items, and the Guard, on the shipped rules."""
from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

from engine import Engine, load_rulebase
from engine.diff import diff
from engine.facts import subjects, validate_context
from engine.impact import attribute_all, guard, rulebase_diff

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))

UNITARY_THEN = "      techniques: [public_meeting]\n"
KEY_PLAYER_WHEN = "        - stakeholder.power == high\n        - stakeholder.interest == high\n"


@pytest.fixture(scope="module")
def shipped():
    return load_rulebase(RULES)


@pytest.fixture(scope="module")
def shipped_results(shipped):
    """The shipped rule base's recommendation for each of _variants(), computed once for the module."""
    engine = Engine(shipped, backend="python")
    return [engine.evaluate(ctx) for ctx in _variants()]


def edited(tmp: Path, name: str, *edits: tuple[str, str, str]) -> Path:
    """A copy of rules/ with each (file, old text, new text) replaced once; the old text must be there."""
    root = tmp / name
    shutil.copytree(RULES, root)
    for rel, old, new in edits:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{rel} no longer holds {old!r}: update this test"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def remove_rule(tmp: Path, name: str, rule_id: str) -> Path:
    root = edited(tmp, name)
    for path in (root / "policy").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        start = text.find(f"  - id: {rule_id}\n")
        if start >= 0:
            end = text.find("  - id:", start + 8)
            path.write_text(text[:start] + (text[end:] if end >= 0 else ""), encoding="utf-8")
            return root
    raise AssertionError(f"no rule {rule_id}")


def pilots() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in PILOTS]


def test_a_rule_base_has_no_edit_against_itself_nor_against_a_layout_change(shipped, tmp_path):
    assert rulebase_diff(shipped, shipped).same
    moved = load_rulebase(edited(tmp_path, "moved", ("policy/techniques.yaml", "rules:\n", "rules:\n\n\n  # moved\n")))
    d = rulebase_diff(shipped, moved)
    assert moved.version != shipped.version            # the files differ ...
    assert d.same and d.rules == [] and not d.reordered  # ... but no rule does
    assert "no rule or catalogue edit" in str(d)


def test_added_removed_and_changed_rules_are_named_with_what_changed(shipped, tmp_path):
    root = remove_rule(tmp_path, "e", "techniques.size_small_qualitative")
    text = (root / "policy/techniques.yaml").read_text(encoding="utf-8")
    (root / "policy/techniques.yaml").write_text(
        text.replace(UNITARY_THEN, "      techniques: [public_meeting, open_house]\n", 1)
        + "\n  - id: techniques.new_one\n    title: New\n    rationale: r\n    sources: [thomas1995]\n"
          "    when: public.size == small\n    then:\n      techniques: [open_house]\n", encoding="utf-8")
    new = load_rulebase(root)
    d = rulebase_diff(shipped, new)
    by = {e.rule: e for e in d.rules}
    assert set(by) == {"techniques.size_small_qualitative", "techniques.thomas_unitary", "techniques.new_one"}
    assert by["techniques.size_small_qualitative"].kind == "removed"
    assert by["techniques.thomas_unitary"].kind == "changed" and by["techniques.thomas_unitary"].fields == ["then"]
    assert by["techniques.new_one"].kind == "added"
    assert by["techniques.new_one"].new_where.startswith("policy/techniques.yaml:")
    assert d.edited == set(by) and not d.catalogue and not d.reordered


def test_catalogue_edits_and_rule_order_are_edits_too(shipped, tmp_path):
    root = edited(tmp_path, "cat", ("catalogue/techniques.yaml", "  - code: fact_sheet\n",
                                    "  - code: fact_sheet\n    # relabelled below\n"))
    path = root / "catalogue/techniques.yaml"
    text = path.read_text(encoding="utf-8")
    label_line = next(line for line in text.splitlines()[text.splitlines().index("  - code: fact_sheet"):]
                      if line.strip().startswith("label:"))
    path.write_text(text.replace(label_line, "    label: Fact sheet (renamed)", 1), encoding="utf-8")
    d = rulebase_diff(shipped, load_rulebase(root))
    assert [(e.entry, e.kind) for e in d.catalogue] == [("techniques:fact_sheet", "changed")] and not d.rules

    # swap two rules of one file: no rule changed, but their relative order (a tie-break) did
    root = edited(tmp_path, "order")
    path = root / "policy/techniques.yaml"
    text = path.read_text(encoding="utf-8")
    a = text.index("  - id: techniques.thomas_segmented")
    b = text.index("  - id: techniques.thomas_unitary")
    c = text.index("  - id:", b + 8)
    path.write_text(text[:a] + text[b:c] + text[a:b] + text[c:], encoding="utf-8")
    d = rulebase_diff(shipped, load_rulebase(root))
    assert d.rules == [] and d.reordered and not d.same


def test_a_change_is_attributed_to_the_edited_rule_named_behind_it(shipped, tmp_path):
    new_rb = load_rulebase(edited(tmp_path, "u", ("policy/techniques.yaml", UNITARY_THEN,
                                                 "      techniques: [public_meeting, open_house]\n")))
    edits = rulebase_diff(shipped, new_rb)
    old_e, new_e = Engine(shipped, backend="python"), Engine(new_rb, backend="python")
    seen = 0
    for ctx in pilots():
        old, new = old_e.evaluate(ctx), new_e.evaluate(ctx)
        d = diff(old, new)
        unitary = old["approach"]["code"] == "unitary_consultation" and ctx["public"]["size"] != "small"
        had = any(t["code"] == "open_house" for t in old["techniques"])
        assert (not d.same) == (unitary and not had)
        for change, cause in zip(d.changes, attribute_all(d.changes, edits, old, new)):
            seen += 1
            # open_house is added; a core already full may push another technique to extra (the plan's tiers)
            if (change.item, change.kind) == ("technique:open_house", "added"):
                assert cause.how == "named" and cause.rules == ["techniques.thomas_unitary"]
            else:   # a core already full pushes another technique to extra: the edited rule fired differently
                assert (change.kind, change.old, change.new) == ("changed", "core", "extra")
                assert cause.how == "fired_differently" and cause.rules == ["techniques.thomas_unitary"]
    assert seen, "no pilot is a unitary consultation with a larger public any more: pick another edit"


def test_a_change_through_a_derived_fact_is_attributed_to_the_rule_that_fired_differently(shipped, tmp_path):
    new_rb = load_rulebase(edited(tmp_path, "k", ("policy/stakeholders.yaml", KEY_PLAYER_WHEN,
                                                 "        - stakeholder.power == high\n"
                                                 "        - stakeholder.interest >= medium\n")))
    edits = rulebase_diff(shipped, new_rb)
    assert edits.edited == {"stakeholders.grid_key_player"}
    old_e, new_e = Engine(shipped, backend="python"), Engine(new_rb, backend="python")
    hows = set()
    for ctx in pilots():
        old, new = old_e.evaluate(ctx), new_e.evaluate(ctx)
        d = diff(old, new)
        for change, cause in zip(d.changes, attribute_all(d.changes, edits, old, new)):
            hows.add(cause.how)
            assert cause.rules == ["stakeholders.grid_key_player"]
            if cause.how == "fired_differently":   # the derive rule is not behind the item: a rule reading it is
                assert "stakeholders.grid_key_player" not in change.old_rules + change.new_rules
    assert "fired_differently" in hows


def _variants():
    """The pilots with every public size and several Thomas answers: contexts in and out of an edit's reach."""
    for ctx, size, (quality, info) in itertools.product(pilots(), ["small", "medium", "large", "city_wide"],
                                                        [(True, False), (False, True), (True, True)]):
        ctx = json.loads(json.dumps(ctx))
        ctx["public"]["size"] = size
        ctx["decision"]["quality_requirement"], ctx["decision"]["manager_has_information"] = quality, info
        if quality and info:                    # and no powerful group
            for s in ctx["stakeholders"]:
                s["power"] = "medium"
        yield ctx


@pytest.mark.parametrize("edit", ["unitary_then", "small_removed", "key_player_when"])
def test_the_guard_only_excludes_contexts_the_edit_cannot_change(shipped, shipped_results, tmp_path, edit):
    if edit == "small_removed":
        root = remove_rule(tmp_path, edit, "techniques.size_small_qualitative")
    elif edit == "unitary_then":
        root = edited(tmp_path, edit, ("policy/techniques.yaml", UNITARY_THEN,
                                       "      techniques: [public_meeting, open_house]\n"))
    else:
        root = edited(tmp_path, edit, ("policy/stakeholders.yaml", KEY_PLAYER_WHEN,
                                       "        - stakeholder.power == high\n        - stakeholder.interest >= medium\n"))
    new_rb = load_rulebase(root)
    g = guard(shipped, new_rb, rulebase_diff(shipped, new_rb))
    assert g.exact
    new_e = Engine(new_rb, backend="python")
    excluded = 0
    for ctx, old in zip(_variants(), shipped_results):
        subj = subjects(validate_context(ctx))
        if not g.may_change(subj, old):
            excluded += 1
            assert diff(old, new_e.evaluate(ctx)).same
    assert excluded > 0, "the guard settled no context: it does no work for this edit"


def test_the_guard_gives_up_when_catalogues_or_strata_change(shipped, tmp_path):
    root = edited(tmp_path, "cat", ("catalogue/techniques.yaml", "  - code: fact_sheet\n",
                                    "  - code: fact_sheet\n"))
    path = root / "catalogue/techniques.yaml"
    text = path.read_text(encoding="utf-8")
    a, b = text.index("  - code: fact_sheet"), text.index("  - code: website")
    c = text.index("  - code:", b + 5)
    path.write_text(text[:a] + text[b:c] + text[a:b] + text[c:], encoding="utf-8")   # catalogue order
    new_rb = load_rulebase(root)
    assert not guard(shipped, new_rb, rulebase_diff(shipped, new_rb)).exact
