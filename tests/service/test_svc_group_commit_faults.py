"""GroupCommit (service/log/group_commit.py) when its transaction call itself fails, and when requests come
from more than one event loop: no request may be left waiting for an answer that never comes."""
from __future__ import annotations

import asyncio
import threading

import pytest

from service.log import DecisionStore
from service.log.group_commit import GroupCommit
from svc_helpers import Who
from test_svc_group_commit import NAMES, texts  # noqa: F401  (module fixture)

# A hang guard, not a timing claim: every answer here comes within milliseconds; a request that gets no
# answer at all would otherwise hang the suite.
HANG = 30


@pytest.fixture
def store(tmp_path, texts):  # noqa: F811
    rb, _ = texts
    s = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    s.store_rulebase(rb.version, rb.files)
    yield s
    s.close()


def _kw(texts, name, who="alice"):  # noqa: F811
    return {**texts[1][name], "identity": Who(who)}


def test_requests_queued_behind_a_failed_call_are_still_answered(store, texts, monkeypatch):  # noqa: F811
    """record_texts raising as a whole (e.g. no thread could be started for it) fails its own batch; the
    requests queued behind it are written by the next batch, not left waiting for a writer that died."""
    writer = GroupCommit(store, max_batch=2)
    real = store.record_texts
    calls = []

    def flaky(items):
        calls.append(len(items))
        if len(calls) == 1:
            raise RuntimeError("can't start new thread")
        return real(items)
    monkeypatch.setattr(store, "record_texts", flaky)

    async def main():
        return await asyncio.wait_for(asyncio.gather(*(writer.record_text(**_kw(texts, NAMES[i], f"u{i}"))
                                                       for i in range(4)), return_exceptions=True), HANG)
    answers = asyncio.run(main())
    assert [isinstance(a, RuntimeError) for a in answers] == [True, True, False, False], answers
    assert all(store.get(a[0]) is not None for a in answers[2:])
    assert store.verify().ok and store.verify().count == 2


def test_requests_on_two_event_loops_at_once_are_each_answered_on_their_own_loop(store, texts, monkeypatch):  # noqa: F811
    """A request on loop B arriving while loop A's write is under way is answered on loop B: resolved from
    loop A's thread, loop B would never be woken (asyncio futures are not thread-safe)."""
    writer = GroupCommit(store)
    real = store.record_texts
    first_call_started, release_first = threading.Event(), threading.Event()

    def gated(items):
        if not first_call_started.is_set():
            first_call_started.set()
            assert release_first.wait(HANG)
        return real(items)
    monkeypatch.setattr(store, "record_texts", gated)

    answers: dict[str, object] = {}

    def on_loop_a():
        try:
            answers["a"] = asyncio.run(writer.record_text(**_kw(texts, "athens", "a")))
        except BaseException as exc:  # pragma: no cover - reported below
            answers["a"] = exc
    thread = threading.Thread(target=on_loop_a)
    thread.start()
    assert first_call_started.wait(HANG)

    async def on_loop_b():
        pending = asyncio.ensure_future(writer.record_text(**_kw(texts, "genoa", "b")))
        await asyncio.sleep(0)          # queued now, while loop A's write is still under way
        release_first.set()
        # polls the future only (no callback needed from loop B's own I/O): done means it was answered
        done, _ = await asyncio.wait({pending}, timeout=HANG)
        return pending.result() if done else None
    answers["b"] = asyncio.run(on_loop_b())
    thread.join(HANG)
    assert isinstance(answers["a"], tuple), answers
    assert isinstance(answers["b"], tuple), answers
    assert store.get(answers["b"][0]).caller_name == "b"
    assert store.verify().ok and store.verify().count == 2
