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
from .steps.evidence_steps import *  # noqa: F401,F403
from .steps.explain_steps import *  # noqa: F401,F403
from .steps.output_steps import *  # noqa: F401,F403
from .steps.participant_steps import *  # noqa: F401,F403
from .steps.pilot_steps import *  # noqa: F401,F403
from .steps.world import FIRED_RULES, RULES_DIR, World, check_step_arguments
from .mutation_run import PLUGIN_NAME as MUTATION_PLUGIN
from .test_rule_coverage import PARTIAL_RUN

COVERAGE_TEST = "test_features_fire_every_rule"


@pytest.fixture(scope="session")
def cogov_engine(request):
    mutation = request.config.pluginmanager.get_plugin(MUTATION_PLUGIN)
    if mutation is not None:      # the rule-mutation check runs scenarios against each mutant's engine
        yield mutation.engine()
        return
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


def pytest_bdd_before_step_call(request, feature, scenario, step, step_func, step_func_args):
    """Every rule id and catalogue code a step names must exist in the rule base the scenario runs on,
    with a "did you mean" when it does not (steps/world.py, check_step_arguments): one check for every
    step, so that a misspelt id in a negative step fails instead of passing on nothing."""
    __tracebackhide__ = True
    check_step_arguments(request.getfixturevalue("cogov_engine").rulebase, step.name, step_func_args)


# ---- rule coverage: counted during the run, checked by the last test, written out when asked

def pytest_collection_modifyitems(session, config, items):
    """The coverage test runs last, after every scenario has recorded what fired."""
    last = [i for i in items if i.name == COVERAGE_TEST]
    items[:] = [i for i in items if i.name != COVERAGE_TEST] + last


@pytest.hookimpl(optionalhook=True)   # a hook of pytest-xdist, which `-n 0` or `-p no:xdist` leaves idle
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist with --dist loadfile (pyproject.toml's addopts), every test of features/ goes to
    one worker as one unit, as each test module does: that worker runs all the scenarios, then the coverage
    test (last, above), which so counts the whole features run. (xdist_group marks cannot do this: with
    pytest >= 9.2, --dist loadgroup silently ignores them.)"""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling
    features = Path(__file__).resolve().parent.relative_to(config.rootpath).as_posix() + "/"

    class FeaturesInOneWorker(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return features if nodeid.startswith(features) else super()._split_scope(nodeid)

    return FeaturesInOneWorker(config, log)


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
