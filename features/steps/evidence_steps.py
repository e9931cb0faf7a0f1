"""Steps for evaluations of what happened after a decision, and the evidence (service.evidence).

They work on the decision log of the replay and impact steps (audit_steps.py: the six pilots' decisions),
recording evaluations the way the service does (validated against the decision, then appended to the
log). Every evaluation they make is synthetic test data and marked so.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from pytest_bdd import parsers, then, when
from sqlalchemy import text as sql

from service import evidence
from service.cli import main
from service.evidence import export
from service.evidence.schemas import EvaluationIn
from service.http import field_path

from .audit_steps import Audit, _pilot
from .world import PILOTS, PILOTS_DIR, RULES_DIR


class _Evaluator:
    name, role = "scenario-evaluator", "evaluator"


@dataclass
class Outcomes:
    errors: list[dict[str, str]] = field(default_factory=list)     # the last refusal's errors, by field


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()


def _record(audit: Audit, rulebase: Any, name: str, body: dict[str, Any], outcomes: Outcomes) -> None:
    """Validate and record `body` for the pilot's decision, as POST /decisions/{id}/outcomes does; a refusal
    is kept (field -> message) for the Then steps."""
    decision = audit.store.get(audit.ids[name])
    body = {"synthetic": True, "notes": "SYNTHETIC scenario evaluation", **body}
    try:
        evaluation = EvaluationIn.model_validate(body)
    except ValidationError as exc:
        outcomes.errors = [{"field": field_path(e["loc"]), "message": e["msg"]} for e in exc.errors(include_url=False)]
        return
    outcomes.errors = evidence.validate(evaluation, decision, rulebase)
    if not outcomes.errors:
        audit.store.evaluations.record(decision_id=decision.id, identity=_Evaluator(),
                                       evaluation=evidence.body_of(evaluation))


def _all_but(audit: Audit, name: str, technique: str) -> list[str]:
    codes = [t["code"] for t in audit.stored[name]["techniques"]]
    if technique not in codes:
        raise AssertionError(f"the {name} decision did not recommend {technique}: it recommended {', '.join(codes)}")
    return [c for c in codes if c != technique]


# ---- When -----------------------------------------------------------------------------------------------

@when(parsers.parse("the {city} decision is evaluated with technique {technique} dropped"))
def _(audit: Audit, outcomes: Outcomes, cogov_engine, city: str, technique: str):
    name = _pilot(city)
    _record(audit, cogov_engine.rulebase, name, {"techniques_used": _all_but(audit, name, technique),
                                                 "participants": 30, "scores": {"influence": 3}}, outcomes)
    assert not outcomes.errors, outcomes.errors


@when(parsers.parse("every pilot's decision is evaluated with technique {technique} dropped"))
def _(audit: Audit, outcomes: Outcomes, cogov_engine, technique: str):
    for name in PILOTS:
        _record(audit, cogov_engine.rulebase, name, {"techniques_used": _all_but(audit, name, technique),
                                                     "participants": 30, "scores": {"influence": 3}}, outcomes)
        assert not outcomes.errors, outcomes.errors


@when(parsers.parse("an evaluation of the {city} decision gives {what}"))
def _(audit: Audit, outcomes: Outcomes, cogov_engine, city: str, what: str):
    """`what`: '"CODE" as a technique used' (after two recommended ones), 'N participants', 'an influence
    score of N', 'the group "ID" as one that took part'."""
    name = _pilot(city)
    body: dict[str, Any] = {"techniques_used": [t["code"] for t in audit.stored[name]["techniques"]][:2],
                            "participants": 30}
    if m := re.fullmatch(r'"([^"]*)" as a technique used', what):
        body["techniques_used"].append(m.group(1))
    elif m := re.fullmatch(r"(-?\d+) participants", what):
        body["participants"] = int(m.group(1))
    elif m := re.fullmatch(r"an? (\w+) score of (-?\d+)", what):
        body["scores"] = {m.group(1): int(m.group(2))}
    elif m := re.fullmatch(r'the group "([^"]*)" as one that took part', what):
        body["groups"] = [{"stakeholder": m.group(1), "participants": 5}]
    else:
        raise AssertionError(f"cannot read {what!r}: see STEPS.md for what an evaluation may give")
    _record(audit, cogov_engine.rulebase, name, body, outcomes)


