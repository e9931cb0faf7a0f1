"""Where rule coverage evidence comes from: a run of the features, or the decision log.

`engine.coverage` holds the counts against the rule base; this module gets
them. The features run in a child pytest (features/conftest.py writes what
fired to COGOV_COVERAGE_OUT), so a broken scenario cannot take the caller
down and the run is bounded by a timeout.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.coverage import Coverage, rule_coverage
from engine.rulebase import RuleBase

REPO = Path(__file__).resolve().parents[1]
FEATURES_DIR = REPO / "features"
COVERAGE_TEST = "features/test_rule_coverage.py::test_features_fire_every_rule"


class CoverageRunError(RuntimeError):
    """The features could not be run to measure coverage."""


@dataclass
class FeaturesRun:
    coverage: Coverage
    passed: bool          # every scenario passed
    summary: str          # pytest's last line, e.g. "394 passed in 12.7s"


def features_coverage(rb: RuleBase, rules_dir: Path, features_dir: Path = FEATURES_DIR,
                      timeout: float = 600) -> FeaturesRun:
    """Run every scenario against the rule base at `rules_dir` and count the rules that fired."""
    with tempfile.TemporaryDirectory(prefix="cogov-coverage-") as tmp:
        out = Path(tmp) / "fired.json"
        env = {**os.environ, "COGOV_BDD_RULES": str(Path(rules_dir).resolve()), "COGOV_COVERAGE_OUT": str(out),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
               str(features_dir), "--deselect", COVERAGE_TEST]
        try:
            proc = subprocess.run(cmd, cwd=features_dir.parent, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CoverageRunError(f"the features did not finish within {timeout:g} s") from None
        if not out.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise CoverageRunError(f"the features did not run (pytest exit {proc.returncode}):\n{tail}")
        data = json.loads(out.read_text(encoding="utf-8"))
    if data.get("partial"):   # e.g. a -k in PYTEST_ADDOPTS: a rule left unfired might be one a skipped scenario fires
        raise CoverageRunError(f"only part of the features ran ({data['partial']}): coverage needs every "
                               "scenario (is PYTEST_ADDOPTS selecting tests?)")
    lines = proc.stdout.strip().splitlines()
    return FeaturesRun(coverage=rule_coverage(rb, data["fired"], "features"), passed=proc.returncode == 0,
                       summary=lines[-1] if lines else "")


def log_coverage(rb: RuleBase, database_url: str, since: datetime | None = None) -> Coverage:
    """Rules that fired in the decisions logged since `since` (all decisions when None)."""
    from service.log import DecisionStore

    store = DecisionStore(database_url, migrate_schema=False)
    try:
        counts = store.rule_fire_counts(since)
    finally:
        store.close()
    label = f"decision log since {since.isoformat()}" if since else "decision log"
    return rule_coverage(rb, counts, label)
