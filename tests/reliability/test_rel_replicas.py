"""Two real `cogov serve` replicas on one PostgreSQL database converge (service/replicas.py).

Each runs in its own process on its own loopback port, with tokens, sharing a database created for the
test in the machine's PostgreSQL (COGOV_TEST_POSTGRES_URL, default the `test` cluster on 127.0.0.1:5432)
under a random name and dropped afterwards. The periodic check is set to an hour, so a replica that
follows within the test's bound learned of the activation by LISTEN/NOTIFY; the periodic check itself is
tested on SQLite (tests/service/test_svc_replicas.py).
"""
from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from engine import load_rulebase
from pg_databases import fresh_database
from rel_helpers import MINI, LiveService, audit_verify, auth, pilot

POLICY = "policy/people.yaml"
FOLLOW_WITHIN = 20.0   # seconds: "within a few seconds", with room for a check process and a worker start


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    """A database of its own in the test cluster, dropped afterwards (skips without a server)."""
    with fresh_database("cogov_replicas", "the replicas tests") as url:
        yield url


@pytest.fixture
def replica(tmp_path, fresh_pg) -> Iterator[Callable[..., LiveService]]:
    """A factory of `cogov serve` replicas on the fresh database, each in a directory (and log) of its own,
    one engine worker each, all stopped afterwards."""
    started: list[LiveService] = []

    def make(name: str, **env: str) -> LiveService:
        workdir = tmp_path / name
        workdir.mkdir(exist_ok=True)
        svc = LiveService(workdir, fresh_pg, COGOV_WORKERS="1", COGOV_REPLICA_POLL_SECONDS="3600", **env)
        started.append(svc)
        return svc.start()
    yield make
    for svc in started:
        svc.stop()


def rulebase(svc: LiveService) -> dict[str, Any]:
    r = httpx.get(svc.url + "/api/v1/rulebase", headers=auth("carol"), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def serves(svc: LiveService, version: str) -> bool:
    """Poll `svc` (bounded) until it serves `version`."""
    deadline = time.monotonic() + FOLLOW_WITHIN
    while time.monotonic() < deadline:
        if rulebase(svc)["serving"] == version:
            return True
        time.sleep(0.2)
    return False


def decide(svc: LiveService) -> str:
    r = httpx.post(svc.url + "/api/v1/recommendations", json=pilot(), headers=auth("alice"), timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["rulebase"]["version"]


def test_an_activation_and_a_rollback_on_either_replica_are_served_by_both(replica, fresh_pg):
    a, b = replica("a"), replica("b")
    first = rulebase(a)["serving"]
    assert rulebase(b)["serving"] == first and len(rulebase(b)["history"]) == 1   # b joined, recording nothing
    files = {**load_rulebase(MINI).files}
    files[POLICY] += "\n# activated on replica a\n"
    stop, answers = threading.Event(), []

    def post_to_b() -> None:   # b answers throughout: its swap to the followed version fails no request
        with httpx.Client(base_url=b.url, timeout=30) as c:
            while not stop.is_set():
                r = c.post("/api/v1/recommendations", json=pilot(), headers=auth("bob"))
                answers.append((r.status_code, r.json().get("rulebase", {}).get("version")))
    poster = threading.Thread(target=post_to_b)
    poster.start()
    try:
        r = httpx.post(a.url + "/api/v1/rulebase", json={"files": files, "note": "on a"}, headers=auth("dave"),
                       timeout=60)
        assert r.status_code == 200, r.text
        second = r.json()["version"]
        assert serves(b, second), f"b still serves {rulebase(b)['serving']}:\n{b.output()[-3000:]}"
    finally:
        stop.set()
        poster.join(60)
    assert answers and {status for status, _ in answers} == {201}, answers[:5]
    assert {version for _, version in answers} <= {first, second}
    assert decide(b) == second
    seen = rulebase(b)
    assert seen["version"] == seen["latest"] == second and seen["in_step"] is True
    assert seen["activation"]["activated_by"] == "dave" and seen["activation"]["note"] == "on a"
    assert [h["action"] for h in seen["history"]] == ["activate", "startup"]   # once, by a
    ready = httpx.get(b.url + "/readyz", headers=auth("carol"), timeout=30).json()["checks"]["rulebase"]
    assert (ready["serving"], ready["latest"], ready["in_step"]) == (second, second, True)
    assert httpx.get(b.url + "/readyz", timeout=30).json() == {"status": "ready"}

    r = httpx.post(b.url + "/api/v1/rulebase/rollback", json={"version": first}, headers=auth("dave"), timeout=60)
    assert r.status_code == 200, r.text
    assert serves(a, first), f"a still serves {rulebase(a)['serving']}:\n{a.output()[-3000:]}"
    assert decide(a) == first and decide(b) == first
    assert [h["action"] for h in rulebase(a)["history"]] == ["rollback", "activate", "startup"]
    assert "following activation" in a.output() and "following activation" in b.output()
    done = audit_verify(fresh_pg)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_restart_joins_the_others_with_last_and_deploys_its_directory_with_directory(replica, tmp_path):
    """COGOV_RULES_AT_START=last: a restarted replica serves what the others serve and records nothing.
    directory (the default): it serves its rules directory, recorded as a startup activation when that
    differs from the log's latest, and the others follow it."""
    rules = tmp_path / "rules"
    shutil.copytree(MINI, rules)
    a = replica("a", COGOV_RULES_DIR=str(rules))
    directory = rulebase(a)["serving"]
    files = {**load_rulebase(rules).files}
    files[POLICY] += "\n# activated through the API\n"
    r = httpx.post(a.url + "/api/v1/rulebase", json={"files": files}, headers=auth("dave"), timeout=60)
    assert r.status_code == 200, r.text
    activated = r.json()["version"]
    b = replica("b", COGOV_RULES_DIR=str(rules), COGOV_RULES_AT_START="last")
    assert rulebase(b)["serving"] == activated and len(rulebase(b)["history"]) == 2
    b.stop()
    b.env["COGOV_RULES_AT_START"] = "directory"
    b.start()
    assert rulebase(b)["serving"] == directory
    assert [h["action"] for h in rulebase(b)["history"]] == ["startup", "activate", "startup"]
    assert serves(a, directory), f"a still serves {rulebase(a)['serving']}:\n{a.output()[-3000:]}"
