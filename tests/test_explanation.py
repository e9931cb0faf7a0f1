"""The compact recommendation (engine/explanation.py) stands for the full one: expand(compact(r), rb) is r, byte
for byte as JSON (key order included), for the six pilots and the 256 Thomas contexts on both backends, also
after the compact form went through a JSON text in the engine's key order (as the decision log stores it).
"""
from __future__ import annotations

import copy
import json

import pytest

from engine import Engine, load_rulebase
from engine.errors import ExpansionError
from engine.explanation import compact, expand, is_compact
from test_outputs_unchanged import BACKENDS, REPO, contexts


def _text(data) -> str:
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(REPO / "rules")


@pytest.mark.parametrize("backend", BACKENDS)
def test_expand_of_compact_is_the_recommendation_for_every_golden_context(backend, rulebase):
    engine = Engine(rulebase, backend=backend)
    try:
        checked = 0
        for key, ctx in contexts().items():
            rec = engine.evaluate(copy.deepcopy(ctx))
            stored = json.loads(json.dumps(compact(rec), ensure_ascii=False))   # the log's text, read back
            assert is_compact(stored) and not is_compact(rec)
            assert _text(expand(stored, rulebase)) == _text(rec), key
            checked += 1
        assert checked == 6 + 256
    finally:
        engine.close()


@pytest.fixture(scope="module")
def athens(rulebase):
    engine = Engine(rulebase, backend="python")
    rec = engine.evaluate(contexts()["pilot/athens"])
    engine.close()
    return rec


def test_the_compact_form_holds_no_rule_base_text(athens):
    """Titles, files, lines, sources, conclusions and catalogue labels are left to the rule base."""
    small = compact(athens)
    firing = small["explanation"]["firings"][0]
    assert set(firing) == {"rule", "subject", "matched", "uses"}
    assert "sources" not in small["explanation"]
    assert all("label" not in t for t in small["techniques"])
    assert all(isinstance(b, int) for t in small["techniques"] for b in t["because"])
    assert len(json.dumps(small)) < len(json.dumps(athens)) / 2


def test_a_full_recommendation_expands_to_itself(athens, rulebase):
    assert expand(athens, rulebase) is athens


def test_another_rule_base_version_is_refused(athens, rulebase):
    small = compact(athens)
    small["rulebase"] = {**small["rulebase"], "version": "not-this-one"}
    with pytest.raises(ExpansionError, match="not-this-one") as caught:
        expand(small, rulebase)
    assert caught.value.field == "rulebase.version"


@pytest.mark.parametrize("where,edit,named", [
    ("firing", lambda s: s["explanation"]["firings"][0].update(rule="nowhere.rule"), "explanation.firings[0].rule"),
    ("technique", lambda s: s["techniques"][0].update(code="no_such_technique"), "techniques[0].code"),
    ("reference", lambda s: s["techniques"][0].update(because=[999]), "techniques[0].because"),
    ("form", lambda s: s.update(compact=99), "compact"),
])
def test_what_the_rule_base_lacks_is_an_error_naming_where(athens, rulebase, where, edit, named):
    small = json.loads(json.dumps(compact(athens)))
    edit(small)
    with pytest.raises(ExpansionError) as caught:
        expand(small, rulebase)
    assert caught.value.field == named


def test_a_reference_that_is_not_its_firings_is_kept_as_it_is(athens, rulebase):
    """Only a reference naming exactly its firing's rule and subject becomes the firing's number."""
    odd = copy.deepcopy(athens)
    ref = odd["techniques"][0]["because"][0]
    ref["subject"] = "someone_else"
    small = compact(odd)
    assert small["techniques"][0]["because"][0] == ref
    assert _text(expand(json.loads(json.dumps(small)), rulebase)) == _text(odd)


def test_the_engines_words_for_the_approach_are_kept_as_made(athens, rulebase, monkeypatch):
    """Thomas's approaches are named by the engine's code (engine/approaches.py), not the rule base: a later
    engine that words them otherwise does not re-word a stored decision; a record stored without the words
    reads the running engine's."""
    import dataclasses

    from engine import approaches
    small = compact(athens)
    code = athens["approach"]["code"]
    renamed = dataclasses.replace(approaches.BY_CODE[code], label="Renamed", meaning="Reworded.")
    monkeypatch.setitem(approaches.BY_CODE, code, renamed)
    again = expand(copy.deepcopy(small), rulebase)["approach"]
    assert (again["label"], again["meaning"]) == (athens["approach"]["label"], athens["approach"]["meaning"])
    older = copy.deepcopy(small)
    for name in ("thomas", "label", "iap2_level", "meaning"):
        del older["approach"][name]
    assert expand(older, rulebase)["approach"]["label"] == "Renamed"
