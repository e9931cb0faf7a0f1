"""Evaluations are records of the hash-chained log (issue 17, item 2): `cogov audit verify` names one altered,
inserted or deleted, on SQLite and PostgreSQL; their personal fields follow the decisions' privacy settings.

Every evaluation here is synthetic test data, labelled so (`synthetic: true`).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from engine import Engine, load_rulebase
from service.cli import main
from service.log import DecisionStore
from service.log.chain import evaluation_hash
from service.log.evaluations import EVALUATIONS, UnknownDecision, committed_body
from service.log.privacy import COMMITMENT, PrivacyPolicy
from svc_helpers import MINI, Who, pilot


def synthetic(n: int, **extra) -> dict:
    """An evaluation body as service.evidence stores it, synthetic."""
    return {"stage": "process", "evaluated_by": "self", "techniques_used": [], "participants": 10 * n,
            "recruitment": [], "groups": [], "cost": None, "duration_days": None, "items": [],
            "scores": {"influence": 1 + n % 5}, "notes": f"SYNTHETIC test evaluation {n}", "synthetic": True,
            **extra}


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(MINI)


@pytest.fixture(scope="module")
def recommendation(rulebase):
    return Engine(rulebase, backend="python").evaluate(pilot("athens"))


def open_store(url, rulebase, recommendation, **policy):
    store = DecisionStore(url, privacy=PrivacyPolicy(**policy))
    store.store_rulebase(rulebase.version, rulebase.files)
    ids = [store.record(identity=Who("alice"), context=pilot("athens"), recommendation=recommendation,
                        rulebase_version=rulebase.version, engine_version="0.3.0").id for _ in range(2)]
    return store, ids


@pytest.fixture
def chain(db_url, rulebase, recommendation):
    """A log with two decisions and three evaluations (of the first, the second, the first again)."""
    store, ids = open_store(db_url, rulebase, recommendation)
    for n, decision in enumerate((ids[0], ids[1], ids[0]), start=1):
        store.evaluations.record(decision_id=decision, identity=Who("erin", "evaluator"), evaluation=synthetic(n))
    yield store, ids
    store.close()


def _sql(store, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _verify(store):
    """The store's verdict and the command line's, which must agree."""
    result = store.verify()
    run = CliRunner().invoke(main, ["audit", "verify", "--database-url", store.url])
    assert run.exit_code == (0 if result.ok else 1), run.output
    assert run.output.strip() == str(result)
    return result


def test_evaluations_are_chained_and_verify(chain):
    store, ids = chain
    result = _verify(store)
    assert result.ok and result.evaluations == 3 and str(result) == "OK: all 2 records verify"
    first = store.evaluations.for_decision(ids[0])
    assert [e.seq for e in first] == [1, 3] and first[0].body["notes"] == "SYNTHETIC test evaluation 1"
    assert first[1].prev_hash == store.evaluations.for_decision(ids[1])[0].hash


def test_an_evaluation_of_an_unknown_decision_is_refused(chain):
    store, _ = chain
    with pytest.raises(UnknownDecision):
        store.evaluations.record(decision_id="no-such-decision", identity=Who("erin"), evaluation=synthetic(9))
    assert store.evaluations.head()[0] == 3


@pytest.mark.parametrize(("column", "value"), [
    ("body", json.dumps(synthetic(2, scores={"influence": 5}))), ("caller_name", "mallory"),
    ("stage", "pathways_to_impact"), ("created_at", datetime(2020, 1, 1)), ("decision_id", "x" * 36)])
def test_an_altered_evaluation_is_named(chain, column, value):
    store, _ = chain
    _sql(store, f"UPDATE evaluations SET {column} = :v WHERE seq = 2", v=value)
    result = _verify(store)
    assert not result.ok and result.first_bad_evaluation == 2
    assert result.reason.startswith("evaluation 2 (") and "altered" in result.reason
    assert result.count == 2 and result.evaluations == 1
    assert str(result).startswith("FAILED at evaluation 2 (") and "1 evaluations before it verify" in str(result)


def test_an_evaluation_moved_to_another_decision_with_its_hash_recomputed_is_named(chain):
    """A forger who knows the hash rules re-points the evaluation and rehashes it: the next one's link breaks."""
    store, ids = chain
    with store.engine.connect() as conn:
        row = conn.execute(select(EVALUATIONS).where(EVALUATIONS.c.seq == 1)).mappings().one()
        other = conn.execute(text("SELECT seq, hash FROM decisions WHERE id = :i"), {"i": ids[1]}).one()
    values = {k: row[k] for k in ("seq", "id", "created_at", "caller_name", "caller_role", "stage", "prev_hash")}
    digest = evaluation_hash(**values, decision_id=ids[1], decision_hash=other.hash,
                             body=committed_body(row["body"], {}), personal=[])
    _sql(store, "UPDATE evaluations SET decision_id = :d, decision_seq = :s, decision_hash = :h, hash = :x "
                "WHERE seq = 1", d=ids[1], s=other.seq, h=other.hash, x=digest)
    result = _verify(store)
    assert not result.ok and result.first_bad_evaluation == 2 and "prev_hash" in result.reason


