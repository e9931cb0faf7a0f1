"""Engine.evaluate builds its JSON-ready output directly (engine.resolve.recommendation_data) instead of
validating and dumping the Recommendation model on every evaluation; this holds that output to the models,
which stay the single source of the output schema: for every context, evaluate() is exactly what validating
it with Recommendation and dumping it in JSON mode gives (same keys in the same order, defaults included),
and it holds only plain JSON types (what the decision log and the worker pipe carry)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine import Engine, Recommendation, ResolutionError
from test_agreement import CONTEXTS

REPO = Path(__file__).resolve().parent.parent
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))
PLAIN = (str, int, float, bool, type(None))


def _plain(value, where: str = "$") -> None:
    if isinstance(value, dict):
        assert type(value) is dict, where
        for k, v in value.items():
            assert type(k) is str, f"{where}: key {k!r}"
            _plain(v, f"{where}.{k}")
    elif isinstance(value, list):
        assert type(value) is list, where
        for i, v in enumerate(value):
            _plain(v, f"{where}[{i}]")
    else:
        assert type(value) in PLAIN, f"{where}: {type(value).__name__}"


def check_contract(engine: Engine, ctx: dict) -> None:
    try:
        out = engine.evaluate(ctx)
    except ResolutionError:
        return
    _plain(out)
    via_model = Recommendation.model_validate(out).model_dump(mode="json")
    assert json.dumps(out) == json.dumps(via_model)
    assert engine.recommend(ctx).model_dump(mode="json") == out


@pytest.fixture(scope="module")
def engines():
    made = {b: Engine(REPO / "rules", backend=b) for b in ("durable", "python")}
    yield made
    for e in made.values():
        e.close()


@pytest.mark.parametrize("backend", ["durable", "python"])
@pytest.mark.parametrize("pilot", PILOTS, ids=lambda p: p.stem)
def test_pilot_output_is_the_model_dump(engines, backend, pilot):
    check_contract(engines[backend], json.loads(pilot.read_text(encoding="utf-8")))


@given(CONTEXTS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_output_is_the_model_dump(engines, ctx):
    for backend in ("durable", "python"):
        check_contract(engines[backend], ctx)


def test_outputs_do_not_share_mutable_state(engines):
    """Mutating one answer must not change the next (the rule base's cached conclusions are copied)."""
    ctx = json.loads(PILOTS[0].read_text(encoding="utf-8"))
    for engine in engines.values():
        first = engine.evaluate(ctx)
        want = json.dumps(first)
        for f in first["explanation"]["firings"]:
            f["concluded"].clear()
            f["sources"].clear()
        first["approach"]["feasible"].clear()
        assert json.dumps(engine.evaluate(ctx)) == want
