"""Compact decision records (format 3, service/log/packing.py): the log stores the compact recommendation and
renders it in full from the stored rule base version when read; records of the older formats stay readable
and verifiable beside them; a record whose rule base cannot be had is an explicit error, never another
rendering. On SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

import service.log.store as store_module
from engine import Engine, load_rulebase
from engine.explanation import compact, is_compact
from service.log import DecisionStore, LogError
from service.log.chain import canonical_json, compact_json
from service.log.packing import pack, unpack
from svc_helpers import REPO, Who, pilot

NAMES = ("athens", "genoa", "malmo")


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(REPO / "rules")


@pytest.fixture(scope="module")
def recommendations(rulebase) -> dict[str, dict]:
    engine = Engine(rulebase, backend="python")
    try:
        return {name: engine.evaluate(pilot(name)) for name in NAMES}
    finally:
        engine.close()


@pytest.fixture
def store(db_url, rulebase):
    s = DecisionStore(db_url)
    s.store_rulebase(rulebase.version, rulebase.files)
    yield s
    s.close()


def add(store, recommendations, name):
    return store.record(identity=Who("alice"), context_raw=json.dumps(pilot(name)),
                        recommendation=recommendations[name], rulebase_version=recommendations[name]["rulebase"]
                        ["version"], engine_version="0.3.0")


def _row(store, decision_id):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM decisions WHERE id = :i"), {"i": decision_id}).one()


def test_a_new_record_stores_the_compact_form_packed_and_reads_in_full(store, recommendations):
    for name in NAMES:
        made = add(store, recommendations, name)
        row = _row(store, made.id)
        assert (row.format, row.context_raw, row.recommendation) == (3, "", "")
        context_raw, rec_text = unpack(bytes(row.packed))
        assert context_raw == json.dumps(pilot(name))
        assert rec_text == compact_json(compact(recommendations[name]))       # the engine's key order
        read = store.get(made.id)
        assert compact_json(read.recommendation) == compact_json(recommendations[name])   # byte for byte
        assert read.context_raw == context_raw and made.recommendation == read.recommendation
        full = len(canonical_json(recommendations[name]).encode()) + len(context_raw.encode())
        assert store.stored_bytes(made.id) < full / 5
    assert store.verify().ok and store.verify().count == len(NAMES)


def test_old_format_records_read_and_verify_beside_compact_ones(store, recommendations, monkeypatch):
    monkeypatch.setattr(store_module, "FORMAT", 2)          # as the log wrote them before format 3
    old = add(store, recommendations, "athens")
    monkeypatch.undo()
    new = add(store, recommendations, "athens")
    row = _row(store, old.id)
    assert (row.format, row.packed) == (2, None) and json.loads(row.recommendation) == recommendations["athens"]
    assert store.get(old.id).recommendation == store.get(new.id).recommendation == recommendations["athens"]
    assert store.verify().ok and store.verify().count == 2
    assert store.verify_record(1, old.id) is None and store.verify_record(2, new.id) is None
    replayed = [item for batch in store.iter_for_replay() for item in batch]
    assert [json.loads(rec) for _, _, rec, _ in replayed] == [recommendations["athens"]] * 2


def test_an_altered_packed_record_is_found(store, recommendations):
    made = [add(store, recommendations, n) for n in NAMES]
    context_raw, rec_text = unpack(bytes(_row(store, made[1].id).packed))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET packed = :p WHERE seq = 2"),
                     {"p": pack(context_raw, rec_text.replace('"tier":"core"', '"tier":"extra"', 1))})
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 2 and "altered" in result.reason


def test_text_written_beside_the_packed_value_is_what_is_read_and_verified(store, recommendations):
    """Plain columns filled in afterwards are read instead of the packed texts, and do not verify."""
    made = add(store, recommendations, "genoa")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET context_raw = :c WHERE seq = 1"),
                     {"c": json.dumps(pilot("genoa")).replace("Genoa", "Genova")})
    assert "Genova" in store.get(made.id).context_raw
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 1 and "altered" in result.reason


def test_a_record_whose_rule_base_is_not_stored_is_an_explicit_error(db_url, rulebase, recommendations,
                                                                    monkeypatch):
    """The log keeps every version a decision names (a foreign key): one missing all the same (a copied or
    damaged log) makes reading the decision fail naming it, and verify fail."""
    store = DecisionStore(db_url)
    try:
        store.store_rulebase(rulebase.version, rulebase.files)
        made = add(store, recommendations, "athens")
        with store.engine.begin() as conn, pytest.raises(Exception, match="(?i)foreign key"):
            conn.execute(text("DELETE FROM rulebases"))
        fresh = DecisionStore(db_url)
        monkeypatch.setattr(fresh, "get_rulebase", lambda version: None)
        try:
            with pytest.raises(LogError, match=f"rule base {rulebase.version} is not stored"):
                fresh.get(made.id)
            result = fresh.verify()
            assert not result.ok and "is not stored" in result.reason
        finally:
            fresh.close()
    finally:
        store.close()


def test_a_record_whose_stored_rule_files_load_as_another_version_is_never_rendered_from_them(store, rulebase,
                                                                                              recommendations):
    made = add(store, recommendations, "athens")
    files = dict(rulebase.files)
    files["policy/thomas.yaml"] = "# altered after the fact\n" + files["policy/thomas.yaml"]
    forged = "sha256:" + "0" * 64
    store.store_rulebase(forged, files)
    with store.engine.begin() as conn:          # as if it had been made with the forged version
        conn.execute(text("UPDATE decisions SET rulebase_version = :v WHERE id = :i"), {"v": forged, "i": made.id})
    with pytest.raises(LogError, match="does not load"):
        store.get(made.id)


def test_a_stored_rule_base_that_lacks_a_fired_rule_cannot_render_and_does_not_verify(store, recommendations):
    made = add(store, recommendations, "athens")
    context_raw, rec_text = unpack(bytes(_row(store, made.id).packed))
    data = json.loads(rec_text)
    data["explanation"]["firings"][0]["rule"] = "nowhere.rule"
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET packed = :p WHERE seq = 1"),
                     {"p": pack(context_raw, compact_json(data))})
    with pytest.raises(LogError, match="nowhere.rule"):
        store.get(made.id)
    assert not store.verify().ok


def test_retention_keeps_a_compact_record_compact_readable_and_verifiable(db_url, rulebase, recommendations):
    from datetime import datetime, timedelta, timezone

    from service.log.privacy import PrivacyPolicy
    store = DecisionStore(db_url, privacy=PrivacyPolicy(personal=("/context/stakeholders/*/name",
                                                                  "/recommendation/participants/*/name")))
    try:
        store.store_rulebase(rulebase.version, rulebase.files)
        made = add(store, recommendations, "malmo")
        assert store.get(made.id).recommendation == recommendations["malmo"]
        assert store.apply_retention(datetime.now(timezone.utc) + timedelta(days=1)) == 1
        row = _row(store, made.id)
        assert row.format == 3 and is_compact(json.loads(unpack(bytes(row.packed))[1]))
        read = store.get(made.id).recommendation
        assert all(p["name"].startswith("sha256:") for p in read["participants"])
        assert read["explanation"] == recommendations["malmo"]["explanation"]
        assert store.verify().ok
    finally:
        store.close()
