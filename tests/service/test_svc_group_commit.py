"""The decision log's group commit (service/log/group_commit.py): concurrent requests' decisions are written
in shared transactions, each exactly as a single write would store it, none acknowledged before its commit,
and one request's refusal does not fail the others."""
from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import event

from engine import Engine, load_rulebase
from service.log import DecisionStore, LogError
from service.log.chain import canonical_json, recommendation_index
from service.log.group_commit import GroupCommit
from svc_helpers import MINI, Who, pilot

NAMES = ("athens", "genoa", "milan", "bremen")


@pytest.fixture(scope="module")
def texts():
    rb = load_rulebase(MINI)
    engine = Engine(rb, backend="python")
    out = {}
    for name in NAMES:
        rec = engine.evaluate(pilot(name))
        out[name] = dict(canonical=canonical_json(rec), index=recommendation_index(rec),
                         rulebase_version=rec["rulebase"]["version"], engine_version=rec["engine"]["version"],
                         context=pilot(name), context_raw=json.dumps(pilot(name)))
    return rb, out


@pytest.fixture
def store(db_url, texts):
    rb, _ = texts
    s = DecisionStore(db_url)
    s.store_rulebase(rb.version, rb.files)
    yield s
    s.close()


def _kw(texts, name, who="alice", **over):
    return {**texts[1][name], "identity": Who(who), **over}


def test_concurrent_requests_share_transactions_and_every_decision_is_stored_exactly(store, texts):
    writer = GroupCommit(store, max_batch=8)
    commits = []
    event.listen(store.engine, "commit", lambda conn: commits.append(1))

    async def main():
        return await asyncio.gather(*(writer.record_text(**_kw(texts, NAMES[i % 4], f"user{i}"))
                                      for i in range(40)))
    answers = asyncio.run(main())
    assert len({decision_id for decision_id, _ in answers}) == 40
    # the 40 requests queue before the writer first runs: 5 transactions of 8, 5 commits
    assert writer.batches == 5 and len(commits) == 5, (writer.batches, len(commits))
    page = store.list(limit=100)
    assert [r.seq for r in reversed(page.items)] == list(range(1, 41))
    for i, (decision_id, created_at) in enumerate(answers):
        record = store.get(decision_id)
        assert record.caller_name == f"user{i}" and record.created_at.replace(tzinfo=None) == created_at
        assert canonical_json(record.recommendation) == texts[1][NAMES[i % 4]]["canonical"]
        assert record.context_raw == texts[1][NAMES[i % 4]]["context_raw"]
    result = store.verify()
    assert result.ok and result.count == 40


def test_a_request_refused_on_its_own_does_not_fail_the_others(store, texts):
    writer = GroupCommit(store)

    async def main():
        return await asyncio.gather(writer.record_text(**_kw(texts, "athens")),
                                    writer.record_text(**_kw(texts, "genoa", rulebase_version="sha256:unknown")),
                                    writer.record_text(**_kw(texts, "milan")), return_exceptions=True)
    first, refused, third = asyncio.run(main())
    assert isinstance(refused, LogError) and "not stored" in str(refused)
    assert store.get(first[0]) is not None and store.get(third[0]) is not None
    assert store.verify().ok and store.verify().count == 2


def test_a_failed_transaction_fails_every_request_in_it_and_stores_none(store, texts, monkeypatch):
    writer = GroupCommit(store)
    before = store.verify().count
    real_write = DecisionStore._write

    def failing(conn, items, digests):
        real_write(conn, items, digests)     # rows inserted, then the transaction fails before its commit
        raise RuntimeError("disk full")
    monkeypatch.setattr(DecisionStore, "_write", staticmethod(failing))

    async def main():
        return await asyncio.gather(*(writer.record_text(**_kw(texts, name)) for name in NAMES),
                                    return_exceptions=True)
    answers = asyncio.run(main())
    assert all(isinstance(a, RuntimeError) and "disk full" in str(a) for a in answers), answers
    monkeypatch.setattr(DecisionStore, "_write", staticmethod(real_write))
    assert store.verify().count == before and store.verify().ok
    # the log goes on afterwards
    decision_id, _ = asyncio.run(writer.record_text(**_kw(texts, "athens")))
    assert store.get(decision_id).seq == before + 1 and store.verify().ok


def test_a_batch_is_stored_as_single_writes_store_it(store, texts):
    """record_texts chains each item after the previous one, each stored exactly as record() stores the same
    recommendation given as a dict."""
    kw = _kw(texts, "athens")
    one = store.record(identity=kw["identity"], context_raw=kw["context_raw"],
                       recommendation=json.loads(kw["canonical"]), rulebase_version=kw["rulebase_version"],
                       engine_version=kw["engine_version"])
    many = store.record_texts([_kw(texts, name, f"u{i}") for i, name in enumerate(NAMES)])
    assert all(isinstance(m, tuple) for m in many)
    seqs = [store.get(m[0]).seq for m in many]
    assert seqs == [one.seq + 1 + i for i in range(len(NAMES))]
    assert store.verify().ok and store.verify().count == 1 + len(NAMES)
    batched = store.get(many[NAMES.index("athens")][0])
    for field in ("context_raw", "recommendation", "rulebase_version", "rulebase_digest", "engine_version",
                  "approach", "city", "project_name", "fired_rules", "format", "personal"):
        assert getattr(batched, field) == getattr(one, field), field
