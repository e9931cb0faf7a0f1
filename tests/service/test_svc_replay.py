"""service.replay: every pilot replayed under its own rules (reproduced) and across a rule edit
(exactly the expected differences); a tampered record is an integrity fault."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from service import candidates
from service.log import DecisionStore
from service.replay import replay, replay_many
from svc_rule_edits import displaced, durable_results, edited_rules, expected_changes, record_pilots


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
        pushed = displaced(results[name])     # moved to extra by a fuller core: the edited rule fired differently
        assert all(cause.how == ("fired_differently" if c.item in pushed else "named")
                   for c, cause in zip(report.against.diff.changes, report.against.causes))
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
    assert client.post(path, json={}, headers=auth("alice")).status_code == 403
    assert client.post(path, json={}, headers=auth("dave")).status_code == 403
    r = client.post(path, json={}, headers=auth("carol"))   # every API POST declares JSON
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["integrity"]["status"] == "reproduced" and body["decision_id"] == decision_id
    assert body["against"]["edits"]["rules"] == [] and body["against"]["diff"]["same"] is True
    r = client.post(path, json={"rulebase_version": "sha256:nope"}, headers=auth("carol"))
    assert r.status_code == 422 and "sha256:nope" in r.text
    assert client.post("/api/v1/decisions/nope/replay", json={}, headers=auth("carol")).status_code == 404


# -- after an engine upgrade: a record made by another engine version ----------------------------------

OLD_ENGINE = "0.0.9-test"       # a version the running engine is not: an upgrade since the decision


def _as_made_by(rec, engine_version, drop_technique=False):
    """A recommendation as engine `engine_version` would have logged it (it names its engine), maybe
    without its first technique: a result the running engine does not give."""
    rec = json.loads(json.dumps(rec))
    rec["engine"]["version"] = engine_version
    if drop_technique:
        rec["techniques"].pop(0)
    return rec


def _record(store, name, rec, engine_version):
    """Logged through the store, correctly chained, as the service of that engine version would have."""
    from engine import load_rulebase
    from svc_rule_edits import RULES, Who, pilot_contexts

    rulebase = load_rulebase(RULES)
    store.store_rulebase(rulebase.version, rulebase.files)
    return store.record(identity=Who(), context_raw=json.dumps(pilot_contexts()[name]), recommendation=rec,
                        rulebase_version=rulebase.version, engine_version=engine_version).id


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory, results):
    """A log of genoa decisions: made by an older engine that gave the same, or another, result; made by this
    engine with another result; made by an older engine, then altered in the database. Clean records
    between them: a record's chain check reads its neighbours."""
    from engine import ENGINE_VERSION

    store = DecisionStore(f"sqlite:///{tmp_path_factory.mktemp('upgraded') / 'log.db'}")
    genoa = results["genoa"]
    ids = {}
    ids["same"] = _record(store, "genoa", _as_made_by(genoa, OLD_ENGINE), OLD_ENGINE)
    ids["differs"] = _record(store, "genoa", _as_made_by(genoa, OLD_ENGINE, drop_technique=True), OLD_ENGINE)
    ids["this_engine_differs"] = _record(store, "genoa", _as_made_by(genoa, ENGINE_VERSION, drop_technique=True),
                                         ENGINE_VERSION)
    _record(store, "milan", results["milan"], ENGINE_VERSION)
    ids["tampered"] = _record(store, "genoa", _as_made_by(genoa, OLD_ENGINE), OLD_ENGINE)
    _record(store, "milan", results["milan"], ENGINE_VERSION)
    ids["renamed"] = _record(store, "genoa", _as_made_by(genoa, OLD_ENGINE), OLD_ENGINE)
    _record(store, "milan", results["milan"], ENGINE_VERSION)
    dropped = _as_made_by(genoa, OLD_ENGINE, drop_technique=True)
    with store.engine.begin() as conn:          # as someone with database access would
        conn.execute(text("UPDATE decisions SET recommendation = :r WHERE id = :i"),
                     {"r": json.dumps(dropped), "i": ids["tampered"]})
        conn.execute(text("UPDATE decisions SET caller_name = 'someone else' WHERE id = :i"), {"i": ids["renamed"]})
    assert store.verify().ok is False
    reports = dict(zip(ids, replay_many(store, list(ids.values()))))      # one replay process
    yield store, ids, reports
    store.close()


def test_another_engine_version_giving_the_same_recommendation_is_reproduced_naming_both_versions(upgraded):
    from engine import ENGINE_VERSION

    _, _, reports = upgraded
    i = reports["same"].integrity
    assert i.status == "reproduced" and i.chain_verifies and i.chain_problem is None
    assert (i.record_engine_version, i.replay_engine_version) == (OLD_ENGINE, ENGINE_VERSION)
    assert OLD_ENGINE in i.detail and ENGINE_VERSION in i.detail
    assert i.changes == [] and i.sections == []
    assert f"replayed by engine {ENGINE_VERSION}" in reports["same"].text()


