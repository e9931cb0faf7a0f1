"""Rule analysis beyond the loader: `lint(rulebase)` finds what a valid rule base can still get wrong.

Contradictions, shadowed and redundant rules, unreachable rules and branches,
gaps (a group with no role, no technique, no approach), positive chaining
cycles, unused derived facts, weak rationales and translations missing or stale; see `findings.KINDS` for
each kind's meaning and whether it is complete, and `config` for how authors
choose what fails CI (`rules/lint.yaml`). Given evidence from the decision
log (evaluations of what happened), also rules whose advice is repeatedly
dropped or scores low: `findings.OBSERVED_KINDS`, engine/lint/evidence.py.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..loader import load_rulebase
from ..rulebase import RuleBase
from .checks import Linter
from .config import LINT_FILE, LintConfig, load_lint_config
from .evidence import evidence_findings
from .findings import ALL_KINDS, KINDS, OBSERVED_KINDS, SEVERITIES, Finding, LintReport
from .translations import conclusion_findings, translation_findings

__all__ = ["ALL_KINDS", "KINDS", "LINT_FILE", "OBSERVED_KINDS", "SEVERITIES", "Finding", "LintConfig", "LintReport",
           "lint", "lint_directory", "load_lint_config"]


def lint(rb: RuleBase, config: LintConfig | None = None, groups: int = 1,
         evidence: Mapping[str, Mapping[str, Any]] | None = None) -> LintReport:
    """Every finding about a loaded rule base, with severities from `config`; with `evidence` (per rule, the
    plain numbers of engine.lint.evidence, counted by the caller from evaluations), the evidence findings too."""
    started = time.monotonic()
    config = config or LintConfig()
    findings = Linter(rb, groups=groups).run() + conclusion_findings(rb) + translation_findings(rb)
    if evidence is not None:
        findings += evidence_findings(rb, evidence, config.evidence)
    config.apply(findings)
    findings.sort(key=lambda f: (f.file, f.line, f.kind, f.rule or ""))
    return LintReport(findings=findings, groups=groups, seconds=time.monotonic() - started)


def lint_directory(root: str | Path) -> LintReport:
    """Load the rule base and its lint.yaml at `root` and lint it (RuleBaseError when either is invalid)."""
    return lint(load_rulebase(root), load_lint_config(root))
