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
from .steps.context_steps import *  # noqa: F401,F403
from .steps.error_steps import *  # noqa: F401,F403
from .steps.evaluation_steps import *  # noqa: F401,F403
from .steps.output_steps import *  # noqa: F401,F403
from .steps.participant_steps import *  # noqa: F401,F403
from .steps.pilot_steps import *  # noqa: F401,F403
from .steps.world import RULES_DIR, World


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
