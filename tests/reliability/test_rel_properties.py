"""Property: a recommendation does not depend on the order of stakeholders or of any mapping's keys.

Extends tests/test_determinism.py (fixed contexts, a few seeds) to contexts generated from the
schema by tests/test_agreement.py's strategy, on the shipped rule base with both backends
(tests/test_agreement.py proves the backends agree; cross-process determinism is in test_determinism.py).
"""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine, ResolutionError, load_rulebase
from rel_helpers import REPO

from test_agreement import CONTEXTS          # tests/ is on sys.path (tests/conftest.py)
from test_determinism import reorder


@pytest.fixture(scope="module")
def engines():
    rb = load_rulebase(REPO / "rules")
    out = {backend: Engine(rb, backend=backend) for backend in ("python", "durable")}
    yield out
    for engine in out.values():
        engine.close()


def _evaluate(engine, ctx) -> str:
    try:
        return json.dumps(engine.evaluate(ctx), ensure_ascii=False)
    except ResolutionError as exc:         # a documented refusal: it must not depend on order either
        return f"ResolutionError: {exc}"


@given(ctx=CONTEXTS, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_order_of_stakeholders_and_keys_does_not_matter(engines, ctx, seed):
    shuffled = reorder(ctx, random.Random(seed))
    for backend, engine in engines.items():
        assert _evaluate(engine, ctx) == _evaluate(engine, shuffled), backend
