"""Engine workers: parallel, supervised, replaced when they crash or overrun.

The test worker (svc_slow_worker.slow_main) is the real one except that a
project named "sleep:<seconds>" sleeps first, so a request can be caught in
flight.
"""
from __future__ import annotations

import asyncio
import concurrent.futures


def _run(coro):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an
    event loop running in the main thread, where asyncio.run would refuse."""
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, coro).result()
import os
import signal
import threading
import time

import pytest
from fastapi.testclient import TestClient

from engine import ContextError, Engine, EngineError, load_rulebase
from service.app import create_app
from service.workers import EnginePool, WorkerFailure, WorkerStartError
from svc_helpers import MINI, TOKENS_SPEC, auth, pilot, settings_for
from svc_slow_worker import failing_main, slow_main


def sleepy(seconds: float, base: str = "athens") -> dict:
    context = pilot(base)
    context["project"]["name"] = f"sleep:{seconds}"
    return context


def wait_for(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def slow_app(tmp_path_factory):
    app = create_app(settings_for(tmp_path_factory.mktemp("workers"), tokens=TOKENS_SPEC, eval_timeout=3),
                     worker_target=slow_main)
    with TestClient(app) as client:
        yield app, client


def test_worker_killed_mid_request_gives_503_and_is_replaced(slow_app, caplog):
    app, client = slow_app
    pool, store = app.state.activator.current.pool, app.state.store
    before_pids, before_count, replaced = set(pool.status()["pids"]), store.count(), pool.replaced
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.setdefault(
        "r", client.post("/api/v1/recommendations", json=sleepy(2.5), headers=auth("alice"))))
    thread.start()
    victim = wait_for(lambda: pool.status()["busy_pids"], what="a busy worker")[0]
    ok = client.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))   # the other worker
    assert ok.status_code == 201
    os.kill(victim, signal.SIGKILL)
    thread.join(10)
    r = answer["r"]
    assert r.status_code == 503
    assert "crashed" in r.json()["detail"] and r.headers["retry-after"] == "1"
    wait_for(lambda: pool.replaced == replaced + 1 and pool.status()["alive"] == 2, what="the replacement")
    after = set(pool.status()["pids"])
    assert victim not in after and len(after - before_pids) == 1
    assert store.count() == before_count + 1              # only the genoa decision was logged
    assert client.post("/api/v1/recommendations", json=pilot(), headers=auth("alice")).status_code == 201
    assert any("crash" in rec.message and str(victim) in rec.message for rec in caplog.records)
    assert pool.status()["failures"].get("crash", 0) >= 1


def test_worker_over_the_time_limit_gives_503_and_is_replaced(slow_app):
    app, client = slow_app
    pool = app.state.activator.current.pool
    wait_for(lambda: pool.status()["alive"] == 2 and pool.status()["idle"] == 2, what="a full pool")
    replaced = pool.replaced
    started = time.monotonic()
    r = client.post("/api/v1/recommendations", json=sleepy(8), headers=auth("alice"))
    elapsed = time.monotonic() - started
    assert r.status_code == 503 and "time limit of 3 s" in r.json()["detail"]
    assert 2.5 < elapsed < 6
    wait_for(lambda: pool.replaced == replaced + 1 and pool.status()["alive"] == 2, what="the replacement")
    assert client.post("/api/v1/recommendations", json=pilot(), headers=auth("alice")).status_code == 201


def test_workers_evaluate_in_parallel(slow_app):
    app, client = slow_app
    pool = app.state.activator.current.pool
    wait_for(lambda: pool.status()["idle"] == 2, what="two idle workers")
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(
        client.post("/api/v1/recommendations", json=sleepy(2.0), headers=auth("alice")).status_code))
        for _ in range(2)]
    for t in threads:
        t.start()
    # both jobs are seen running at once (two distinct worker pids busy), which a serial pool never shows
    busy = wait_for(lambda: (s := pool.status())["busy"] == 2 and s["busy_pids"], what="two busy workers")
    assert len(set(busy)) == 2
    for t in threads:
        t.join(10)
    assert results == [201, 201]


# -- the pool on its own -----------------------------------------------------------
@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(MINI)


def test_a_worker_dying_while_idle_is_replaced_without_failing_a_request(rulebase):
    async def scenario():
        pool = EnginePool(rulebase.files, rulebase.version, size=1, timeout=10, target=slow_main)
        await pool.start()
        try:
            pid = pool.status()["pids"][0]
            os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.3)
            rec = await pool.evaluate(pilot())
            assert rec["rulebase"]["version"] == rulebase.version
            assert pool.replaced == 1 and pid not in pool.status()["pids"]
        finally:
            await pool.close()
    _run(scenario())


def test_the_engine_refusal_reaches_the_caller_as_the_engine_raised_it(rulebase):
    """A worker sends the engine's CogovError itself: the caller gets the same class, code, message and
    per-field errors as an in-process evaluation raises, and the worker stays (a context's fault, not its)."""
    bad = pilot()
    bad["project"]["domain"] = "public_spaec"
    with pytest.raises(ContextError) as local:
        Engine(rulebase, backend="python").evaluate(bad)

    async def scenario():
        pool = EnginePool(rulebase.files, rulebase.version, size=1, timeout=10, target=slow_main)
        await pool.start()
        try:
            pid = pool.status()["pids"][0]
            with pytest.raises(ContextError) as refused:
                await pool.evaluate(bad)
            assert pool.replaced == 0 and pool.status()["pids"] == [pid]
            return refused.value
        finally:
            await pool.close()
    refused = _run(scenario())
    assert refused.code == "context_invalid" and refused.as_dict() == local.value.as_dict()
    assert any(e["field"] == "project.domain" for e in refused.errors)


def test_an_engine_fault_in_a_worker_keeps_its_code_and_fields_and_replaces_the_worker(rulebase):
    async def scenario():
        pool = EnginePool(rulebase.files, rulebase.version, size=1, timeout=10, target=slow_main)
        await pool.start()
        try:
            context = pilot()
            context["project"]["name"] = "fault:the rete network gave up"
            with pytest.raises(EngineError) as failed:
                await pool.evaluate(context)
            assert failed.value.as_dict() == {"code": "engine_fault", "message": "the rete network gave up",
                                              "rule": "a-rule"}
            await pool.evaluate(pilot())   # a fresh worker answers the next job
            assert pool.replaced == 1 and pool.failures == {"engine_error": 1}
        finally:
            await pool.close()
    _run(scenario())


def test_a_refusal_in_a_worker_is_answered_through_the_one_error_table(slow_app):
    _, client = slow_app
    bad = pilot()
    bad["project"]["domain"] = "public_spaec"
    r = client.post("/api/v1/recommendations", json=bad, headers=auth("alice"))
    assert r.status_code == 422 and r.json()["detail"] == "invalid context"
    assert any(e["field"] == "project.domain" for e in r.json()["errors"])
    faulty = pilot()
    faulty["project"]["name"] = "fault:the rete network gave up"
    r = client.post("/api/v1/recommendations", json=faulty, headers=auth("alice"))
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "the rules engine failed on this context: the rete network gave up"


def test_all_workers_busy_is_a_failure_not_a_hang(rulebase):
    async def scenario():
        pool = EnginePool(rulebase.files, rulebase.version, size=1, timeout=1, target=slow_main)
        await pool.start()
        try:
            slow = asyncio.create_task(pool.evaluate(sleepy(3)))
            await asyncio.sleep(0.05)
            with pytest.raises(WorkerFailure) as busy:
                await pool.evaluate(pilot())
            assert busy.value.kind == "busy"
            with pytest.raises(WorkerFailure) as overran:
                await slow
            assert overran.value.kind == "timeout"
        finally:
            await pool.close()
    _run(scenario())


def test_a_worker_that_cannot_start_fails_startup(rulebase):
    async def scenario():
        pool = EnginePool(rulebase.files, rulebase.version, size=2, timeout=5, target=failing_main)
        with pytest.raises(WorkerStartError, match="this worker never starts"):
            await pool.start()
    _run(scenario())


def test_closed_pool_refuses_work(rulebase):
    async def scenario():
        pool = EnginePool(rulebase.files, rulebase.version, size=1, timeout=5)
        await pool.start()
        pids = pool.status()["pids"]
        await pool.close()
        with pytest.raises(WorkerFailure) as closed:
            await pool.evaluate(pilot())
        assert closed.value.kind == "closed"
        return pids
    pids = _run(scenario())
    for pid in pids:   # the worker exited (reaped by close): signalling it fails
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_job_larger_than_the_pipe_buffer_is_sent_whole(slow_app):
    """Jobs up to service.workers._INLINE_SEND are written on the event loop, larger ones from a thread;
    both reach the worker whole (the answer names every stakeholder of a ~100 KB context)."""
    from multiprocessing.reduction import ForkingPickler

    from service.workers import _INLINE_SEND
    app, client = slow_app
    context = pilot("athens")
    template = context["stakeholders"][0]
    context["stakeholders"] = [{**template, "id": f"g{i:03d}", "name": f"group {i} " + "x" * 180}
                               for i in range(200)]
    context["notes"] = {f"n{i}": f"{i:02d}" + "y" * 1900 for i in range(30)}   # distinct: pickle shares equal strings
    assert len(ForkingPickler.dumps(("evaluate_for_log", context))) > 3 * _INLINE_SEND
    failures = dict(app.state.activator.current.pool.status()["failures"])
    r = client.post("/api/v1/recommendations", json=context, headers=auth("alice"))
    assert r.status_code == 201, r.text[:500]
    assert [p["name"] for p in r.json()["participants"]] == [s["name"] for s in context["stakeholders"]]
    small = client.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))
    assert small.status_code == 201 and app.state.activator.current.pool.status()["failures"] == failures


