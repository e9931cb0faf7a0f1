"""Personal fields in the decision log: redacted at storage or removed by retention, chain intact.

See service/log/privacy.py for the scheme (salted commitments) and RELIABILITY.md.
"""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from engine import Engine, load_rulebase
from service.log import DecisionStore
from service.log.privacy import COMMITMENT, PointerError, PrivacyPolicy, commitment
from service.settings import Settings, SettingsError
from rel_helpers import COGOV, MINI, REPO, pilot

NAMES = "/context/stakeholders/*/name"
PARTICIPANT_NAMES = "/recommendation/participants/*/name"


class Who:
    def __init__(self, name: str, role: str = "manager"):
        self.name, self.role = name, role


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(MINI)


@pytest.fixture(scope="module")
def recommendation(rulebase) -> dict:
    return Engine(rulebase, backend="python").evaluate(pilot("athens"))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    pg = request.getfixturevalue("private_pg")
    from sqlalchemy import create_engine
    name = f"privacy_{abs(hash(request.node.name)) % 10**8}"
    admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg.url.rsplit("/", 1)[0] + "/" + name


def open_store(url, rulebase, **policy) -> DecisionStore:
    store = DecisionStore(url, privacy=PrivacyPolicy(**policy))
    store.store_rulebase(rulebase.version, rulebase.files)
    return store


def add(store, recommendation, who="alice"):
    return store.record(identity=Who(who), context_raw=json.dumps(pilot("athens")), recommendation=recommendation,
                        rulebase_version=recommendation["rulebase"]["version"], engine_version="0.1.0")


def raw_rows(store) -> str:
    """Everything the decisions table holds, as text: where a removed value must not appear."""
    with store.engine.connect() as conn:
        return json.dumps([list(map(str, r)) for r in conn.execute(text("SELECT * FROM decisions"))])


def test_personal_fields_are_kept_then_removed_by_retention_and_the_chain_verifies(url, rulebase, recommendation):
    store = open_store(url, rulebase, personal=(NAMES, PARTICIPANT_NAMES))
    names = [s["name"] for s in pilot("athens")["stakeholders"]]
    assert recommendation["participants"] and names
    records = [add(store, recommendation) for _ in range(3)]
    got = store.get(records[0].id)
    assert [s["name"] for s in got.context["stakeholders"]] == names            # kept until retention
    assert set(got.personal) >= {f"/context/stakeholders/{i}/name" for i in range(len(names))}
    assert all(salt for salt in got.personal.values())
    assert store.verify().ok and store.verify().count == 3

    # retention of the first two (made before the third)
    changed = store.apply_retention(records[2].created_at)
    assert changed == 2
    assert store.verify().ok, store.verify()
    for old in records[:2]:
        gone = store.get(old.id)
        assert gone.hash == old.hash and gone.prev_hash == old.prev_hash
        assert all(v is None for v in gone.personal.values())
        for i, s in enumerate(gone.context["stakeholders"]):
            assert COMMITMENT.match(s["name"]), s["name"]
        for p in gone.recommendation["participants"]:
            assert COMMITMENT.match(p["name"])
        assert gone.city == old.city and gone.approach == old.approach
    kept = store.get(records[2].id)
    assert [s["name"] for s in kept.context["stakeholders"]] == names
    assert store.apply_retention(records[2].created_at) == 0                     # idempotent
    store.close()


def test_an_altered_personal_value_or_salt_is_found(url, rulebase, recommendation):
    store = open_store(url, rulebase, personal=(NAMES,))
    first = add(store, recommendation)
    add(store, recommendation)
    row = store.get(first.id)
    context = row.context
    context["stakeholders"][0]["name"] = "Someone else"
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET context_raw = :c WHERE seq = 1"), {"c": json.dumps(context)})
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 1 and "altered" in result.reason
    # put the value back, then drop a salt without replacing its value: also found
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET context_raw = :c WHERE seq = 1"), {"c": row.context_raw})
    assert store.verify().ok
    salts = dict(row.personal)
    salts[next(iter(salts))] = None
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET personal = :p WHERE seq = 1"), {"p": json.dumps(salts)})
    result = store.verify()
    assert not result.ok and "holds no commitment" in result.reason
    store.close()


def test_redacted_fields_are_never_stored(url, rulebase, recommendation):
    store = open_store(url, rulebase, redact=(NAMES, PARTICIPANT_NAMES, "/context/project/city"))
    record = add(store, recommendation)
    stored = raw_rows(store)
    for s in pilot("athens")["stakeholders"]:
        assert s["name"] not in stored
    assert "Athens" not in stored.replace("Athens:", "")   # the project name itself still says Athens
    got = store.get(record.id)
    assert COMMITMENT.match(got.context["project"]["city"]) and got.city == got.context["project"]["city"]
    assert all(v is None for v in got.personal.values())
    assert store.verify().ok
    assert store.apply_retention(datetime.now(timezone.utc) + timedelta(days=1)) == 0
    store.close()


