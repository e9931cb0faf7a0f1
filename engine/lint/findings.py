"""What the linter reports: findings, their kinds, and how each kind is checked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info", "off")

# kind -> (default severity, how it is checked, what it means)
KINDS: dict[str, tuple[str, str, str]] = {
    "unreachable": ("error", "complete",
                    "no valid context makes the rule fire"),
    "unreachable_alternative": ("warning", "complete",
                                "one alternative (an `any` branch) of the condition can never hold"),
    "contradiction_participant": ("error", "complete",
                                  "two rules of equal priority can give one group different roles or levels; "
                                  "only the tie-break (higher level, then rule order) settles it"),
    "contradiction_approach": ("warning", "complete",
                               "a rule prefers an approach that another rule can eliminate in the same context"),
    "contradiction_technique": ("info", "complete",
                                "a technique can be recommended and avoided in the same context "
                                "(avoiding wins)"),
    "shadowed": ("warning", "complete",
                 "a conclusion of the rule never takes effect: it is always overridden"),
    "redundant": ("warning", "complete",
                  "whenever the rule fires, other rules already produce everything it concludes"),
    "gap_role": ("error", "complete",
                 "a valid context leaves a stakeholder group with no role and no exclusion"),
    "gap_technique": ("error", "complete",
                      "a valid context gets no technique recommended"),
    "gap_approach": ("error", "complete",
                     "a valid context has every approach eliminated (the evaluation fails)"),
    "chaining_cycle": ("warning", "complete",
                       "derived facts support each other in a loop (positive cycle)"),
    "unused_fact": ("warning", "complete",
                    "a derived fact that no rule reads"),
    "unknown_conclusion": ("warning", "complete",
                           "catalogue/terms.yaml gives words for a conclusion no rule derives (a misspelt code, or "
                           "the rules that derived it were removed): readers never see them"),
    "weak_rationale": ("warning", "complete",
                       "the rationale is a placeholder, repeats the title, or is too short to explain the rule"),
    "translation_missing": ("warning", "complete",
                            "a text of the rule base has no translation in a language the rule base translates "
                            "(translations/<lang>/); readers of that language see the English"),
    "translation_stale": ("warning", "complete",
                          "a translation was made from an English text that has changed since (its fingerprint "
                          "differs); readers see the English until it is translated again"),
    "translation_orphan": ("warning", "complete",
                           "a translation's key names no text of the rule base (a removed rule or entry, a typo)"),
}
# Findings about what happened, not about the rules' text: from the evaluations recorded in a decision log, given
# to lint as plain numbers (engine/lint/evidence.py); found only when lint is given evidence.
OBSERVED_KINDS: dict[str, tuple[str, str, str]] = {
    "evidence_dropped": ("warning", "observed",
                         "the rule's advice was dropped in many of the evaluated decisions that say what became of "
                         "it (evidence.dropped_share in lint.yaml, once evidence.min_evaluations say so)"),
    "evidence_low_score": ("warning", "observed",
                           "where the rule's advice was followed, processes scored low on average "
                           "(evidence.low_score in lint.yaml, over at least evidence.min_evaluations)"),
}
ALL_KINDS = {**KINDS, **OBSERVED_KINDS}


@dataclass
class Finding:
    kind: str
    file: str
    line: int
    message: str
    rule: str | None = None
    related: list[str] = field(default_factory=list)
    example: dict[str, Any] | None = None   # a valid context showing it, confirmed by the engine
    example_text: str | None = None
    confirmed: bool | None = None            # None: no example applies (e.g. unreachable)
    severity: str = "warning"
    ignored_because: str | None = None       # suppressed in lint.yaml, with the author's reason

    @property
    def method(self) -> str:
        return ALL_KINDS[self.kind][1]

    def __str__(self) -> str:
        who = f" [{self.rule}]" if self.rule else ""
        return f"{self.file}:{self.line}: {self.severity}: {self.kind}{who} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "file": self.file, "line": self.line,
                "rule": self.rule, "related": self.related, "message": self.message, "method": self.method,
                "example": self.example, "example_text": self.example_text, "confirmed": self.confirmed,
                "ignored_because": self.ignored_because}


@dataclass
class LintReport:
    findings: list[Finding]
    groups: int                   # stakeholder groups in the symbolic model
    seconds: float = 0.0

    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "off" and f.ignored_because is None]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.active() if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.active() if f.severity == "warning"]

    def as_dict(self) -> dict[str, Any]:
        return {"findings": [f.as_dict() for f in self.findings], "groups": self.groups,
                "errors": len(self.errors), "warnings": len(self.warnings),
                "checks": {k: {"method": m, "meaning": d, "default": s} for k, (s, m, d) in KINDS.items()}}
