"""The decision log on SQLite and PostgreSQL: append, read, filter, and a chain
that stays linear with concurrent writers and shows any tampering."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from engine import Engine, load_rulebase
from service.log import DecisionFilter, DecisionStore, LogError
from engine.explanation import compact
from service.log.chain import canonical_json, compact_json, record_hash
from service.log.models import GENESIS_HASH
from svc_helpers import MINI, Who, pilot

@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(MINI)


@pytest.fixture(scope="module")
def recommendations(rulebase) -> dict[str, dict]:
    """The mini rule base's recommendation for each pilot (evaluated once)."""
    engine = Engine(rulebase, backend="python")
    return {name: engine.evaluate(pilot(name)) for name in ("athens", "genoa", "milan", "bremen")}


@pytest.fixture
def store(db_url, rulebase):
    s = DecisionStore(db_url)
    s.store_rulebase(rulebase.version, rulebase.files)
    yield s
    s.close()


def add(store, recommendations, name="athens", who="alice", raw=None):
    context = pilot(name)
    return store.record(identity=Who(who), context_raw=raw if raw is not None else json.dumps(context),
                        recommendation=recommendations[name],
                        rulebase_version=recommendations[name]["rulebase"]["version"], engine_version="0.1.0")


def test_record_and_read_back(store, recommendations):
    raw = json.dumps(pilot("athens"), indent=1)
    first = add(store, recommendations, raw=raw)
    assert first.seq == 1 and first.prev_hash == GENESIS_HASH and len(first.hash) == 64
    assert first.created_at.tzinfo is timezone.utc
    second = add(store, recommendations, "genoa", "bob")
    assert second.seq == 2 and second.prev_hash == first.hash
    got = store.get(first.id)
    assert got == first
    assert got.context_raw == raw and got.recommendation == recommendations["athens"]
    assert got.city == "Athens" and got.approach == recommendations["athens"]["approach"]["code"]
    assert sum(got.fired_rules.values()) == len(recommendations["athens"]["explanation"]["firings"])
    assert store.get("nope") is None
    assert store.verify().ok and store.verify().count == 2


def test_record_from_a_parsed_context(store, recommendations):
    """The pages submit a parsed form: the log keeps its canonical JSON."""
    rec = store.record(identity=Who("alice"), context=pilot("milan"), recommendation=recommendations["milan"],
                       rulebase_version=recommendations["milan"]["rulebase"]["version"], engine_version="0.1.0")
    assert json.loads(rec.context_raw) == pilot("milan") and rec.city == "Milan"
    with pytest.raises(ValueError):
        store.record(identity=Who("alice"), recommendation={}, rulebase_version="x", engine_version="0.1.0")


def test_a_decision_needs_its_rule_base_stored(store, recommendations):
    with pytest.raises(LogError, match="not stored"):
        store.record(identity=Who("a"), context_raw="{}", recommendation=recommendations["athens"],
                     rulebase_version="sha256:unknown", engine_version="0.1.0")
    assert store.verify().count == 0


def test_rule_bases_are_kept_once_and_never_changed(store, rulebase):
    assert store.store_rulebase(rulebase.version, rulebase.files) == store.get_rulebase(rulebase.version).digest
    assert store.get_rulebase(rulebase.version).files == rulebase.files
    with pytest.raises(LogError, match="different files"):
        store.store_rulebase(rulebase.version, {**rulebase.files, "policy/extra.yaml": "rules: []\n"})
    assert store.get_rulebase("sha256:other") is None
    assert [v["version"] for v in store.list_rulebases()] == [rulebase.version]


def test_list_filters_and_pages(store, recommendations):
    made = [add(store, recommendations, n, w) for n, w in
            [("athens", "alice"), ("genoa", "bob"), ("milan", "alice"), ("bremen", "bob"), ("athens", "bob")]]
    page = store.list(limit=2)
    assert [r.seq for r in page.items] == [5, 4] and page.next_cursor
    page = store.list(cursor=page.next_cursor, limit=2)
    assert [r.seq for r in page.items] == [3, 2]
    page = store.list(cursor=page.next_cursor, limit=2)
    assert [r.seq for r in page.items] == [1] and page.next_cursor is None
    assert [r.seq for r in store.list({"caller": "bob"}).items] == [5, 4, 2]
    assert [r.seq for r in store.list(DecisionFilter(city="athens")).items] == [5, 1]
    assert [r.seq for r in store.list({"city": "athens", "caller": "alice"}).items] == [1]
    code = made[0].approach
    assert {r.seq for r in store.list({"approach": code}).items} == {r.seq for r in made if r.approach == code}
    assert store.count({"rulebase_version": made[0].rulebase_version}) == 5
    fired = next(iter(made[2].fired_rules))
    assert {r.seq for r in store.list({"rule": fired}).items} == {r.seq for r in made if fired in r.fired_rules}
    today = datetime.now(timezone.utc).date()
    assert store.count({"date_from": today, "date_to": today}) == 5
    assert store.count({"date_to": today - timedelta(days=1)}) == 0
    assert store.count({"date_from": made[3].created_at}) == 2
    assert store.count({"date_to": made[1].created_at}) == 2
    with pytest.raises(ValueError, match="unknown decision filter"):
        store.list({"colour": "red"})
    with pytest.raises(ValueError, match="invalid cursor"):
        store.list(cursor="not-a-cursor")


