"""The decision log keeps every decision's wording safe (issue 18 item 4, issue 16): the stored translations a
decision was answered with are covered by the log's integrity (read back only as the version they are, and
checked by verify), one decision that cannot be rendered does not keep the others from being listed, and the
downgrade below packed records refuses rather than lose their texts. (A form decision's language:
test_svc_form_wording.py.)"""
from __future__ import annotations

import json

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from svc_helpers import REPO, Who, pilot, settings_for

from engine import load_rulebase
from engine.translations import files_version
from service.app import create_app
from service.log import DecisionStore
from service.log.db import alembic_config
from service.log.store import RULEBASES, TRANSLATIONS, RecordNotRenderable
from service.rule_words import keep_translations


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(REPO / "rules")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The shipped rule base (with its translations) in local mode: every caller has every role."""
    tmp = tmp_path_factory.mktemp("wording")
    app = create_app(settings_for(tmp, rules_dir=REPO / "rules", workers=1))
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _alter_translations(store: DecisionStore, version: str) -> None:
    with store.engine.connect() as conn:
        files = json.loads(conn.execute(select(TRANSLATIONS.c.files).where(TRANSLATIONS.c.version == version))
                           .scalar_one())
    rel = min(files)
    files[rel] = files[rel] + "\n# EVIL <script>x</script>\n"
    with store.engine.begin() as conn:
        conn.execute(update(TRANSLATIONS).where(TRANSLATIONS.c.version == version).values(files=json.dumps(files)))


# -- 1. stored translations are covered by the log's integrity ------------------------------------------------
def test_altered_stored_translations_are_refused_when_read_and_found_by_verify(tmp_path, rulebase):
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        store.store_rulebase(rulebase.version, rulebase.files)
        wording = keep_translations(store, rulebase.catalogue, "el")
        version = wording["translations"]
        assert version is not None and store.get_translations(version) == rulebase.catalogue.translations.files
        made = store.record(identity=Who("alice"), context=pilot("genoa"), rulebase_version=rulebase.version,
                            engine_version="test", wording=wording,
                            recommendation=_evaluate(rulebase, pilot("genoa")))
        assert store.verify().ok
        _alter_translations(store, version)
        with pytest.raises(RecordNotRenderable, match=f"translations {version} were altered"):
            store.get_translations(version)
        result = store.verify()
        assert not result.ok and result.chain == "decisions"
        assert result.first_bad_id == made.id and result.first_bad_seq == made.seq
        assert f"the stored files of translations {version} were altered" in result.reason
        assert "since this decision was answered with them" in result.reason
    finally:
        store.close()


def test_verify_checks_stored_translations_no_decision_used(tmp_path):
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        files = {"translations/de/catalogue/roles.yaml": "roles.advisor.label:\n  text: Beraterin\n"}
        version = files_version({rel: t.encode() for rel, t in files.items()})
        store.store_translations(version, files)
        assert store.verify().ok
        _alter_translations(store, version)
        result = store.verify()
        assert not result.ok and result.first_bad_translations == version and result.translations == 0
        assert f"the stored files of translations {version} were altered" in result.reason
        assert str(result).startswith(f"FAILED at the stored files of translations {version} were altered")
        # not JSON files at all: named too
        with store.engine.begin() as conn:
            conn.execute(update(TRANSLATIONS).where(TRANSLATIONS.c.version == version).values(files="[1]"))
        assert "are not files" in store.verify().reason
    finally:
        store.close()


def test_a_decision_with_altered_translations_answers_409_not_the_altered_words(client):
    made = client.post("/api/v1/recommendations", json=pilot("genoa"), headers={"Accept-Language": "el"})
    assert made.status_code == 201, made.text
    store = client.app.state.store
    stored = store.get(made.json()["decision_id"])
    assert stored.language == "el" and stored.translations is not None
    assert client.get(f"/api/v1/decisions/{stored.id}").status_code == 200
    _alter_translations(store, stored.translations)
    try:
        answer = client.get(f"/api/v1/decisions/{stored.id}")
        assert answer.status_code == 409, answer.text
        assert f"translations {stored.translations} were altered" in answer.json()["detail"]
        assert "EVIL" not in answer.text
        assert client.get("/api/v1/audit/verify").json()["first_bad_id"] == stored.id
    finally:   # put the files back, for the tests after this one
        files = client.app.state.activator.current.rulebase.catalogue.translations.files
        with store.engine.begin() as conn:
            conn.execute(update(TRANSLATIONS).where(TRANSLATIONS.c.version == stored.translations)
                         .values(files=json.dumps(files)))
    assert store.verify().ok


# -- 3. one decision that cannot be rendered does not make the listing fail ----------------------------------
def test_listing_does_not_render_and_a_bad_record_stays_found(tmp_path, rulebase):
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        store.store_rulebase(rulebase.version, rulebase.files)
        made = [store.record(identity=Who("alice"), context=pilot(p), rulebase_version=rulebase.version,
                             engine_version="test", recommendation=_evaluate(rulebase, pilot(p)))
                for p in ("athens", "genoa")]
        with store.engine.begin() as conn:
            files = json.loads(conn.execute(select(RULEBASES.c.files)).scalar_one())
            rel = next(k for k in sorted(files) if k.startswith("policy/"))
            files[rel] = files[rel].replace("title:", "title: X", 1)
            conn.execute(update(RULEBASES).values(files=json.dumps(files)))
        store._rulebase_cache.clear()
        page = store.list()
        assert [r.summary()["decision_id"] for r in page.items] == [made[1].id, made[0].id]
        assert page.items[0].context["project"] == pilot("genoa")["project"]     # its context, not rendered
        with pytest.raises(RecordNotRenderable):
            _ = page.items[0].recommendation                   # rendered when read: the explicit error
        with pytest.raises(RecordNotRenderable):
            store.get(made[0].id)
        result = store.verify()
        assert not result.ok and result.first_bad_id == made[0].id
        assert "rule base" in result.reason and "altered" in result.reason
    finally:
        store.close()


def test_listing_pages_answer_beside_a_record_that_cannot_be_rendered(client):
    store = client.app.state.store
    decision_id = client.post("/api/v1/recommendations", json=pilot("athens")).json()["decision_id"]
    version = store.get(decision_id).rulebase_version
    with store.engine.begin() as conn:
        original = conn.execute(select(RULEBASES.c.files).where(RULEBASES.c.version == version)).scalar_one()
        files = json.loads(original)
        rel = next(k for k in sorted(files) if k.startswith("policy/"))
        files[rel] = files[rel].replace("title:", "title: X", 1)
        conn.execute(update(RULEBASES).where(RULEBASES.c.version == version).values(files=json.dumps(files)))
    store._rulebase_cache.clear()
    try:
        listed = client.get("/api/v1/decisions")
        assert listed.status_code == 200, listed.text
        assert decision_id in [d["decision_id"] for d in listed.json()["items"]]
        log_page = client.get("/log")
        assert log_page.status_code == 200 and decision_id in log_page.text
        assert client.get(f"/api/v1/decisions/{decision_id}").status_code == 409
        assert client.get("/api/v1/audit/verify").json()["ok"] is False
    finally:
        with store.engine.begin() as conn:
            conn.execute(update(RULEBASES).where(RULEBASES.c.version == version).values(files=original))
        store._rulebase_cache.clear()
    assert store.verify().ok


# -- 4. the downgrade below packed records refuses rather than lose them -------------------------------------
def _downgrade(store: DecisionStore, revision: str) -> None:
    """Downgrade in one transaction (SQLite's DDL is transactional: a refusal leaves the log as it was), with
    SQLite's foreign keys off as for a table rebuild (0008's downgrade rebuilds `decisions`)."""
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")      # outside a transaction, where it takes effect
        try:
            with conn.begin():
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, revision)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def test_downgrade_below_0007_refuses_while_packed_records_exist(tmp_path, rulebase):
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        store.store_rulebase(rulebase.version, rulebase.files)
        made = store.record(identity=Who("alice"), context=pilot("genoa"), rulebase_version=rulebase.version,
                            engine_version="test", recommendation=_evaluate(rulebase, pilot("genoa")))
        assert made.format >= 3
        with pytest.raises(RuntimeError, match=r"1 decision record\(s\) are packed .*refused rather than lose"):
            _downgrade(store, "0006")
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT packed IS NOT NULL FROM decisions")).scalar_one()
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0008"
        assert store.verify().ok and store.get(made.id).recommendation
    finally:
        store.close()


def test_downgrade_below_0007_of_a_log_without_packed_records(tmp_path):
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        _downgrade(store, "0006")
        with store.engine.connect() as conn:
            columns = [r[1] for r in conn.execute(text("PRAGMA table_info(decisions)"))]
        assert "packed" not in columns
    finally:
        store.close()


def _evaluate(rulebase, context):
    from engine import Engine
    engine = Engine(rulebase, backend="python")
    try:
        return engine.evaluate(context)
    finally:
        engine.close()
