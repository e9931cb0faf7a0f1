"""Fixtures of the behaviour specification.

The rule base is loaded ONCE per test session (durable backend, the product's
default): every scenario evaluates against that same Engine. Set
COGOV_BDD_RULES to run the features against another rule base directory
(e.g. a policy author's draft); by default it is the shipped rules/.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import Engine, RuleBaseError

from .steps.approach_steps import *  # noqa: F401,F403  (step definitions are fixtures)
from .steps.audit_steps import *  # noqa: F401,F403
from .steps.context_steps import *  # noqa: F401,F403
from .steps.error_steps import *  # noqa: F401,F403
from .steps.evaluation_steps import *  # noqa: F401,F403
from .steps.explain_steps import *  # noqa: F401,F403
from .steps.output_steps import *  # noqa: F401,F403
from .steps.participant_steps import *  # noqa: F401,F403
from .steps.pilot_steps import *  # noqa: F401,F403
from .steps.world import FIRED_RULES, RULES_DIR, World
from .test_rule_coverage import PARTIAL_RUN

COVERAGE_TEST = "test_features_fire_every_rule"


@pytest.fixture(scope="session")
def cogov_engine():
    rules = Path(os.environ.get("COGOV_BDD_RULES", RULES_DIR))
    try:
        engine = Engine(rules, backend="durable")
    except RuleBaseError as exc:
        pytest.fail(f"the rule base {rules} does not load:\n" + "\n".join(f"  {e}" for e in exc.errors),
                    pytrace=False)
    yield engine
    engine.close()


@pytest.fixture
def world(cogov_engine) -> World:
    return World(engine=cogov_engine)


# ---- rule coverage: counted during the run, checked by the last test, written out when asked

def pytest_collection_modifyitems(session, config, items):
    """The coverage test runs last, after every scenario has recorded what fired."""
    last = [i for i in items if i.name == COVERAGE_TEST]
    items[:] = [i for i in items if i.name != COVERAGE_TEST] + last


def pytest_deselected(items):
    scenarios = [i for i in items if i.name != COVERAGE_TEST and "features" in Path(str(i.path)).parts]
    if scenarios:
        scenarios[0].config.stash[PARTIAL_RUN] = f"{len(scenarios)} scenario(s) deselected"


def pytest_sessionfinish(session, exitstatus):
    """`cogov rules coverage` runs the features with COGOV_COVERAGE_OUT set and reads this file."""
    out = os.environ.get("COGOV_COVERAGE_OUT")
    if out:
        import json
        Path(out).write_text(json.dumps({"fired": dict(FIRED_RULES),
                                         "partial": session.config.stash.get(PARTIAL_RUN, None)}),
                             encoding="utf-8")
