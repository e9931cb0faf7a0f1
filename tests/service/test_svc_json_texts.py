"""The decision log's canonical text and the API's response text of a recommendation are written by orjson
(service.log.chain, floatless=True) and must be byte for byte what json.dumps writes: the log's hashes and
every stored text depend on it."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine
from service.log.chain import canonical_json, compact_json
from svc_helpers import pilot


def _reference(data, sort: bool) -> str:
    return json.dumps(data, sort_keys=sort, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@pytest.fixture(scope="module")
def recommendations():
    engine = Engine("rules", backend="python")
    try:
        out = []
        for name in ("athens", "malmo", "bremen", "genoa", "milan", "palmela"):
            ctx = pilot(name)
            # names are free text: put every kind of character JSON escapes, or may not, into the output
            # (not NUL: the context schema refuses it, as the decision log cannot store it)
            for i, s in enumerate(ctx["stakeholders"]):
                s["name"] = ["quote \" back \\ slash", "ctrl \x01\x1f\x7f tab\t nl\n cr\r bs\b ff\f",
                             "sep \u2028\u2029 bom \ufeff", "émoji 🏙️ ñ 漢字", "plain"][i % 5]
            out.append(engine.evaluate(ctx))
        return out
    finally:
        engine.close()


def test_recommendations_are_written_exactly_as_json_dumps_writes_them(recommendations):
    for rec in recommendations:
        assert canonical_json(rec, floatless=True) == _reference(rec, True)
        assert compact_json(rec, floatless=True) == _reference(rec, False)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | _TEXT,
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                       max_leaves=20)


@given(_VALUES)
@settings(max_examples=300, deadline=None)
def test_any_floatless_value_is_written_as_json_dumps_writes_it(value):
    assert canonical_json(value, floatless=True) == _reference(value, True)
    assert compact_json(value, floatless=True) == _reference(value, False)


@pytest.mark.parametrize("value", [{"s": "lone \ud800 surrogate"}, {"n": 2**70}, {1: "int key"}],
                         ids=["surrogate", "big-int", "int-key"])
def test_what_orjson_refuses_goes_through_json_dumps(value):
    assert canonical_json(value, floatless=True) == _reference(value, True)
    assert compact_json(value, floatless=True) == _reference(value, False)
