"""Rule base activations are evidence: `cogov audit verify` names one altered, deleted or inserted, on SQLite
and PostgreSQL, and activations recorded before their chain existed are chained by the migration
(issue 13, item 4)."""
from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import text

from engine import Engine, load_rulebase
from service.cli import main
from service.log import DecisionStore
from service.log.chain import activation_hash
from service.log.db import alembic_config, make_engine
from svc_helpers import MINI, Who, pilot


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(MINI)


@pytest.fixture
def store(db_url, rulebase):
    s = DecisionStore(db_url)
    s.store_rulebase(rulebase.version, rulebase.files)
    rec = Engine(rulebase, backend="python").evaluate(pilot("athens"))
    s.record(identity=Who("alice"), context=pilot("athens"), recommendation=rec, rulebase_version=rulebase.version,
             engine_version="0.1.0")
    for who, action, note in (("startup", "startup", "from rules/"), ("dave", "activate", "new thresholds"),
                              ("erin", "rollback", "thresholds too strict")):
        s.record_activation(rulebase.version, who, action, note)
    yield s
    s.close()


def _sql(store: DecisionStore, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _verify(store: DecisionStore):
    """The store's verdict, and the command line's (exit code, output), which must agree."""
    result = store.verify()
    run = CliRunner().invoke(main, ["audit", "verify", "--database-url", store.url])
    assert run.exit_code == (0 if result.ok else 1), run.output
    assert run.output.strip() == str(result)
    return result


def test_activations_are_chained_and_verify(store):
    result = _verify(store)
    assert result.ok and result.count == 1 and result.activations == 3
    assert str(result) == "OK: all 1 records verify"
    history = store.list_activations()
    assert [a["activated_by"] for a in history] == ["erin", "dave", "startup"]


@pytest.mark.parametrize(("column", "value"), [
    ("activated_by", "mallory"), ("note", "nothing to see"), ("action", "rollback"),
    ("activated_at", datetime(2020, 1, 1)), ("prev_hash", "0" * 64)])
def test_an_altered_activation_is_named(store, column, value):
    _sql(store, f"UPDATE rulebase_activations SET {column} = :v WHERE seq = 2", v=value)
    result = _verify(store)
    assert not result.ok and result.first_bad_activation == 2
    assert result.reason.startswith("activation 2 (") and "altered" in result.reason
    assert result.count == 1 and result.activations == 1     # the decisions verify; activation 1 too


def test_another_version_in_an_activation_is_named(store, rulebase):
    files = dict(rulebase.files)
    files["policy/zz.yaml"] = "rules: []\n"
    store.store_rulebase("sha256:other", files)
    _sql(store, "UPDATE rulebase_activations SET version = 'sha256:other' WHERE seq = 3")
    result = _verify(store)
    assert result.first_bad_activation == 3 and "of sha256:other by erin" in result.reason


def test_a_deleted_activation_is_named(store):
    _sql(store, "DELETE FROM rulebase_activations WHERE seq = 2")
    result = _verify(store)
    assert not result.ok and result.first_bad_activation == 3
    assert "activation(s) 2 are missing (deleted)" in result.reason


def test_a_deleted_last_activation_is_named(store):
    _sql(store, "DELETE FROM rulebase_activations WHERE seq = 3")
    result = _verify(store)
    assert not result.ok and result.first_bad_activation == 3 and "activation(s) 3 were deleted" in result.reason


def test_an_inserted_activation_is_named_even_when_correctly_hashed(store, rulebase):
    """A forger who knows the hash rules and links the row to the last one is caught by the head."""
    last = store.list_activations(limit=1)[0]
    with store.engine.connect() as conn:
        prev = conn.execute(text("SELECT hash FROM rulebase_activations WHERE seq = 3")).scalar_one()
    at = datetime(2026, 12, 1, 12, 0)
    forged = dict(seq=4, version=rulebase.version, activated_at=at, activated_by="dave", action="activate",
                  note="backdated", prev_hash=prev)
    _sql(store, "INSERT INTO rulebase_activations (version, activated_at, activated_by, action, note, seq, "
                "prev_hash, hash) VALUES (:version, :activated_at, :activated_by, :action, :note, :seq, "
                ":prev_hash, :hash)", **forged, hash=activation_hash(**forged))
    result = _verify(store)
    assert not result.ok and result.first_bad_activation == 4 and "inserted" in result.reason
    assert last["activated_by"] == "erin"


def test_an_inserted_activation_between_others_is_named(store, rulebase):
    _sql(store, "UPDATE rulebase_activations SET seq = seq + 10 WHERE seq >= 2")
    _sql(store, "INSERT INTO rulebase_activations (version, activated_at, activated_by, action, note, seq, "
                "prev_hash, hash) VALUES (:v, :at, 'mallory', 'activate', NULL, 2, :h, :h)",
         v=rulebase.version, at=datetime(2026, 12, 1), h="a" * 64)
    result = _verify(store)
    assert not result.ok and result.first_bad_activation == 2 and "by mallory" in result.reason


def test_the_activations_head_must_match(store):
    _sql(store, "UPDATE activation_head SET hash = :h", h="f" * 64)
    result = _verify(store)
    assert not result.ok and "activations' head does not match activation 3" in result.reason


def test_concurrent_activations_keep_the_chain_linear(store, rulebase):
    errors = []

    def activate(i: int) -> None:
        try:
            for j in range(4):
                store.record_activation(rulebase.version, f"author{i}", "activate", f"{i}.{j}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=activate, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = store.verify()
    assert result.ok and result.activations == 3 + 16


def test_activations_made_before_the_chain_are_chained_on_migration(db_url, rulebase):
    """A log at revision 0003 (activations with no hash) is migrated: its activations verify from then on,
    and a change made after the migration is named."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(text("INSERT INTO rulebases (version, digest, files, stored_at) VALUES (:v, :d, :f, :t)"),
                     {"v": rulebase.version, "d": "0" * 64, "f": json.dumps(rulebase.files),
                      "t": datetime(2026, 11, 27)})
        for i, who in enumerate(("startup", "dave")):
            conn.execute(text("INSERT INTO rulebase_activations (version, activated_at, activated_by, action, note) "
                              "VALUES (:v, :t, :who, 'activate', :note)"),
                         {"v": rulebase.version, "t": datetime(2026, 11, 27, 10, i), "who": who, "note": f"n{i}"})
    engine.dispose()
    store = DecisionStore(db_url)          # migrates to the head revision
    try:
        result = store.verify()
        assert result.ok and result.activations == 2
        assert [a["activated_by"] for a in store.list_activations()] == ["dave", "startup"]
        store.record_activation(rulebase.version, "erin", "rollback", "after the migration")
        assert store.verify().activations == 3
        _sql(store, "UPDATE rulebase_activations SET note = 'rewritten' WHERE seq = 1")
        result = store.verify()
        assert not result.ok and result.first_bad_activation == 1 and "by startup" in result.reason
    finally:
        store.close()
