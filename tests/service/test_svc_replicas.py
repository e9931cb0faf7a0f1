"""Replicas on one decision log converge (service/replicas.py, Activator.follow): two apps in this process
share one SQLite log, which has no NOTIFY, so what is tested here is the periodic check (a short
COGOV_REPLICA_POLL_SECONDS); two real `cogov serve` processes on PostgreSQL, with LISTEN/NOTIFY, are in
tests/reliability/test_rel_replicas.py.

A replica follows the log's latest activation without recording one of its own; a stored version that
does not load as itself is refused, logged once, and the replica keeps serving.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from svc_helpers import MINI, TOKENS_SPEC, auth, pilot, settings_for

POLICY = "policy/people.yaml"
WAIT = 60.0   # at most, the seconds a follow may take here (a check process and a worker start on a shared
#               machine; 20 s ran out once with three test workers and another test run on two cores)


def variant(files: dict[str, str], tag: str) -> dict[str, str]:
    return {**files, POLICY: files[POLICY] + f"\n# replica variant {tag}\n"}


def wait_for(predicate: Callable[[], bool], seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def replicas(tmp_path) -> Iterator[tuple[Any, TestClient, Any, TestClient]]:
    """Two apps on one SQLite log, one worker each, checking the log's latest activation every 0.2 s."""
    shutil.copytree(MINI, tmp_path / "rules")
    common = dict(database_url=f"sqlite:///{tmp_path / 'log.db'}", rules_dir=tmp_path / "rules",
                  tokens=TOKENS_SPEC, workers=1, replica_poll_seconds=0.2)
    a = create_app(settings_for(tmp_path, **common))
    b = create_app(settings_for(tmp_path, **common))
    with TestClient(a) as ca, TestClient(b) as cb:
        yield a, ca, b, cb


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def state(client: TestClient) -> dict[str, Any]:
    r = client.get("/api/v1/rulebase", headers=auth("carol"))
    assert r.status_code == 200, r.text
    return r.json()


def decide(client: TestClient) -> str:
    r = client.post("/api/v1/recommendations", json=pilot(), headers=auth("alice"))
    assert r.status_code == 201, r.text
    return r.json()["rulebase"]["version"]


def test_an_activation_and_a_rollback_on_one_replica_are_served_by_the_other(replicas):
    a, ca, b, cb = replicas
    first = b.state.activator.current.version
    assert state(cb)["history"] == state(ca)["history"] and len(state(cb)["history"]) == 1   # b recorded nothing
    r = ca.post("/api/v1/rulebase", json={"files": variant(a.state.activator.current.rulebase.files, "1")},
                headers=auth("dave"))
    assert r.status_code == 200, r.text
    second = r.json()["version"]
    assert wait_for(lambda: state(cb)["serving"] == second), state(cb)
    seen = state(cb)
    assert seen["version"] == seen["serving"] == seen["latest"] == second and seen["in_step"] is True
    assert seen["activation"] == r.json()["activation"] | {"activated_at": seen["activation"]["activated_at"]}
    assert at(seen["serving_since"]) > at(seen["activation"]["activated_at"]) and seen["refused"] is None
    assert [h["action"] for h in seen["history"]] == ["activate", "startup"]   # b followed, recorded nothing
    assert decide(cb) == second
    r = cb.post("/api/v1/rulebase/rollback", json={"version": first}, headers=auth("dave"))   # now the other way
    assert r.status_code == 200, r.text
    assert wait_for(lambda: state(ca)["serving"] == first), state(ca)
    assert decide(ca) == first and decide(cb) == first
    assert [h["action"] for h in state(ca)["history"]] == ["rollback", "activate", "startup"]
    assert a.state.store.verify().ok


