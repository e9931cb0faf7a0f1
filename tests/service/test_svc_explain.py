"""Why-not and what-if over HTTP: who may ask, what the answers say, and how bad questions are refused."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from svc_helpers import REPO, TOKENS_SPEC, auth, pilot, settings_for


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(settings_for(tmp_path_factory.mktemp("explain"), tokens=TOKENS_SPEC, rules_dir=REPO / "rules",
                                  workers=1))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def genoa(client) -> dict:
    """alice's decision on the Genoa pilot (unitary consultation; public decision ruled out)."""
    r = client.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))
    assert r.status_code == 201, r.text
    assert r.json()["approach"]["code"] == "unitary_consultation"
    return r.json()


def test_why_not_names_the_eliminating_rule_with_the_answers_it_matched(client, genoa):
    r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/why-not", params={"item": "approach:public_decision"},
                   headers=auth("alice"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision_id"] == genoa["decision_id"] and body["recommended"] is False
    (defeat,) = body["defeated_by"]
    assert defeat["how"] == "eliminated" and defeat["rule"] == "thomas.r2_goal_congruence"
    assert defeat["matched"] == {"decision.public_shares_goals": False, "decision.quality_requirement": True}
    assert body["rulebase_version"] == genoa["rulebase"]["version"]


def test_why_not_a_technique_lists_failed_conditions_with_actual_values(client, genoa):
    r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/why-not", params={"item": "technique:citizen_jury"},
                   headers=auth("carol"))     # an auditor reads every decision
    assert r.status_code == 200, r.text
    producers = r.json()["producers"]
    assert producers and not any(p["fired"] for p in producers)
    failed = [f for p in producers for a in p["alternatives"] for f in a["failed"]]
    assert any(f["field"] == "approach.level" and f["actual"] == "involve" for f in failed)


def test_why_not_another_managers_decision_is_404(client, genoa):
    for path in ("why-not?item=approach:autonomous", "what-if"):
        r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/{path}", headers=auth("bob"))
        assert r.status_code == 404, (path, r.status_code)
        assert "Genoa" not in r.text


@pytest.mark.parametrize("item, hint", [("approach:public_decisoin", "did you mean public_decision?"),
                                        ("participant:residnts:consult", "did you mean residents?"),
                                        ("technique", "write KIND:CODE")])
def test_an_unreadable_item_is_422_naming_the_query_field(client, genoa, item, hint):
    r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/why-not", params={"item": item}, headers=auth("alice"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.item" and hint in r.json()["detail"]


