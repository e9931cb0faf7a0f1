"""Load and faults against a live service on SQLite and on PostgreSQL (a private throwaway cluster).

COGOV_LOAD_SECONDS sets the load run (default 20 s per database, to keep the
suite short; 60 for the figures in RELIABILITY.md).
The figures are printed (run with -s to see them) and appended to $COGOV_LOAD_REPORT when set.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from rel_helpers import USERS, auth, pilot
from rel_load import check_log, logged_ids, run_load

SECONDS = float(os.environ.get("COGOV_LOAD_SECONDS", "20"))
CLIENTS = int(os.environ.get("COGOV_LOAD_CLIENTS", "6"))


def report(label: str, summary: str) -> None:
    line = f"{label}: {summary}"
    print(line)
    if os.environ.get("COGOV_LOAD_REPORT"):
        with open(os.environ["COGOV_LOAD_REPORT"], "a", encoding="utf-8") as out:
            out.write(line + "\n")


def pg_database(pg) -> str:
    name = f"cogov_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return pg_database(request.getfixturevalue("private_pg"))


def test_load_run_has_no_errors_and_every_acknowledged_decision_is_logged_once(live, database_url):
    svc = live(database_url)
    result = run_load(svc.url, SECONDS, CLIENTS)
    report(f"load {database_url.split(':')[0]} {CLIENTS} clients", result.summary())
    assert not result.errors, result.errors[:5]
    assert result.unavailable == 0
    assert len(result.acknowledged) > 10
    check_log(database_url, result.acknowledged)
    wrong = "tok-rel-wrong-0123456789"
    with svc.client() as c:   # a refused token and a cookie too, then: no token is in the service's output
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
        assert c.get("/log", headers={"Cookie": f"cogov_token={USERS['carol'][1]}"}).status_code == 200
    output = svc.output()
    assert "POST /api/v1/recommendations" in output   # the access log is there to look at
    leaked = [token for token in [wrong, *(t for _, t in USERS.values())] if token in output]
    assert not leaked, f"tokens in the service's log: {leaked}"


def test_kill_9_during_load_loses_no_acknowledged_decision(live, tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    svc = live(url)
    stop = threading.Event()
    killer = threading.Timer(4.0, lambda: (svc.kill(), stop.set()))
    killer.start()
    result = run_load(svc.url, 30, CLIENTS, stop)
    killer.join()
    assert not svc.alive() and len(result.acknowledged) > 5
    # every answer before the kill was 201; after it, connection errors (nothing was acknowledged)
    assert all(e.startswith(("ConnectError", "ReadError", "RemoteProtocolError", "ReadTimeout", "WriteError"))
               for e in result.errors), result.errors[:5]
    svc.start()
    check_log(url, result.acknowledged)
    counts = logged_ids(url)
    with svc.client() as c:   # nothing half-written: the log's head is its last record, and it keeps going
        r = c.post("/api/v1/recommendations", json=pilot("milan"), headers=auth("alice"))
        assert r.status_code == 201, r.text
        assert r.json()["decision_id"] not in counts
        assert c.get("/api/v1/audit/verify", headers=auth("carol")).json() == {
            "ok": True, "count": len(counts) + 1, "first_bad_id": None, "first_bad_seq": None, "reason": None,
            "activations": 1, "first_bad_activation": None,
            "evaluations": 0, "first_bad_evaluation": None, "chain": None, "evaluation_id": None, "decision_id": None}


def test_killed_engine_workers_under_load_are_replaced(live):
    """Every worker is killed (-9) while clients post: answers are 201 or 503, never a crash; workers come back."""
    svc = live()
    with svc.client() as c:
        pids = c.get("/readyz", headers=auth("carol")).json()["checks"]["workers"]["pids"]
    stop = threading.Event()
    done: list = []
    loader = threading.Thread(target=lambda: done.append(run_load(svc.url, 8, CLIENTS, stop)))
    loader.start()
    time.sleep(2)
    for pid in pids:
        os.kill(pid, 9)
    loader.join(60)
    result = done[0]
    assert not result.errors, result.errors[:5]
    with svc.client() as c:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = c.get("/readyz", headers=auth("carol")).json()["checks"]["workers"]
            if workers["alive"] == 2 and not set(workers["pids"]) & set(pids):
                break
            time.sleep(0.2)
        assert workers["alive"] == 2 and not set(workers["pids"]) & set(pids), workers
        assert c.post("/api/v1/recommendations", json=pilot(), headers=auth("alice")).status_code == 201
    check_log(svc.database_url, result.acknowledged)


def _fill(disk) -> None:
    # unbuffered: a buffered file left holding the bytes that did not fit raises ENOSPC again when it closes
    with open(disk / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


def test_a_full_disk_gives_503_and_nothing_unlogged(live, small_disk):
    url = f"sqlite:///{small_disk / 'log.db'}"
    svc = live(url)
    acknowledged, statuses = [], []
    with svc.client() as c:
        r = c.post("/api/v1/recommendations", json=pilot(), headers=auth("alice"))
        assert r.status_code == 201
        acknowledged.append(r.json()["decision_id"])
        _fill(small_disk)
        for i in range(200):       # SQLite may still have a few free pages: go until they are used up
            r = c.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))
            statuses.append(r.status_code)
            if r.status_code == 201:
                acknowledged.append(r.json()["decision_id"])
            else:
                assert r.status_code == 503, r.text
                assert "could not be written to the decision log" in r.json()["detail"]
                assert "approach" not in r.json()
                if statuses[-3:] == [503] * 3:
                    break
        assert statuses[-1] == 503, statuses
        (small_disk / "filler").unlink()
        r = c.post("/api/v1/recommendations", json=pilot(), headers=auth("alice"))   # the service recovers
        assert r.status_code == 201, r.text
        acknowledged.append(r.json()["decision_id"])
    check_log(url, acknowledged)


def test_postgresql_restarting_under_load_is_survived(live, private_pg):
    url = pg_database(private_pg)
    svc = live(url)
    stop = threading.Event()
    done: list = []
    loader = threading.Thread(target=lambda: done.append(run_load(svc.url, 60, 3, stop)))
    loader.start()
    time.sleep(2)
    private_pg.stop("fast")
    time.sleep(1)
    private_pg.start()
    time.sleep(3)
    stop.set()
    loader.join(60)
    result = done[0]
    assert not result.errors, result.errors[:5]          # only 201 or 503 while the database was away
    with svc.client() as c:
        r = c.post("/api/v1/recommendations", json=pilot(), headers=auth("alice"))
        assert r.status_code == 201, r.text
        result.acknowledged.append(r.json()["decision_id"])
        assert c.get("/readyz").status_code == 200
    report("postgresql restart", result.summary())
    check_log(url, result.acknowledged)
