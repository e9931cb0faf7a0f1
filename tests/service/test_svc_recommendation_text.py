"""POST /recommendations passes the engine worker's texts through (service.worker_process.Evaluated) instead of
re-serialising the recommendation in the web process: the response is byte for byte what JSONResponse renders
for {decision_id, created_at, page, **recommendation}, and the log holds what DecisionStore.record would store for the
same recommendation (its canonical JSON and index), so the chain verifies."""
from __future__ import annotations

import json

import pytest

from engine import ENGINE_VERSION, ContextError, Engine
from engine.explanation import brief, compact
from service.log.chain import compact_json, derive_index
from service.worker_process import evaluated, handle
from svc_helpers import auth, pilot


@pytest.mark.parametrize("name", ["athens", "genoa"])
def test_response_and_log_are_the_texts_of_the_recommendation(client, api_app, name):
    context = pilot(name)
    r = client.post("/api/v1/recommendations?explain=full", json=context, headers=auth("alice"))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert list(body)[:3] == ["decision_id", "created_at", "page"]
    assert body["page"] == f"/decisions/{body['decision_id']}"          # the decision's page for people
    assert r.content == json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    rec = {k: v for k, v in body.items() if k not in ("decision_id", "created_at", "page")}
    engine = Engine(api_app.state.activator.current.rulebase, backend="durable")      # the workers' backend (firing order)
    try:
        assert json.dumps(rec) == json.dumps(engine.evaluate(context))   # same keys, same order
    finally:
        engine.close()
    stored = api_app.state.store.get(body["decision_id"])
    assert stored.recommendation == rec
    assert stored.approach == derive_index(context, rec)["approach"]
    assert stored.fired_rules == derive_index(context, rec)["rules"]
    assert api_app.state.store.verify().ok


def test_worker_answer_is_the_recommendation_serialised():
    engine = Engine("rules", backend="python")
    context = pilot("athens")
    kind, answer = handle(engine, "evaluate_for_log", context)
    rec = engine.evaluate(context)
    assert kind == "ok" and answer == evaluated(rec)
    assert json.loads(answer.text) == rec and answer.canonical == compact_json(compact(rec))   # the log's text
    assert json.loads(answer.brief) == brief(rec)
    assert (answer.rulebase_version, answer.engine_version) == (engine.rulebase.version, ENGINE_VERSION)
    kind, refusal = handle(engine, "evaluate_for_log", {"project": {}})
    assert kind == "refused" and isinstance(refusal, ContextError) and refusal.errors