def test_a_verified_record_of_another_engine_version_that_differs_is_an_engine_change_not_a_fault(upgraded, results):
    from engine import ENGINE_VERSION

    _, _, reports = upgraded
    dropped = results["genoa"]["techniques"][0]["code"]
    i = reports["differs"].integrity
    assert i.status == "engine_changed" and i.chain_verifies
    assert (i.record_engine_version, i.replay_engine_version) == (OLD_ENGINE, ENGINE_VERSION)
    assert [(c.item, c.kind) for c in i.changes] == [(f"technique:{dropped}", "added")]
    assert i.sections == ["techniques"]            # the engine each names is not a difference
    assert "no evidence of tampering" in i.detail
    out = reports["differs"].text()
    assert "ENGINE CHANGED" in out and "FAULT" not in out and f"technique:{dropped}" in out
    # the same difference from the engine version that made it is an integrity fault
    same_engine = reports["this_engine_differs"].integrity
    assert same_engine.status == "fault" and same_engine.chain_verifies
    assert [(c.item, c.kind) for c in same_engine.changes] == [(f"technique:{dropped}", "added")]


def test_a_record_that_does_not_verify_is_a_fault_whatever_the_engine_version(upgraded, results):
    _, _, reports = upgraded
    dropped = results["genoa"]["techniques"][0]["code"]
    i = reports["tampered"].integrity
    assert i.status == "fault" and not i.chain_verifies and i.record_engine_version == OLD_ENGINE
    assert "does not match its hash" in i.chain_problem and "hash chain" in i.detail
    assert [(c.item, c.kind) for c in i.changes] == [(f"technique:{dropped}", "added")]
    assert "DOES NOT VERIFY" in reports["tampered"].text()
    # its recommendation still comes out the same, but who asked for it was altered: still a fault
    renamed = reports["renamed"].integrity
    assert renamed.status == "fault" and not renamed.chain_verifies and renamed.changes == []


def test_the_chain_check_of_one_record_reads_its_links_to_its_neighbours(upgraded):
    """A record is confirmed by the record after it (or the log head) linking to its hash."""
    from service.replay import chain_problem

    store, ids, _ = upgraded
    same = store.get(ids["same"])
    assert chain_problem(store, same) is None
    before_tampered = store.get(ids["tampered"]).seq - 1    # the clean record whose successor was altered
    (neighbour,) = [r for r in store.list(limit=50).items if r.seq == before_tampered]
    assert f"the record after it (seq {before_tampered + 1}) does not verify" in chain_problem(store, neighbour)
    last = store.list(limit=1).items[0]
    assert chain_problem(store, last) is None
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE log_head SET hash = :h"), {"h": "f" * 64})
    try:
        assert "log head does not match" in chain_problem(store, last)
    finally:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE log_head SET hash = :h"), {"h": last.hash})


def test_cogov_audit_replay_exits_3_on_an_engine_change_0_when_reproduced_and_1_when_tampered(upgraded):
    from click.testing import CliRunner

    from service.cli import main

    store, ids, _ = upgraded
    runner = CliRunner()
    exits = {}
    for key in ("same", "differs", "tampered"):
        out = runner.invoke(main, ["audit", "replay", ids[key], "--database-url", store.url])
        exits[key] = out.exit_code
        assert OLD_ENGINE in out.output, out.output
    assert exits == {"same": 0, "differs": 3, "tampered": 1}
    data = json.loads(runner.invoke(main, ["audit", "replay", ids["differs"], "--database-url", store.url,
                                           "--format", "json"]).output)
    assert data["integrity"]["status"] == "engine_changed" and data["integrity"]["record_engine_version"] == OLD_ENGINE


def test_api_replay_reports_an_engine_change_with_both_versions_and_a_tampered_one_as_a_fault(client, api_app):
    from engine import ENGINE_VERSION
    from svc_helpers import Who, auth, pilot

    made = client.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice")).json()
    store, version = api_app.state.store, api_app.state.activator.current.rulebase.version
    rec = _as_made_by(store.get(made["decision_id"]).recommendation, OLD_ENGINE)
    code = rec["approach"]["code"]
    rec["approach"]["code"] = "autonomous" if code != "autonomous" else "public_decision"   # the old engine's

    def record():
        return store.record(identity=Who("alice"), context=pilot("genoa"), recommendation=rec,
                            rulebase_version=version, engine_version=OLD_ENGINE).id
    upgraded = record()
    client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice"))   # a clean neighbour
    tampered = record()
    client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice"))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET caller_role = 'auditor' WHERE id = :i"), {"i": tampered})
    r = client.post(f"/api/v1/decisions/{upgraded}/replay", json={}, headers=auth("carol"))
    assert r.status_code == 200, r.text
    i = r.json()["integrity"]
    assert i["status"] == "engine_changed", i["detail"] and i["chain_verifies"] is True and i["chain_problem"] is None
    assert (i["record_engine_version"], i["replay_engine_version"]) == (OLD_ENGINE, ENGINE_VERSION)
    assert [(c["item"], c["kind"], c["new"]) for c in i["changes"]] == [("approach", "changed", code)]
    r = client.post(f"/api/v1/decisions/{tampered}/replay", json={}, headers=auth("carol"))
    i = r.json()["integrity"]
    assert i["status"] == "fault" and i["chain_verifies"] is False and "hash" in i["chain_problem"]
    assert i["record_engine_version"] == OLD_ENGINE
    # the schema says so
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Integrity"]
    assert schema["properties"]["status"]["enum"] == ["reproduced", "engine_changed", "fault", "not_replayable"]
    assert {"chain_verifies", "record_engine_version", "replay_engine_version"} <= set(schema["required"])