def test_rule_fire_counts(store, recommendations):
    made = [add(store, recommendations, n) for n in ("athens", "genoa", "athens")]
    counts = store.rule_fire_counts()
    for rule in {r for m in made for r in m.fired_rules}:
        assert counts[rule] == sum(1 for m in made if rule in m.fired_rules)
    assert store.rule_fire_counts(since=datetime.now(timezone.utc) + timedelta(hours=1)) == {}


def test_concurrent_writers_keep_the_chain_linear(db_url, store, recommendations):
    """Two stores (as two replicas) and several threads append at once."""
    other = DecisionStore(db_url)
    errors: list[BaseException] = []

    def write(target: DecisionStore, n: int) -> None:
        try:
            for _ in range(n):
                add(target, recommendations, "genoa")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, 8)) for s in (store, other, store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    result = store.verify()
    assert result.ok and result.count == 32
    assert [r.seq for r in store.list(limit=200).items] == list(range(32, 0, -1))


def test_migrations_are_idempotent(db_url, store, recommendations):
    add(store, recommendations)
    again = DecisionStore(db_url)
    assert again.verify().count == 1
    again.close()


# -- tampering ------------------------------------------------------------------------
def _sql(store: DecisionStore, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def chain(store, recommendations):
    return [add(store, recommendations, n) for n in ("athens", "genoa", "milan", "bremen")]


def test_altered_content_is_found(store, chain):
    _sql(store, "UPDATE decisions SET context_raw = :raw WHERE seq = 2", raw=chain[1].context_raw.replace(
        "Genoa", "Genova"))
    result = store.verify()
    assert not result.ok and result.first_bad_id == chain[1].id and result.first_bad_seq == 2
    assert "altered" in result.reason and result.count == 1


def test_altered_and_rehashed_record_breaks_the_next_link(store, chain):
    """A forger who recomputes the altered record's hash is caught at the next record."""
    forged = chain[1]
    new_hash = record_hash(seq=forged.seq, id=forged.id, created_at=forged.created_at, caller_name="mallory",
                           caller_role=forged.caller_role, context_raw=forged.context_raw,
                           recommendation=compact_json(compact(forged.recommendation)),   # as stored
                           rulebase_version=forged.rulebase_version, rulebase_digest=forged.rulebase_digest,
                           engine_version=forged.engine_version, prev_hash=forged.prev_hash)
    _sql(store, "UPDATE decisions SET caller_name = 'mallory', hash = :h WHERE seq = 2", h=new_hash)
    result = store.verify()
    assert result.first_bad_id == chain[2].id and "prev_hash" in result.reason and result.count == 2


def test_deleted_record_is_found(store, chain):
    _sql(store, "DELETE FROM decision_rules WHERE decision_seq = 2")
    _sql(store, "DELETE FROM decisions WHERE seq = 2")
    result = store.verify()
    assert not result.ok and result.first_bad_id == chain[2].id and result.first_bad_seq == 3
    assert "record(s) 2 are missing" in result.reason


def test_deleted_last_record_is_found(store, chain):
    _sql(store, "DELETE FROM decision_rules WHERE decision_seq = 4")
    _sql(store, "DELETE FROM decisions WHERE seq = 4")
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 4 and result.count == 3
    assert "were deleted" in result.reason


def test_altered_index_is_found(store, chain):
    _sql(store, "UPDATE decisions SET approach = 'autonomous' WHERE seq = 3")
    assert store.verify().first_bad_id == chain[2].id
    _sql(store, "UPDATE decisions SET approach = :a WHERE seq = 3", a=chain[2].approach)
    _sql(store, "DELETE FROM decision_rules WHERE decision_seq = 1")
    result = store.verify()
    assert result.first_bad_id == chain[0].id and "fired-rules index" in result.reason


def test_altered_rule_base_files_are_found(store, chain, rulebase):
    files = dict(rulebase.files)
    files["policy/thomas.yaml"] += "\n# a quiet edit\n"
    _sql(store, "UPDATE rulebases SET files = :f", f=json.dumps(files))
    result = store.verify()
    assert result.first_bad_id == chain[0].id and "rule base" in result.reason


def test_models_match_the_migrations(store):
    """The ORM models and the Alembic revisions describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.log.models import Base
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