def test_a_rewritten_decision_breaks_its_evaluations_too(chain):
    store, ids = chain
    _sql(store, "UPDATE evaluations SET decision_hash = :h WHERE seq = 2", h="f" * 64)
    result = store.verify()
    assert not result.ok and result.first_bad_evaluation == 2


def test_a_deleted_evaluation_is_named(chain):
    store, _ = chain
    _sql(store, "DELETE FROM evaluations WHERE seq = 2")
    result = _verify(store)
    assert not result.ok and result.first_bad_evaluation == 3 and "evaluation(s) 2 are missing (deleted)" in result.reason


def test_a_deleted_last_evaluation_is_named(chain):
    store, _ = chain
    _sql(store, "DELETE FROM evaluations WHERE seq = 3")
    result = _verify(store)
    assert not result.ok and result.first_bad_evaluation == 3 and "evaluation(s) 3 were deleted" in result.reason


def test_an_inserted_evaluation_is_named_even_when_correctly_hashed(chain):
    store, ids = chain
    with store.engine.connect() as conn:
        prev = conn.execute(text("SELECT hash FROM evaluations WHERE seq = 3")).scalar_one()
        decision = conn.execute(text("SELECT seq, hash FROM decisions WHERE id = :i"), {"i": ids[1]}).one()
    body = json.dumps(synthetic(4), sort_keys=True, separators=(",", ":"))
    forged = dict(seq=4, id="forged-evaluation", created_at=datetime(2026, 12, 1), caller_name="mallory",
                  caller_role="evaluator", stage="process", prev_hash=prev)
    digest = evaluation_hash(**forged, decision_id=ids[1], decision_hash=decision.hash, body=body, personal=[])
    _sql(store, "INSERT INTO evaluations (seq, id, decision_seq, decision_id, decision_hash, created_at, caller_name, "
                "caller_role, stage, body, format, personal, prev_hash, hash) VALUES (:seq, :id, :ds, :did, :dh, "
                ":created_at, :caller_name, :caller_role, :stage, :body, 1, NULL, :prev_hash, :hash)",
         **forged, ds=decision.seq, did=ids[1], dh=decision.hash, body=body, hash=digest)
    result = _verify(store)
    assert not result.ok and result.first_bad_evaluation == 4 and "inserted" in result.reason


def test_personal_fields_of_evaluations_follow_the_privacy_settings(db_url, rulebase, recommendation):
    """COGOV_PERSONAL_FIELDS / COGOV_REDACT name /evaluation/... pointers: a kept value is committed with a
    salt, a redacted one is never stored, retention removes kept ones; the chain verifies throughout, and a
    kept value altered fails it."""
    store, ids = open_store(db_url, rulebase, recommendation, personal=("/evaluation/notes",),
                            redact=("/evaluation/items/*/reason",))
    try:
        body = synthetic(1, items=[{"item": "approach", "status": "dropped", "reason": "the mayor said so"}])
        stored = store.evaluations.record(decision_id=ids[0], identity=Who("alice"), evaluation=body)
        assert set(stored.personal) == {"/evaluation/notes", "/evaluation/items/0/reason"}
        assert stored.personal["/evaluation/items/0/reason"] is None
        with store.engine.connect() as conn:
            raw = conn.execute(text("SELECT body FROM evaluations")).scalar_one()
        assert "the mayor said so" not in raw and "SYNTHETIC test evaluation 1" in raw
        assert COMMITMENT.match(json.loads(raw)["items"][0]["reason"])
        assert store.verify().ok
        assert store.evaluations.apply_retention(datetime.now(timezone.utc) + timedelta(days=1)) == 1
        (kept,) = store.evaluations.for_decision(ids[0])
        assert COMMITMENT.match(kept.body["notes"]) and set(kept.personal.values()) == {None}
        assert store.verify().ok
        run = CliRunner().invoke(main, ["audit", "verify", "--database-url", store.url])
        assert run.exit_code == 0, run.output
    finally:
        store.close()


def test_an_altered_personal_value_of_an_evaluation_fails_verify(db_url, rulebase, recommendation):
    store, ids = open_store(db_url, rulebase, recommendation, personal=("/evaluation/notes",))
    try:
        store.evaluations.record(decision_id=ids[0], identity=Who("alice"), evaluation=synthetic(1))
        body = synthetic(1, notes="SYNTHETIC but rewritten")
        _sql(store, "UPDATE evaluations SET body = :b", b=json.dumps(body))
        result = store.verify()
        assert not result.ok and result.first_bad_evaluation == 1 and "altered" in result.reason
    finally:
        store.close()


def test_retention_on_the_command_line_covers_evaluations(tmp_path, rulebase, recommendation, monkeypatch):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    store, ids = open_store(url, rulebase, recommendation, personal=("/evaluation/notes",))
    store.evaluations.record(decision_id=ids[0], identity=Who("alice"), evaluation=synthetic(1))
    store.close()
    monkeypatch.setenv("COGOV_PERSONAL_FIELDS", "/evaluation/notes")
    run = CliRunner().invoke(main, ["audit", "retention", "--days", "0", "--database-url", url])
    assert run.exit_code == 0, run.output
    assert "and of 1 evaluation(s)" in run.output and "OK: all 2 records verify" in run.output
    reopened = DecisionStore(url)
    try:
        assert COMMITMENT.match(reopened.evaluations.for_decision(ids[0])[0].body["notes"])
    finally:
        reopened.close()
