"""Explanation on request (issue 16, item 2): the API answers the plan, the items and their `because` references by
default; GET /api/v1/decisions/{id}/explanation (or explain=full) gives the full explained recommendation, as
logged, with an ETag like every decision read."""
from __future__ import annotations

import json

import pytest

from engine.explanation import brief
from svc_helpers import PILOTS, auth, pilot

HEAD = ["decision_id", "created_at", "page"]
NAMES = sorted(p.stem for p in PILOTS.glob("*.json"))


@pytest.fixture(scope="module")
def answers(client) -> dict[str, tuple[dict, int, dict]]:
    """Each pilot posted once by default: (the answer, its bytes, the full explanation read back)."""
    out = {}
    for name in NAMES:
        r = client.post("/api/v1/recommendations", json=pilot(name), headers=auth("alice"))
        assert r.status_code == 201, r.text
        body = r.json()
        full = client.get(body["explanation_url"], headers=auth("alice"))
        assert full.status_code == 200, full.text
        out[name] = (body, len(r.content), full.json())
    return out


@pytest.mark.parametrize("name", NAMES)
def test_the_default_answer_is_the_plan_and_the_items_of_the_full_explanation(answers, name):
    body, size, full = answers[name]
    assert list(body)[:4] == [*HEAD, "explanation_url"]
    assert body["explanation_url"] == f"/api/v1/decisions/{body['decision_id']}/explanation"
    assert list(full)[:3] == HEAD and [full[k] for k in HEAD] == [body[k] for k in HEAD]
    rec = {k: v for k, v in full.items() if k not in HEAD}
    assert "explanation" in rec and "explanation" not in body
    assert {k: v for k, v in body.items() if k not in (*HEAD, "explanation_url")} == brief(rec)
    assert body["plan"]["steps"] and all(set(s) == {"text"} for s in body["plan"]["steps"])
    assert all(t["because"] for t in body["techniques"])                      # the references stay
    assert size <= 20 * 1024 and size < len(json.dumps(full)) / 2


def test_explain_full_answers_the_full_explanation_inline(client, answers):
    r = client.post("/api/v1/recommendations?explain=full", json=pilot("genoa"), headers=auth("alice"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert list(body)[:4] == [*HEAD, "plan"] and "explanation_url" not in body
    full = answers["genoa"][2]
    assert {k: v for k, v in body.items() if k not in HEAD} == {k: v for k, v in full.items() if k not in HEAD}
    again = client.get(f"/api/v1/decisions/{body['decision_id']}/explanation", headers=auth("alice")).json()
    assert again == body


def test_explain_takes_full_only(client):
    r = client.post("/api/v1/recommendations?explain=yes", json=pilot("genoa"), headers=auth("alice"))
    assert r.status_code == 422 and "explain" in r.text


def test_the_decision_record_carries_the_brief_recommendation_unless_asked(client, answers):
    body, _, full = answers["athens"]
    path = f"/api/v1/decisions/{body['decision_id']}"
    record = client.get(path, headers=auth("carol")).json()
    rec = {k: v for k, v in full.items() if k not in HEAD}
    assert record["recommendation"] == brief(rec)
    assert client.get(path, params={"explain": "full"}, headers=auth("carol")).json()["recommendation"] == rec


def test_the_explanation_is_cached_and_read_as_the_decision_is(client, answers):
    decision = answers["milan"][0]["decision_id"]
    path = f"/api/v1/decisions/{decision}/explanation"
    r = client.get(path, headers=auth("carol"))
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    again = client.get(path, headers={**auth("carol"), "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == r.headers["etag"]
    assert client.get(path, headers=auth("bob")).status_code == 404                 # another manager's
    assert client.get("/api/v1/decisions/nope/explanation", headers=auth("carol")).status_code == 404
    assert client.get(path, headers=auth("dave")).status_code == 403                # an author


def test_a_retry_with_its_key_gets_the_same_brief_answer(client):
    headers = {**auth("alice"), "Idempotency-Key": "brief-retry-1"}
    first = client.post("/api/v1/recommendations", json=pilot("palmela"), headers=headers)
    again = client.post("/api/v1/recommendations", json=pilot("palmela"), headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