def test_what_if_returns_minimal_changes_checked_by_the_engine_workers(client, genoa):
    r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/what-if", params={"max_changes": 2, "limit": 10},
                   headers=auth("alice"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["original_approach"] == "unitary_consultation" and body["errors"] == []
    sets = [frozenset(c["field"] for c in s["changes"]) for s in body["scenarios"]]
    assert frozenset({"decision.public_shares_goals"}) in sets
    assert all(not (a < b) for a in sets for b in sets)
    for s in body["scenarios"]:
        assert s["checked_by"] == "durable" and s["agrees"]
        assert s["approach"] != "unitary_consultation" == s["diff"]["approach"]["old"]
        assert s["recommendation"]["explanation"]["firings"]


def test_what_if_for_an_item(client, genoa):
    r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/what-if",
                   params={"item": "arrangement:steering_group", "max_changes": 1}, headers=auth("alice"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["target"] == "arrangement:steering_group" and body["scenarios"]
    for s in body["scenarios"]:
        assert "steering_group" in {g["code"] for g in s["recommendation"]["governance"]}


def test_what_if_bounds_are_validated(client, genoa):
    r = client.get(f"/api/v1/decisions/{genoa['decision_id']}/what-if", params={"max_changes": 9},
                   headers=auth("alice"))
    assert r.status_code == 422 and "max_changes" in r.json()["errors"][0]["field"]


def test_posted_what_if_compares_both_recommendations_and_logs_nothing(client, genoa):
    before = client.get("/api/v1/decisions", headers=auth("carol")).json()["items"]
    r = client.post("/api/v1/recommendations/what-if", headers=auth("alice"),
                    json={"context": pilot("genoa"),
                          "changes": [{"field": "decision.public_shares_goals", "value": True}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["original"]["approach"]["code"] == "unitary_consultation"
    assert body["changed"]["approach"]["code"] == "public_decision"
    assert body["diff"]["approach"] == {**body["diff"]["approach"], "old": "unitary_consultation",
                                        "new": "public_decision"}
    assert body["changes"] == [{"field": "decision.public_shares_goals", "old": False, "new": True}]
    assert "decision_id" not in body["original"] and "decision_id" not in body["changed"]
    assert client.get("/api/v1/decisions", headers=auth("carol")).json()["items"] == before


@pytest.mark.parametrize("changes, field, message", [
    ([{"field": "decision.public_shares_goal", "value": True}], "changes[0].field",
     "did you mean decision.public_shares_goals?"),
    ([{"field": "public.size", "value": "enormous"}], "changes[0].value", "not a value of public.size"),
    ([{"field": "stakeholders.power", "value": "low"}], "changes[0].field", "not an answer what-if can change"),
])
def test_posted_what_if_refuses_bad_changes_naming_the_field(client, changes, field, message):
    r = client.post("/api/v1/recommendations/what-if", headers=auth("alice"),
                    json={"context": pilot("genoa"), "changes": changes})
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["field"] == field and message in err["message"]


def test_posted_what_if_names_bad_context_fields_under_context(client):
    ctx = pilot("genoa")
    ctx["public"]["size"] = "huge"
    r = client.post("/api/v1/recommendations/what-if", headers=auth("alice"), json={"context": ctx, "changes": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "context.public.size"


def test_posted_what_if_is_for_managers(client):
    body = {"context": pilot("genoa"), "changes": []}
    assert client.post("/api/v1/recommendations/what-if", headers=auth("carol"), json=body).status_code == 403
    assert client.post("/api/v1/recommendations/what-if", json=body).status_code == 401


def test_a_decision_whose_stored_rule_files_were_altered_is_not_explained_with_them(client):
    """The log's files of the decision's version load as another version: 409, never an answer from other rules."""
    from sqlalchemy import text

    store = client.app.state.store
    files = dict(client.app.state.activator.current.rulebase.files)
    files["policy/thomas.yaml"] = "# altered after the fact\n" + files["policy/thomas.yaml"]
    forged = "sha256:" + "0" * 64
    store.store_rulebase(forged, files)
    r = client.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))
    assert r.status_code == 201, r.text
    decision_id = r.json()["decision_id"]
    with store.engine.begin() as conn:          # as if it had been made with the forged version
        conn.execute(text("UPDATE decisions SET rulebase_version = :v WHERE id = :i"),
                     {"v": forged, "i": decision_id})
    r = client.get(f"/api/v1/decisions/{decision_id}/why-not", params={"item": "approach:public_decision"},
                   headers=auth("alice"))
    assert r.status_code == 409, r.text
    assert forged in r.json()["detail"] and "altered" in r.json()["detail"]


def test_explanations_waiting_for_a_slot_hold_no_thread_of_the_shared_pool():
    """Every explanation slot taken: another one waits on the event loop, not in one of the threads the
    other routes need (a queue of what-if requests must not starve the decision log's reads and writes)."""
    import anyio
    import anyio.to_thread

    from service import whynot_whatif

    async def scenario():
        slots = whynot_whatif._slots()
        owners = [object() for _ in range(whynot_whatif.EXPLAIN_SLOTS)]
        for owner in owners:
            await slots.acquire_on_behalf_of(owner)
        shared = anyio.to_thread.current_default_thread_limiter()
        results = []

        async def ask():
            results.append(await whynot_whatif.in_slot(sum, [1, 2, 3]))

        async with anyio.create_task_group() as tg:
            tg.start_soon(ask)
            await anyio.wait_all_tasks_blocked()
            assert slots.statistics().tasks_waiting == 1 and shared.borrowed_tokens == 0 and results == []
            for owner in owners:
                slots.release_on_behalf_of(owner)
        assert results == [6]

    anyio.run(scenario)
