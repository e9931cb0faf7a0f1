"""Evidence: what happened after a recommendation, and which advice works where (issue 17).

A manager (for their own decisions) or an evaluator records evaluations of
a logged decision: what was done, who took part, and how it went on
published criteria (schemas.py). They go into the hash-chained log
(service/log/evaluations.py). From them, evidence per technique, rule,
approach and role (aggregate.py): how often the advice was followed, and
how processes scored where it was and where it was not, overall and by
context, with counts and 95% intervals, never a finding below the minimum
number of evaluations in rules/lint.yaml. Charts (charts.py) and the open
data export (export.py, its codebook in docs/EVIDENCE.md) are built on the
same numbers. The API (service/api/evidence.py), the pages
(service/pages/evidence.py) and `cogov rules lint --database-url` use this
module only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from service.auth import EVALUATOR, MANAGER
from service.evidence import aggregate, index
from service.evidence.outcomes import check, overall, representation, statuses
from service.evidence.schemas import EvaluationIn, EvidenceOut, EvidenceOverviewOut, EvidenceRow
from service.log.records import DecisionRecord, EvaluationRecord

KIND_PATHS = {"techniques": "technique", "rules": "rule", "approaches": "approach", "roles": "role"}


def may_record(identity: Any, record: DecisionRecord) -> bool:
    """Evaluators evaluate any decision; a manager their own (local mode holds every role)."""
    return identity.has(EVALUATOR) or (identity.has(MANAGER) and record.caller_name == identity.name)


def validate(evaluation: EvaluationIn, record: DecisionRecord, rulebase: Any) -> list[dict[str, str]]:
    """Everything wrong with `evaluation` of `record` beyond its shape, each naming its field (outcomes.check)."""
    try:
        context = record.context
    except ValueError:
        context = {}
    return check(evaluation, record.recommendation, context if isinstance(context, dict) else {},
                 getattr(rulebase, "catalogue", None))


def body_of(evaluation: EvaluationIn) -> dict[str, Any]:
    """What the log stores of an evaluation: every field, defaults included, so each record reads the same."""
    return evaluation.model_dump(mode="json")


def view(evaluation: EvaluationRecord, record: DecisionRecord) -> dict[str, Any]:
    """An evaluation as the API and the pages show it: as logged, with what it says of each item, its overall
    score and its representation of the public described."""
    try:
        context = record.context
    except ValueError:
        context = {}
    context = context if isinstance(context, dict) else {}
    rep = representation(evaluation.body, context)
    return {**evaluation.as_dict(), "statuses": statuses(evaluation.body, record.recommendation),
            "overall": overall(evaluation.body.get("scores") or {}), "representation": rep["score"],
            "representation_detail": rep}


def views_for(store: Any, record: DecisionRecord) -> list[dict[str, Any]]:
    """The evaluations of one decision, in the order recorded, as view() shows them."""
    return [view(e, record) for e in store.evaluations.for_decision(record.id)]


def evidence_for(store: Any, rulebase: Any, rules_dir: str | Path, kind: str, code: str) -> EvidenceOut | None:
    """The evidence about (kind, code), or None when nothing of that kind has that code (in the rule base
    or the log)."""
    snap = index.snapshot(store)
    if not index.known(rulebase, snap.recommended, kind, code):
        return None
    minimum = index.thresholds(rules_dir).min_evaluations
    return aggregate.evidence(kind, code, index.labeler(rulebase)(kind, code), snap.recommended.get((kind, code), 0),
                              aggregate.buckets(snap.cases).get((kind, code)), minimum)


def overview(store: Any, rulebase: Any, rules_dir: str | Path) -> EvidenceOverviewOut:
    """Every technique, rule, approach and role in the log, with its counts and scores."""
    snap = index.snapshot(store)
    return aggregate.overview(snap.recommended, snap.cases, snap.decisions, snap.evaluations, index.labeler(rulebase),
                              index.thresholds(rules_dir).min_evaluations)


def rule_numbers(store: Any) -> dict[str, dict[str, Any]]:
    """Per rule, the plain numbers engine.lint.evidence judges (for `cogov rules lint --database-url`)."""
    return aggregate.rule_evidence(index.snapshot(store).cases)


def impact_keys(report: Any) -> list[str]:
    """The techniques, approaches, roles and rules behind what an impact report (service.impact) changes,
    as "kind:code": each technique item changed, both approaches of a transition, the roles a participant
    item changes from and to, and every edited rule named."""
    keys: list[str] = []
    for change in report.items:
        kind, _, code = change.item.partition(":")
        if kind == "technique":
            keys.append(f"technique:{code}")
        elif kind == "approach":
            keys += [f"approach:{v}" for v in (change.old, change.new) if v]
        elif kind == "participant":
            keys += [f"role:{v.split('@', 1)[0]}" for v in (change.old, change.new) if v and "@" in v]
    keys += [f"rule:{r.rule}" for r in report.rules if not r.rule.startswith("(")]
    return list(dict.fromkeys(keys))


def of_impact(store: Any, rulebase: Any, rules_dir: str | Path, report: Any) -> dict[str, EvidenceRow]:
    """The evidence behind the items a rule change changes ("kind:code" -> its counts and overall scores),
    for those of them anything is known about; {} while no decision is evaluated."""
    snap = index.snapshot(store)
    if not snap.cases:
        return {}
    minimum = index.thresholds(rules_dir).min_evaluations
    found = aggregate.buckets(snap.cases)
    label = index.labeler(rulebase)
    out: dict[str, EvidenceRow] = {}
    for key in impact_keys(report):
        kind, _, code = key.partition(":")
        bucket = found.get((kind, code))
        if bucket is None:
            continue
        out[key] = aggregate.row(kind, code, label(kind, code), snap.recommended.get((kind, code), 0), bucket,
                                 minimum)
    return out


__all__ = ["KIND_PATHS", "EvaluationIn", "EvidenceOut", "EvidenceOverviewOut", "body_of", "evidence_for",
           "impact_keys", "may_record", "of_impact", "overview", "rule_numbers", "validate", "view", "views_for"]