@when("someone rewrites the scores of the last evaluation in the database")
def _(audit: Audit):
    seq = audit.store.evaluations.head()[0]
    with audit.store.engine.begin() as conn:
        raw = conn.execute(sql("SELECT body FROM evaluations WHERE seq = :s"), {"s": seq}).scalar_one()
        body = json.loads(raw)
        body["scores"] = {"influence": 5}
        conn.execute(sql("UPDATE evaluations SET body = :b WHERE seq = :s"), {"b": json.dumps(body), "s": seq})


# ---- Then -----------------------------------------------------------------------------------------------

def _evidence(audit: Audit, rulebase: Any, technique: str):
    found = evidence.evidence_for(audit.store, rulebase, RULES_DIR, "technique", technique)
    assert found is not None, f"no evidence about technique {technique}"
    return found


@then(parsers.parse("technique {technique} was followed in {n:d} of {m:d} evaluated decisions"))
def _(audit: Audit, cogov_engine, technique: str, n: int, m: int):
    ev = _evidence(audit, cogov_engine.rulebase, technique)
    said = f"followed in {ev.followed}, dropped in {ev.not_followed}, not said in {ev.unknown} of {ev.evaluated}"
    assert (ev.followed, ev.evaluated) == (n, m), f"expected followed in {n} of {m}; the evidence says {said}"


@then(parsers.parse("nothing about technique {technique} is presented as a finding"))
def _(audit: Audit, cogov_engine, technique: str):
    ev = _evidence(audit, cogov_engine.rulebase, technique)
    findings = [m for m, o in ev.outcomes.items() if o.followed.finding or o.not_followed.finding
                or o.difference.finding]
    assert not ev.followed_share.finding and not findings, f"presented as findings: share, {findings}"
    assert any("none of them is a finding" in line for line in ev.summary), ev.summary


@then(parsers.parse("how often technique {technique} is followed is a finding"))
def _(audit: Audit, cogov_engine, technique: str):
    ev = _evidence(audit, cogov_engine.rulebase, technique)
    assert ev.followed_share.finding, f"not a finding: {ev.followed_share} (minimum {ev.min_evaluations})"


@then(parsers.parse("the rule analysis with the decision log flags rule {rule} as repeatedly dropped"))
def _(audit: Audit, rule: str):
    run = CliRunner().invoke(main, ["rules", "lint", str(RULES_DIR), "--json", "--database-url", audit.store.url])
    found = [f for f in json.loads(run.output)["findings"] if f["kind"] == "evidence_dropped"]
    assert any(f["rule"] == rule for f in found), \
        f"rule {rule} is not flagged; flagged: {', '.join(sorted(f['rule'] for f in found)) or 'none'}"


@then("the decision log still verifies")
def _(audit: Audit):
    result = audit.store.verify()
    assert result.ok, str(result)


@then(parsers.parse("the audit of the log names evaluation {n:d} as altered"))
def _(audit: Audit, n: int):
    result = audit.store.verify()
    assert not result.ok and result.first_bad_evaluation == n and "altered" in (result.reason or ""), str(result)


@then(parsers.parse('the evaluation is refused naming the field "{field}" with "{text}"'))
def _(outcomes: Outcomes, field: str, text: str):
    errors = {e["field"]: e["message"] for e in outcomes.errors}
    assert field in errors, f"the evaluation was not refused naming {field}: errors {errors or 'none'}"
    assert text in errors[field], f"{field}: {errors[field]!r} does not say {text!r}"


@then(parsers.parse("the open data export holds {n:d} records, each marked synthetic"))
def _(audit: Audit, n: int):
    records = export.as_json(audit.store)["records"]
    assert len(records) == n and all(r["synthetic"] for r in records), [r["synthetic"] for r in records]


@then("the open data export names no project, city, stakeholder group or note")
def _(audit: Audit):
    exported = json.dumps(export.as_json(audit.store)) + export.as_csv(audit.store)
    for name in PILOTS:
        context = json.loads((PILOTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        words = [context["project"]["name"], context["project"].get("city"), *context.get("notes", {}).values(),
                 *(g["name"] for g in context["stakeholders"]),
                 *(f"participant:{g['id']}" for g in context["stakeholders"])]     # ids as items, not as codes
        leaked = [w for w in words if w and re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", exported)]
        assert not leaked, f"the export names {leaked} of the {name} pilot"
    assert "SYNTHETIC scenario evaluation" not in exported