def test_a_worker_stalled_half_way_through_its_answer_holds_up_only_its_own_request(slow_app):
    """The answer is read as it arrives: a worker that stops writing mid-answer makes its request time out
    (503, worker replaced) while other requests keep being answered; the event loop never waits on it."""
    app, client = slow_app
    pool = app.state.activator.current.pool
    wait_for(lambda: pool.status()["idle"] == 2, what="two idle workers")
    context = pilot("athens")
    context["project"]["name"] = "stall:8"
    finished: list[tuple[str, int]] = []
    stalled = threading.Thread(target=lambda: finished.append(
        ("stalled", client.post("/api/v1/recommendations", json=context, headers=auth("alice")).status_code)))
    stalled.start()
    wait_for(lambda: pool.status()["busy"] == 1, what="the stalled job to start")
    time.sleep(0.5)                               # its half answer is in the pipe by now
    r = client.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))
    finished.append(("other", r.status_code))
    stalled.join(15)
    assert finished == [("other", 201), ("stalled", 503)], finished
    wait_for(lambda: pool.status()["alive"] == 2, what="the stalled worker's replacement")


def test_closing_a_pool_with_a_job_in_flight_fails_the_job_and_leaves_no_watch_on_its_pipe(rulebase):
    """A pool closed under a running job (a drain that timed out): the job fails as a crash, and its pipe is
    unwatched before it is closed, so no stale watch can catch a new pipe given the same descriptor number."""
    async def scenario():
        loop = asyncio.get_running_loop()
        pool = EnginePool(rulebase.files, rulebase.version, size=1, timeout=30, target=slow_main)
        await pool.start()
        (worker,) = list(pool._workers)
        fd = worker.conn.fileno()
        job = asyncio.create_task(pool.evaluate(sleepy(20)))
        while pool.status()["busy"] != 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)                     # the job is sent and its answer awaited
        assert fd in loop._selector.get_map()        # watched while it runs
        await pool.close()
        with pytest.raises(WorkerFailure) as failed:
            await job
        assert failed.value.kind == "crash"
        assert fd not in loop._selector.get_map() and worker.conn.closed
    _run(scenario())
