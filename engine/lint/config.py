"""`rules/lint.yaml`: what fails CI is the authors' decision, kept with the rules.

    severity:                 # per finding kind: error | warning | info | off
      shadowed: error
    ignore:                   # accepted findings, each with the author's reason
      - kind: unused_fact
        rule: stakeholders.salience_dormant
        reason: shown to managers in the explanation, read by no rule on purpose
    coverage:
      features: 100           # % of rules the features must fire (CI fails below)
      log: 0                  # % of rules that must have fired in the decision log over the period
    evidence:                 # evaluations of what happened (docs/EVIDENCE.md)
      min_evaluations: 5      # below this many evaluated decisions nothing is a finding
      dropped_share: 0.5      # evidence_dropped: a rule's advice dropped at least this often
      low_score: 2.5          # evidence_low_score: scoring at most this where followed

A missing file means the defaults (each kind's default severity, coverage 100 / 0).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..catalogue import Prose
from ..rulebase import LoadError, RuleBaseError
from ..yamlsource import YamlError, read_yaml
from .findings import ALL_KINDS, Finding

LINT_FILE = "lint.yaml"
Severity = Literal["error", "warning", "info", "off"]


class Ignore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    rule: str | None = None
    reason: Prose

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in ALL_KINDS:
            raise ValueError(f"unknown finding kind {kind!r} (one of {', '.join(ALL_KINDS)})")
        return kind

    def matches(self, finding: Finding) -> bool:
        return finding.kind == self.kind and (self.rule is None or self.rule == finding.rule)


class Coverage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    features: float = Field(100, ge=0, le=100, description="% of rules the features must fire.")
    log: float = Field(0, ge=0, le=100, description="% of rules that must have fired in the decision log.")


class EvidenceThresholds(BaseModel):
    """When evaluations of what happened (service/evidence) count as a finding, and when a rule's advice is
    flagged to its authors (findings evidence_dropped and evidence_low_score)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_evaluations: int = Field(5, ge=1, le=100_000, description="Evaluated decisions below which nothing is "
                                 "presented as a finding (the evidence pages, the API, lint).")
    dropped_share: float = Field(0.5, gt=0, le=1, description="A rule whose advice was dropped in at least this "
                                 "share of the evaluated decisions that say so is flagged.")
    low_score: float = Field(2.5, ge=1, le=5, description="A rule whose advice, where followed, scored at most "
                             "this on average (overall score, 1-5) is flagged.")


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: dict[str, Severity] = Field(default_factory=dict)
    ignore: list[Ignore] = Field(default_factory=list)
    coverage: Coverage = Field(default_factory=Coverage)
    evidence: EvidenceThresholds = Field(default_factory=EvidenceThresholds)

    @field_validator("severity")
    @classmethod
    def _known_kinds(cls, severity: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in severity if k not in ALL_KINDS]
        if unknown:
            raise ValueError(f"unknown finding kind(s) {', '.join(map(repr, unknown))} "
                             f"(one of {', '.join(ALL_KINDS)})")
        return severity

    def severity_of(self, kind: str) -> str:
        return self.severity.get(kind, ALL_KINDS[kind][0])

    def apply(self, findings: list[Finding]) -> list[Finding]:
        for f in findings:
            f.severity = self.severity_of(f.kind)
            for ig in self.ignore:
                if ig.matches(f):
                    f.ignored_because = ig.reason
                    break
        return findings


def load_lint_config(root: str | Path) -> LintConfig:
    """Read `<root>/lint.yaml` (defaults when absent); errors name lint.yaml:line."""
    path = Path(root) / LINT_FILE
    if not path.exists():
        return LintConfig()
    try:
        located = read_yaml(path)
    except YamlError as exc:
        raise RuleBaseError([LoadError(LINT_FILE, exc.line, exc.message)]) from None
    data = located.data if located.data is not None else {}
    errors = []
    severity = data.get("severity") if isinstance(data, dict) else None
    if isinstance(severity, dict):  # name the misspelt kind's own line
        for key in [k for k in severity if k not in ALL_KINDS]:
            errors.append(LoadError(LINT_FILE, located.line_of(("severity", key)),
                                    f"severity.{key}: unknown finding kind (one of {', '.join(ALL_KINDS)})"))
        data = {**data, "severity": {k: v for k, v in severity.items() if k in ALL_KINDS}}
    try:
        config = LintConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            errors.append(LoadError(LINT_FILE, located.line_of(loc), f"{'.'.join(map(str, loc))}: {msg}"))
    if errors:
        raise RuleBaseError(errors)
    return config