def test_a_stored_version_that_does_not_load_as_itself_is_refused_and_the_replica_keeps_serving(replicas, caplog):
    """What another replica recorded is loaded from the log's stored files and checked as an activation is:
    a version whose stored files make another version (altered in the database) is refused, logged once,
    and recorded by nobody; the next good activation is followed."""
    a, ca, b, cb = replicas
    serving = b.state.activator.current
    forged = "sha256:" + "0" * 64
    store = a.state.store
    store.store_rulebase(forged, variant(serving.rulebase.files, "forged"))
    caplog.set_level("ERROR", logger="cogov.serving")
    store.record_activation(forged, "mallory", "activate", "files that are not this version")
    assert wait_for(lambda: state(cb)["refused"] is not None and state(ca)["refused"] is not None)
    seen = state(cb)
    assert seen["serving"] == serving.version and seen["latest"] == forged and seen["in_step"] is False
    assert seen["refused"]["version"] == forged and seen["refused"]["kind"] == "invalid"
    assert b.state.activator.current is serving and decide(cb) == serving.version
    time.sleep(1)   # five more checks: refused once, not once per check
    refusals = [r for r in caplog.records if forged in r.getMessage() and "refused" in r.getMessage()]
    assert len(refusals) == 2, [r.getMessage() for r in refusals]   # one per replica
    assert len(store.list_activations()) == 2
    ready = cb.get("/readyz", headers=auth("carol")).json()["checks"]["rulebase"]
    assert ready["version"] == serving.version and ready["latest"] == forged and ready["refused"]["kind"] == "invalid"
    r = ca.post("/api/v1/rulebase", json={"files": variant(serving.rulebase.files, "good")}, headers=auth("dave"))
    assert r.status_code == 200, r.text
    assert wait_for(lambda: state(cb)["serving"] == r.json()["version"])
    assert state(cb)["refused"] is None and state(cb)["in_step"] is True


def test_activating_the_version_a_replica_serves_records_it_when_the_log_names_another(replicas):
    """A replica left on an older version (it refused the latest) can bring the others back to its own by
    activating it: recorded, although nothing changes where it was activated."""
    a, ca, b, cb = replicas
    serving = b.state.activator.current
    forged = "sha256:" + "1" * 64
    a.state.store.store_rulebase(forged, variant(serving.rulebase.files, "forged"))
    a.state.store.record_activation(forged, "mallory", "activate")
    assert wait_for(lambda: state(cb)["refused"] is not None)
    r = cb.post("/api/v1/rulebase", json={"files": serving.rulebase.files}, headers=auth("dave"))
    assert r.status_code == 200 and r.json()["changed"] is False, r.text
    assert r.json()["activation"]["version"] == serving.version and r.json()["activation"]["activated_by"] == "dave"
    assert state(ca)["latest"] == serving.version and state(ca)["in_step"] is True
    again = cb.post("/api/v1/rulebase", json={"files": serving.rulebase.files}, headers=auth("dave"))
    assert again.json()["changed"] is False and len(a.state.store.list_activations()) == 3   # in step: no record


def test_a_check_that_joins_a_follow_under_way_looks_once_more_after_it():
    """A notification heard while a follow is under way may name an activation recorded after that follow
    read the log's latest: the check waits for it, then follows once more, so the notification is not lost."""
    import asyncio
    from types import SimpleNamespace

    from service.replicas import ReplicaSync

    class Activator:
        def __init__(self):
            self.reads: list[str] = []
            self.latest = "v1"
            self.first_started = asyncio.Event()
            self.release = asyncio.Event()

        async def follow(self):
            self.reads.append(self.latest)   # what the log's latest said when this follow read it
            if len(self.reads) == 1:
                self.first_started.set()
                await self.release.wait()
            return None

    async def scenario() -> list[str]:
        activator = Activator()
        store = SimpleNamespace(listen_dsn=lambda: None)
        sync = ReplicaSync(activator, store, SimpleNamespace(replica_poll_seconds=0))
        first = asyncio.create_task(sync.check("periodic"))
        await activator.first_started.wait()
        activator.latest = "v2"                  # recorded after the first follow read the log
        second = asyncio.create_task(sync.check("notified: v2"))
        await asyncio.sleep(0)
        activator.release.set()
        await asyncio.gather(first, second)
        return activator.reads

    assert asyncio.run(scenario()) == ["v1", "v2"]
