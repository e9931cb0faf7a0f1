"""Rule analysis beyond the loader: `lint(rulebase)` finds what a valid rule base can still get wrong.

Contradictions, shadowed and redundant rules, unreachable rules and branches,
gaps (a group with no role, no technique, no approach), positive chaining
cycles, unused derived facts and weak rationales; see `findings.KINDS` for
each kind's meaning and whether it is complete, and `config` for how authors
choose what fails CI (`rules/lint.yaml`).
"""
from __future__ import annotations

import time
from pathlib import Path

from ..loader import load_rulebase
from ..rulebase import RuleBase
from .checks import Linter
from .config import LINT_FILE, LintConfig, load_lint_config
from .findings import KINDS, SEVERITIES, Finding, LintReport

__all__ = ["KINDS", "LINT_FILE", "SEVERITIES", "Finding", "LintConfig", "LintReport", "lint", "lint_directory",
           "load_lint_config"]


def lint(rb: RuleBase, config: LintConfig | None = None, groups: int = 1) -> LintReport:
    """Every finding about a loaded rule base, with severities from `config`."""
    started = time.monotonic()
    findings = Linter(rb, groups=groups).run()
    (config or LintConfig()).apply(findings)
    findings.sort(key=lambda f: (f.file, f.line, f.kind, f.rule or ""))
    return LintReport(findings=findings, groups=groups, seconds=time.monotonic() - started)


def lint_directory(root: str | Path) -> LintReport:
    """Load the rule base and its lint.yaml at `root` and lint it (RuleBaseError when either is invalid)."""
    return lint(load_rulebase(root), load_lint_config(root))
