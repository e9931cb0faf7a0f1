"""Synthetic evaluations for the evidence tests: a log of the six pilots' decisions made with the shipped rules,
and evaluations of them that are invented for the test and say so (`synthetic: true`, notes "SYNTHETIC ...").
cogov ships no outcome data; these exist only to exercise the code."""
from __future__ import annotations

import json
from typing import Any

from engine import Engine, load_rulebase
from service import evidence
from service.evidence.schemas import EvaluationIn
from service.log import DecisionStore
from svc_helpers import PILOTS, REPO, Who

RULES = REPO / "rules"
NAMES = ("athens", "bremen", "genoa", "malmo", "milan", "palmela")


def pilot_log(url: str, names=NAMES, repeat: int = 1):
    """(store, rule base, [(pilot, decision record)]): each pilot's decision `repeat` times, logged by alice."""
    rulebase = load_rulebase(RULES)
    engine = Engine(rulebase, backend="python")
    store = DecisionStore(url)
    store.store_rulebase(rulebase.version, rulebase.files)
    out = []
    for _ in range(repeat):
        for name in names:
            raw = (PILOTS / f"{name}.json").read_text(encoding="utf-8")
            rec = engine.evaluate(json.loads(raw))
            out.append((name, store.record(identity=Who("alice"), context_raw=raw, recommendation=rec,
                                           rulebase_version=rulebase.version, engine_version=rec["engine"]["version"])))
    return store, rulebase, out


def techniques(rec: dict) -> list[str]:
    return [t["code"] for t in rec["techniques"]]


def synthetic(rec: dict, *, drop=(), add=(), scores: dict | None = None, n: int = 0, **fields: Any) -> dict:
    """An evaluation body of `rec`: every recommended technique used but those in `drop`, plus `add`."""
    body = {"techniques_used": [t for t in techniques(rec) if t not in drop] + list(add), "participants": 20 + n,
            "scores": scores if scores is not None else {"influence": 3}, "synthetic": True,
            "notes": f"SYNTHETIC test evaluation {n}", **fields}
    return body


def record(store, rulebase, decision, body: dict, who=None):
    """Record `body` as the service does (validated, then appended); the evaluation record."""
    evaluation = EvaluationIn.model_validate(body)
    errors = evidence.validate(evaluation, decision, rulebase)
    assert not errors, errors
    return store.evaluations.record(decision_id=decision.id, identity=who or Who("erin", "evaluator"),
                                    evaluation=evidence.body_of(evaluation))
