"""Rule coverage by the features: every rule of the rule base must fire in some scenario.

Counted during the normal features run (World.evaluate records each evaluation's fired rules),
checked here once every scenario has run (conftest.py moves this test to the end of the session),
against the threshold of rules/lint.yaml (`coverage.features`). No second run of the features.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.coverage import rule_coverage
from engine.lint import load_lint_config

from .steps.world import FIRED_RULES, RULES_DIR


def test_features_fire_every_rule(request, cogov_engine):
    partial = request.config.stash.get(PARTIAL_RUN, None)
    if partial:
        pytest.skip(f"only part of the features ran ({partial}): rule coverage needs every scenario")
    threshold = load_lint_config(Path(os.environ.get("COGOV_BDD_RULES", RULES_DIR))).coverage.features
    coverage = rule_coverage(cogov_engine.rulebase, FIRED_RULES, "features")
    assert coverage.meets(threshold), "rule coverage by the features is below rules/lint.yaml's threshold:\n" \
        + coverage.text(threshold)


PARTIAL_RUN = pytest.StashKey[str]()
