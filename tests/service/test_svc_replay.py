"""service.replay: every pilot replayed under its own rules (reproduced) and across a rule edit
(exactly the expected differences); a tampered record is an integrity fault."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from service import candidates
from service.log import DecisionStore
from service.replay import replay, replay_many
from svc_rule_edits import durable_results, edited_rules, expected_changes, record_pilots


@pytest.fixture(scope="module")
def results():
    return durable_results()


@pytest.fixture(scope="module")
def logged(tmp_path_factory, results):
    store = DecisionStore(f"sqlite:///{tmp_path_factory.mktemp('replay') / 'log.db'}")
    ids = record_pilots(store, results)
    yield store, ids
    store.close()


@pytest.fixture(scope="module")
def candidate(tmp_path_factory):
    return candidates.from_directory(edited_rules(tmp_path_factory.mktemp("cand") / "rules"))


def test_every_pilot_replays_to_its_stored_recommendation_and_differs_exactly_as_expected_under_the_edit(
        logged, results, candidate):
    store, ids = logged
    changed = 0
    for name, report in zip(ids, replay_many(store, list(ids.values()), candidate)):   # one process
        assert report.integrity.status == "reproduced", (name, report.integrity.detail)
        assert report.against is not None and report.against.rulebase_version == candidate.version
        got = {(c.item, c.kind, *cause.rules) for c, cause in zip(report.against.diff.changes, report.against.causes)}
        assert got == expected_changes(results[name]), name
        assert all(cause.how == "named" for cause in report.against.causes)
        changed += bool(got)
    assert changed, "the edit changes no pilot: pick another edit"


def test_replay_under_its_own_version_names_no_edit(logged):
    store, ids = logged
    own = candidates.from_store(store, store.get(ids["milan"]).rulebase_version)
    report = replay(store, ids["milan"], own)
    assert report.integrity.status == "reproduced"
    assert report.against.edits.same and report.against.diff.same
    assert "the same recommendation" in report.text()


def test_a_tampered_stored_recommendation_is_an_integrity_fault_naming_the_difference(tmp_path, results):
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    ids = record_pilots(store, {"malmo": results["malmo"]})
    rec = json.loads(json.dumps(results["malmo"]))
    dropped = rec["techniques"].pop(0)["code"]
    with store.engine.begin() as conn:          # as someone with database access would
        conn.execute(text("UPDATE decisions SET recommendation = :r WHERE id = :i"),
                     {"r": json.dumps(rec), "i": ids["malmo"]})
    report = replay(store, ids["malmo"])
    assert report.integrity.status == "fault"
    assert [(c.item, c.kind) for c in report.integrity.changes] == [(f"technique:{dropped}", "added")]
    assert "techniques" in report.integrity.sections
    assert "FAULT" in report.text()
    assert replay(store, "no-such-id") is None
    store.close()


def test_cogov_audit_replay_exits_1_on_a_fault_and_2_when_it_cannot_run(tmp_path, results):
    from click.testing import CliRunner

    from service.cli import main

    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    ids = record_pilots(store, {"genoa": results["genoa"]})
    rec = json.loads(json.dumps(results["genoa"]))
    rec["approach"]["code"] = "autonomous" if rec["approach"]["code"] != "autonomous" else "public_decision"
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET recommendation = :r WHERE id = :i"),
                     {"r": json.dumps(rec), "i": ids["genoa"]})
    store.close()
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'log.db'}"
    out = runner.invoke(main, ["audit", "replay", ids["genoa"], "--database-url", url])
    assert out.exit_code == 1, out.output
    assert "FAULT" in out.output and "~ approach:" in out.output
    out = runner.invoke(main, ["audit", "replay", ids["genoa"], "--database-url", url, "--rules", "sha256:nope"])
    assert out.exit_code == 2 and "no rule base version sha256:nope" in out.output
    out = runner.invoke(main, ["audit", "replay", "no-such-id", "--database-url", url])
    assert out.exit_code == 2 and "no decision no-such-id" in out.output


# -- the API (the app of tests/service/conftest.py: the mini rule base, tokens for each role) -----------

def test_api_replay_is_for_auditors_and_reproduces_a_logged_decision(client):
    from svc_helpers import auth, pilot

    decision = client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice")).json()
    decision_id = decision["decision_id"]
    path = f"/api/v1/decisions/{decision_id}/replay"
    assert client.post(path, headers=auth("alice")).status_code == 403
    assert client.post(path, headers=auth("dave")).status_code == 403
    r = client.post(path, headers=auth("carol"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["integrity"]["status"] == "reproduced" and body["decision_id"] == decision_id
    assert body["against"]["edits"]["rules"] == [] and body["against"]["diff"]["same"] is True
    r = client.post(path, json={"rulebase_version": "sha256:nope"}, headers=auth("carol"))
    assert r.status_code == 422 and "sha256:nope" in r.text
    assert client.post("/api/v1/decisions/nope/replay", headers=auth("carol")).status_code == 404
