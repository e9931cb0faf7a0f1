"""engine.diff: item keys and differences, on real recommendations of the shipped rule base."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from engine import Engine
from engine.diff import diff, items

PILOTS = Path(__file__).resolve().parents[1] / "examples" / "pilots"


@pytest.fixture(scope="module")
def engine():
    eng = Engine(Path(__file__).resolve().parents[1] / "rules", backend="python")
    yield eng
    eng.close()


def _pilot(name: str) -> dict:
    return json.loads((PILOTS / f"{name}.json").read_text(encoding="utf-8"))


def test_a_recommendation_equals_itself(engine):
    rec = engine.evaluate(_pilot("bremen"))
    result = diff(rec, copy.deepcopy(rec))
    assert result.same and result.changes == [] and result.approach is None
    assert str(result) == "no difference"


def test_items_name_every_section_with_the_rules_behind_it(engine):
    rec = engine.evaluate(_pilot("bremen"))
    it = items(rec)
    assert it["approach"].value == rec["approach"]["code"]
    assert set(it["approach"].rules) == {b["rule"] for b in rec["approach"]["because"]}
    for p in rec["participants"]:
        assert f"participant:{p['stakeholder']}" in it
    for t in rec["techniques"]:
        assert it[f"technique:{t['code']}"].rules
    assert {k for k in it if k.startswith("warning:")} == {f"warning:{w['code']}" for w in rec["warnings"]}


def test_difference_between_two_pilots_lists_approach_first_with_rules(engine):
    old, new = engine.evaluate(_pilot("palmela")), engine.evaluate(_pilot("athens"))
    result = diff(old, new)
    assert not result.same
    assert result.changes[0] is result.approach
    assert result.approach.old == old["approach"]["code"] and result.approach.new == new["approach"]["code"]
    assert result.approach.old_rules and result.approach.new_rules
    # every added or removed technique really is on one side only
    old_t = {t["code"] for t in old["techniques"]}
    new_t = {t["code"] for t in new["techniques"]}
    added = {c.item.split(":", 1)[1] for c in result.changes if c.item.startswith("technique:") and c.kind == "added"}
    removed = {c.item.split(":", 1)[1] for c in result.changes if c.item.startswith("technique:")
               and c.kind == "removed"}
    assert added == new_t - old_t and removed == old_t - new_t


def test_a_changed_participant_level_is_one_change(engine):
    rec = engine.evaluate(_pilot("bremen"))
    other = copy.deepcopy(rec)
    p = next(p for p in other["participants"] if p["role"])
    p["iap2_level"] = "inform" if p["iap2_level"] != "inform" else "empower"
    result = diff(rec, other)
    assert [c.item for c in result.changes] == [f"participant:{p['stakeholder']}"]
    assert result.changes[0].kind == "changed" and result.changes[0].new.endswith("@" + p["iap2_level"])
