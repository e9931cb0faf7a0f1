"""A bounded load run against a live service: several concurrent clients posting pilot contexts.

Every answer is sorted: 201 (acknowledged: its decision id is kept), 503
(refused, retry later: allowed only when the test injects a fault), or an
error. Latencies of acknowledged requests give the percentiles reported.
"""
from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, text

from rel_helpers import auth, pilot

PILOT_NAMES = ("athens", "genoa", "milan", "bremen", "malmo", "palmela")


@dataclass
class LoadResult:
    acknowledged: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    unavailable: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return "no acknowledged requests"
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
        return (f"{len(lat)} decisions in {self.seconds:.1f}s = {len(lat) / self.seconds:.1f}/s; latency ms "
                f"p50 {q[49] * 1000:.1f}, p95 {q[94] * 1000:.1f}, p99 {q[98] * 1000:.1f}, max {lat[-1] * 1000:.1f}; "
                f"503: {self.unavailable}, errors: {len(self.errors)}")


def run_load(url: str, seconds: float, clients: int = 6, stop: threading.Event | None = None) -> LoadResult:
    """POST /recommendations from `clients` threads for `seconds` (or until `stop` is set)."""
    result, stop = LoadResult(), stop or threading.Event()
    bodies = [pilot(name) for name in PILOT_NAMES]
    managers = ("alice", "bob")

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            i = n
            while not stop.is_set():
                i += 1
                started = time.perf_counter()
                try:
                    r = c.post("/api/v1/recommendations", json=bodies[i % len(bodies)],
                               headers=auth(managers[i % 2]))
                except httpx.HTTPError as exc:          # the service was killed under us
                    with result.lock:
                        result.errors.append(f"{type(exc).__name__}: {exc}")
                    if stop.wait(0.05):
                        return
                    continue
                took = time.perf_counter() - started
                with result.lock:
                    if r.status_code == 201:
                        result.acknowledged.append(r.json()["decision_id"])
                        result.latencies.append(took)
                    elif r.status_code == 503:
                        result.unavailable += 1
                    else:
                        result.errors.append(f"{r.status_code}: {r.text[:300]}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(60)
    result.seconds = time.perf_counter() - started
    return result


def logged_ids(database_url: str) -> dict[str, int]:
    """decision id -> how many times it is in the log (read straight from the database)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(text("SELECT id, COUNT(*) FROM decisions GROUP BY id"))}
    finally:
        engine.dispose()


def check_log(database_url: str, acknowledged: list[str]) -> None:
    """Every acknowledged decision is in the log exactly once, and `cogov audit verify` passes."""
    from rel_helpers import audit_verify
    counts = logged_ids(database_url)
    missing = [d for d in acknowledged if d not in counts]
    assert not missing, f"{len(missing)} acknowledged decisions are not in the log, e.g. {missing[:3]}"
    assert len(set(acknowledged)) == len(acknowledged), "a decision id was acknowledged twice"
    twice = {d: n for d, n in counts.items() if n != 1}
    assert not twice, f"decisions logged more than once: {twice}"
    verify = audit_verify(database_url)
    assert verify.returncode == 0 and "OK: all" in verify.stdout, verify.stdout + verify.stderr
