"""The API's contract as an integrator meets it (issue 19): problem details on every error, safe retries with
Idempotency-Key, ETag and immutable caching, an activation's note refused with NUL as a context's text is,
and /audit/verify naming a bad activation."""
from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from svc_helpers import USERS, auth, pilot

PROBLEM = "application/problem+json"


def _problem(r: Any, status: int) -> dict[str, Any]:
    """The answer, checked to be RFC 9457 problem details with this status."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM, r.headers["content-type"]
    body = r.json()
    assert body["type"] == "about:blank" and body["status"] == status and body["title"] and body["detail"]
    return body


def _post(client: TestClient, path: str, body: Any, who: str = "alice", **headers: str) -> Any:
    return client.post(path, content=json.dumps(body).encode(),
                       headers={**auth(who), "Content-Type": "application/json", **headers})


@pytest.fixture(scope="module")
def decision(client) -> dict[str, Any]:
    r = _post(client, "/api/v1/recommendations", pilot("athens"))
    assert r.status_code == 201, r.text
    return r.json()


# -- one error schema ------------------------------------------------------------------------------------
def test_every_kind_of_error_is_problem_details(client, api_app, decision):
    assert _problem(client.get("/api/v1/decisions"), 401)["detail"].startswith("missing API token")
    assert "manager" in _problem(client.get("/api/v1/rules", headers=auth("alice")), 403)["detail"]
    _problem(client.get("/api/v1/decisions/nope", headers=auth("alice")), 404)
    assert _problem(client.delete(f"/api/v1/decisions/{decision['decision_id']}", headers=auth("carol")), 405)
    _problem(client.post("/api/v1/recommendations", content=b"{}", headers={**auth("alice"),
                                                                             "Content-Type": "text/plain"}), 415)
    _problem(client.post("/api/v1/recommendations", content=b"x" * (65 * 1024),
                         headers={**auth("alice"), "Content-Type": "application/json"}), 413)
    _problem(client.get("/api/v1/rules", headers={**auth("dave"), "Host": "evil.example"}), 421)
    bad = _problem(client.get("/api/v1/decisions", params={"limit": 0}, headers=auth("carol")), 422)
    assert bad["title"] == "Unprocessable Content" and bad["errors"][0]["field"] == "query.limit"
    context = _problem(_post(client, "/api/v1/recommendations", {**pilot("athens"), "colour": 1}), 422)
    assert context["detail"] == "invalid context" and context["errors"][0]["field"] == "colour"


def test_a_refused_activation_is_problem_details_with_its_kind(client):
    files = {"policy/broken.yaml": "rules:\n  - id: broken.rule\n    title: Broken\n"}
    body = _problem(_post(client, "/api/v1/rulebase", {"files": files}, "dave"), 422)
    assert body["kind"] == "invalid" and body["errors"], body
    assert all(e["field"] == e["file"] and e["type"] == "rule_base_error" and e["text"].startswith(e["file"])
               for e in body["errors"]), body["errors"]
    unknown = _problem(_post(client, "/api/v1/rulebase/rollback", {"version": "sha256:none"}, "dave"), 404)
    assert unknown["kind"] == "unknown"


# -- the note of an activation: text the log keeps ------------------------------------------------------------
@pytest.mark.parametrize("path, body", [("/api/v1/rulebase", {"from_directory": True, "note": "why\u0000"}),
                                        ("/api/v1/rulebase/rollback", {"version": "v", "note": "\u0000"})])
def test_a_nul_in_an_activation_note_is_refused_naming_the_field(client, api_app, path, body):
    before = len(api_app.state.store.list_activations())
    errors = _problem(_post(client, path, body, "dave"), 422)["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("body.note", "nul_character")]
    assert len(api_app.state.store.list_activations()) == before


# -- verify names a bad activation -----------------------------------------------------------------------------
def test_verify_names_the_first_bad_activation(tmp_path):
    from service.app import create_app
    from svc_helpers import TOKENS_SPEC, settings_for
    app = create_app(settings_for(tmp_path, tokens=TOKENS_SPEC, workers=1))
    with TestClient(app) as c:
        ok = c.get("/api/v1/audit/verify", headers=auth("carol")).json()
        assert ok["ok"] is True and ok["activations"] >= 1 and ok["first_bad_activation"] is None
        with app.state.store.engine.begin() as conn:
            conn.execute(text("UPDATE rulebase_activations SET note = 'rewritten' WHERE seq = 1"))
        bad = c.get("/api/v1/audit/verify", headers=auth("carol")).json()
    assert bad["ok"] is False and bad["first_bad_activation"] == 1 and bad["activations"] == 0
    assert bad["first_bad_id"] is None and bad["first_bad_seq"] is None and "activation 1" in bad["reason"]
    assert bad["chain"] == "activations" and bad["evaluation_id"] is None and bad["decision_id"] is None


# -- Idempotency-Key --------------------------------------------------------------------------------------------
def test_a_retry_with_the_same_key_gets_the_first_answer_and_logs_nothing(client, api_app):
    store = api_app.state.store
    first = _post(client, "/api/v1/recommendations", pilot("genoa"), **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    count = store.count()
    again = _post(client, "/api/v1/recommendations", pilot("genoa"), **{"Idempotency-Key": "retry-1"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert store.count() == count
    other = _problem(_post(client, "/api/v1/recommendations", pilot("malmo"), **{"Idempotency-Key": "retry-1"}),
                     422)
    assert other["errors"][0]["field"] == "header.Idempotency-Key" and store.count() == count
    # keys are per caller: bob's retry-1 is his own
    bobs = _post(client, "/api/v1/recommendations", pilot("genoa"), "bob", **{"Idempotency-Key": "retry-1"})
    assert bobs.status_code == 201 and bobs.json()["decision_id"] != first.json()["decision_id"]
    assert store.count() == count + 1


def test_a_refused_request_keeps_no_key(client, api_app):
    bad = _post(client, "/api/v1/recommendations", {"project": {}}, **{"Idempotency-Key": "fixed-later"})
    _problem(bad, 422)
    good = _post(client, "/api/v1/recommendations", pilot("bremen"), **{"Idempotency-Key": "fixed-later"})
    assert good.status_code == 201, good.text


def test_a_bad_key_is_refused_naming_the_header(client):
    r = _post(client, "/api/v1/recommendations", pilot("genoa"), **{"Idempotency-Key": " padded "})
    assert _problem(r, 422)["errors"][0]["field"] == "header.Idempotency-Key"


def test_concurrent_requests_with_one_key_log_one_decision(client, api_app):
    store = api_app.state.store
    count = store.count()
    answers: list[Any] = []

    def send() -> None:
        answers.append(_post(client, "/api/v1/recommendations", pilot("milan"), **{"Idempotency-Key": "twins"}))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["decision_id"] for a in answers}) == 1
    assert store.count() == count + 1


def test_an_activation_retried_with_its_key_is_recorded_once(client, api_app):
    store = api_app.state.store
    files = dict(api_app.state.activator.current.rulebase.files)
    files["policy/extra.yaml"] = files.get("policy/extra.yaml", "rules: []\n") + "# retried\n"
    first = _post(client, "/api/v1/rulebase", {"files": files, "note": "once"}, "dave",
                  **{"Idempotency-Key": "activate-1"})
    assert first.status_code == 200 and first.json()["changed"] is True, first.text
    history = len(store.list_activations())
    again = _post(client, "/api/v1/rulebase", {"files": files, "note": "once"}, "dave",
                  **{"Idempotency-Key": "activate-1"})
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(store.list_activations()) == history
    reused = _post(client, "/api/v1/rulebase/rollback", {"version": first.json()["previous"]}, "dave",
                   **{"Idempotency-Key": "activate-1"})
    assert _problem(reused, 422)["errors"][0]["type"] == "idempotency_key_reused"
    back = _post(client, "/api/v1/rulebase/rollback", {"version": first.json()["previous"]}, "dave")
    assert back.status_code == 200 and back.json()["version"] == first.json()["previous"]


def test_an_outcome_retried_with_its_key_is_recorded_once(client, api_app, decision):
    evaluations = api_app.state.store.evaluations
    url = f"/api/v1/decisions/{decision['decision_id']}/outcomes"
    body = {"techniques_used": [], "participants": 12, "synthetic": True}
    first = _post(client, url, body, **{"Idempotency-Key": "outcome-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers, first.text
    count = len(evaluations.for_decision(decision["decision_id"]))
    again = _post(client, url, body, **{"Idempotency-Key": "outcome-1"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and len(evaluations.for_decision(decision["decision_id"])) == count
    other = _post(client, url, {**body, "participants": 13}, **{"Idempotency-Key": "outcome-1"})
    assert _problem(other, 422)["errors"][0]["field"] == "header.Idempotency-Key"
    assert len(evaluations.for_decision(decision["decision_id"])) == count


# -- ETag and immutable caching ------------------------------------------------------------------------------
def test_a_decision_has_an_etag_and_is_cached_immutably(client, decision):
    url = f"/api/v1/decisions/{decision['decision_id']}"
    r = client.get(url, headers=auth("alice"))
    assert r.status_code == 200 and r.json()["decision_id"] == decision["decision_id"]
    etag, cache = r.headers["etag"], r.headers["cache-control"]
    assert etag.startswith('"') and "immutable" in cache and "private" in cache
    same = client.get(url, headers={**auth("alice"), "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert client.get(url, headers={**auth("carol"), "If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={**auth("alice"), "If-None-Match": '"other"'}).status_code == 200
    # the tag never lets anyone past the access rule
    assert client.get(url, headers={**auth("bob"), "If-None-Match": etag}).status_code == 404


def test_a_stored_rule_base_version_has_an_etag(client, api_app):
    version = api_app.state.activator.current.version
    r = client.get(f"/api/v1/rulebases/{version}", headers=auth("carol"))
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    again = client.get(f"/api/v1/rulebases/{version}", headers={**auth("carol"), "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_every_role_is_tested_here():
    assert {role for role, _ in USERS.values()} == {"manager", "auditor", "author"}


def test_twins_in_one_group_commit_log_one_decision(db_url, tmp_path):
    """The key's row is written in the decision's transaction, on SQLite and PostgreSQL (where a taken key
    aborts the whole group commit): the others are written alone, the twin answers as the retry it is."""
    from service.app import create_app
    from svc_helpers import TOKENS_SPEC, settings_for
    app = create_app(settings_for(tmp_path, tokens=TOKENS_SPEC, database_url=db_url, workers=2))
    with TestClient(app) as c:
        answers: list[Any] = []

        def send(i: int) -> None:   # two twins with one key, and two others in the same group commit
            key = "pg-twins" if i < 2 else f"pg-other-{i}"
            answers.append(_post(c, "/api/v1/recommendations", pilot("palmela"), **{"Idempotency-Key": key}))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
        assert len({a.json()["decision_id"] for a in answers}) == 3 and app.state.store.count() == 3
        again = _post(c, "/api/v1/recommendations", pilot("palmela"), **{"Idempotency-Key": "pg-twins"})
        assert again.headers["idempotent-replayed"] == "true" and app.state.store.count() == 3
        assert app.state.store.verify().ok
