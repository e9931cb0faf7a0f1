"""Evidence findings: rules whose advice is repeatedly dropped, or scores low where it was followed.

The engine reads no log: the caller (`cogov rules lint --database-url`, the
service) counts, per rule, the evaluated decisions in which its advice was
followed or dropped and the overall score where followed, and passes them
here as plain numbers. The thresholds are the authors' (rules/lint.yaml,
`evidence:`); nothing is flagged below evidence.min_evaluations decisions,
so a handful of evaluations never becomes a finding.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rulebase import RuleBase
from .config import EvidenceThresholds
from .findings import Finding


def evidence_findings(rb: RuleBase, evidence: Mapping[str, Mapping[str, Any]],
                      thresholds: EvidenceThresholds) -> list[Finding]:
    """Findings for the rules of `rb` given `evidence`: rule id -> {"followed": int, "not_followed": int,
    "score_n": int, "score_mean": float | None} (evaluated decisions in which the rule's advice was followed,
    dropped, and the overall score where followed). Rules not in `rb` are skipped."""
    out: list[Finding] = []
    minimum = thresholds.min_evaluations
    for rule in rb.rules:
        numbers = evidence.get(rule.id)
        if not numbers:
            continue
        followed, dropped = int(numbers.get("followed") or 0), int(numbers.get("not_followed") or 0)
        known = followed + dropped
        if known >= minimum and dropped / known >= thresholds.dropped_share:
            out.append(Finding(
                "evidence_dropped", rule.file, rule.line, rule=rule.id,
                message=f"its advice was dropped in {dropped} of the {known} evaluated decisions that say what "
                        f"became of it ({dropped / known:.0%}; evidence.dropped_share is "
                        f"{thresholds.dropped_share:.0%}): read their reasons on the evidence page"))
        n, mean = int(numbers.get("score_n") or 0), numbers.get("score_mean")
        if n >= minimum and mean is not None and mean <= thresholds.low_score:
            out.append(Finding(
                "evidence_low_score", rule.file, rule.line, rule=rule.id,
                message=f"where its advice was followed, processes scored {mean:.2f} of 5 on average over {n} "
                        f"evaluated decisions (evidence.low_score is {thresholds.low_score:g})"))
    return out