def test_records_of_the_old_format_keep_verifying_beside_new_ones(tmp_path, rulebase, recommendation, monkeypatch):
    import service.log.store as store_module
    url = f"sqlite:///{tmp_path / 'log.db'}"
    store = open_store(url, rulebase, personal=(NAMES,))
    monkeypatch.setattr(store_module, "FORMAT", 1)
    store.privacy = PrivacyPolicy()          # format 1 had no personal fields
    old = add(store, recommendation)
    monkeypatch.setattr(store_module, "FORMAT", 2)      # personal fields, the full recommendation
    store.privacy = PrivacyPolicy(personal=(NAMES,))
    full = add(store, recommendation)
    monkeypatch.undo()                                  # format 3: compact and packed (service/log/packing.py)
    new = add(store, recommendation)
    assert [store.get(r.id).format for r in (old, full, new)] == [1, 2, 3]
    assert store.get(new.id).recommendation == store.get(full.id).recommendation    # rendered in full
    assert store.verify().ok and store.verify().count == 3
    assert store.apply_retention(datetime.now(timezone.utc) + timedelta(days=1)) == 2   # not the first
    assert store.verify().ok
    assert store.get(new.id).recommendation == recommendation      # the names are the context's: erased there
    store.close()


def test_commitments_depend_on_pointer_salt_and_value():
    c = commitment("/context/stakeholders/0/name", "aa", "X")
    assert COMMITMENT.match(c)
    assert len({c, commitment("/context/stakeholders/1/name", "aa", "X"), commitment("/context/stakeholders/0/name",
                "bb", "X"), commitment("/context/stakeholders/0/name", "aa", "Y")}) == 4


@pytest.mark.parametrize("pointer,why", [
    ("context/project/name", "starts with '/'"),
    ("/project/name", "/context/... or /recommendation/..."),
    ("/context//name", "empty reference token"),
])
def test_bad_pointers_are_refused_naming_the_variable(pointer, why):
    with pytest.raises(PointerError, match=why):
        PrivacyPolicy(personal=(pointer,))
    with pytest.raises(SettingsError, match="COGOV_REDACT"):
        Settings.from_env({"COGOV_REDACT": pointer})


def test_cli_retention_removes_personal_fields_and_verifies(tmp_path, rulebase, recommendation):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    store = open_store(url, rulebase, personal=(NAMES,))
    record = add(store, recommendation)
    run = subprocess.run([*COGOV, "audit", "retention", "--days", "0", "--database-url", url], capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert "removed the personal fields of 1 decision(s)" in run.stdout and "OK: all 1 records verify" in run.stdout
    assert all(COMMITMENT.match(s["name"]) for s in store.get(record.id).context["stakeholders"])
    store.close()
    missing = subprocess.run([*COGOV, "audit", "retention", "--database-url", url], capture_output=True, text=True,
                             timeout=60, cwd=REPO, env={"PATH": "/usr/bin:/bin"})
    assert missing.returncode == 2 and "COGOV_RETENTION_DAYS" in missing.stderr


@pytest.mark.parametrize("personal,redact", [
    (("/context/stakeholders/*",), (NAMES, PARTICIPANT_NAMES)),   # redacted inside a kept personal value
    ((NAMES,), ("/context/stakeholders", PARTICIPANT_NAMES)),     # kept personal inside a redacted value
    (("/context/stakeholders", "/recommendation/participants"),
     ("/context/stakeholders/*", NAMES, PARTICIPANT_NAMES)),
], ids=["redact-inside-personal", "personal-inside-redact", "nested-redacts"])
def test_overlapping_pointers_never_store_a_redacted_value(tmp_path, rulebase, recommendation, personal, redact):
    store = open_store(f"sqlite:///{tmp_path / 'log.db'}", rulebase, personal=personal, redact=redact)
    record = add(store, recommendation)
    stored = raw_rows(store)
    for s in pilot("athens")["stakeholders"]:
        assert s["name"] not in stored, f"redacted name {s['name']!r} was stored"
    assert store.verify().ok, store.verify()
    assert store.apply_retention(datetime.now(timezone.utc) + timedelta(days=1)) in (0, 1)
    assert store.verify().ok and store.get(record.id).hash == record.hash
    store.close()


def test_retention_stops_at_an_altered_record_instead_of_burying_the_evidence(tmp_path, rulebase, recommendation):
    from click.testing import CliRunner

    from service.cli import main
    from service.log import LogError

    url = f"sqlite:///{tmp_path / 'log.db'}"
    store = open_store(url, rulebase, personal=(NAMES,))
    first = add(store, recommendation)
    context = store.get(first.id).context
    context["stakeholders"][0]["name"] = "Someone else"
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET context_raw = :c WHERE seq = 1"), {"c": json.dumps(context)})
    later = datetime.now(timezone.utc) + timedelta(days=1)
    with pytest.raises(LogError, match="seq 1: .*altered"):
        store.apply_retention(later)
    kept = store.get(first.id)
    assert kept.context["stakeholders"][0]["name"] == "Someone else" and all(kept.personal.values())
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 1
    run = CliRunner().invoke(main, ["audit", "retention", "--days", "0", "--database-url", url])
    assert run.exit_code == 1 and "seq 1" in run.output and "Traceback" not in run.output
    store.close()
