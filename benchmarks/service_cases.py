"""Service figures: real uvicorn processes on loopback, one asyncio httpx client.

cogov (`cogov serve`, local mode, the decision log on SQLite or on a fresh
PostgreSQL database) and a bare FastAPI echo app run one at a time, each
for the same number of seconds per round, rounds interleaved, with the same
client at the same concurrency. The client runs on the same two cores.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Iterator

import httpx

from .config import Mode
from .record_sizes import COLUMNS, decision_count, vacuumed_size
from .report import Row, Table
from .timing import Figure, percentile

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PATH = "/api/v1/recommendations"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
ENGINE_WORKERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of `root` and each of its descendants, from /proc (Linux); {} elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    out: dict[int, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out[pid] = stats[pid][1]
            todo.extend(child for child, (parent, _) in stats.items() if parent == pid)
    return out


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGOV_")}
    env.update(extra)
    return env


@contextlib.contextmanager
def server(kind: str, database_url: str | None, body: bytes) -> Iterator[tuple[str, int]]:
    """Start cogov or the echo app on a free port; yield its base URL and pid; stop it."""
    port = _free_port()
    if kind == "echo":
        cmd = [str(BIN / "python"), "-m", "uvicorn", "benchmarks.echo_app:app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "info"]
        env = _env()
    else:
        cmd = [str(BIN / "cogov"), "serve", "--port", str(port), "--workers", str(ENGINE_WORKERS)]
        env = _env(COGOV_DATABASE_URL=database_url or "", COGOV_RULES_DIR=str(REPO / "rules"),
                   COGOV_MAX_BODY_BYTES=str(16 * 1024 * 1024))
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{kind} server exited: {log.read()[-2000:].decode(errors='replace')}")
            try:
                r = httpx.post(url + PATH, content=body, headers={"content-type": "application/json"}, timeout=5)
                if r.status_code in (200, 201):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not answer within 90 s")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@dataclass
class Cpu:
    """CPU milliseconds per request: the web process, its children (engine workers), the client."""

    web: float
    children: float
    client: float


def _cpu_per_request(before: dict[int, float], after: dict[int, float], root: int, client_s: float,
                     requests: int) -> Cpu:
    spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    web = spent.pop(root, 0.0)
    n = max(requests, 1)
    return Cpu(web / n * 1e3, sum(spent.values()) / n * 1e3, client_s / n * 1e3)


async def _load(url: str, bodies: list[bytes], seconds: float, concurrency: int,
                answered: dict[int, int] | None = None) -> tuple[Figure, int]:
    """`answered`, when given, receives each body's answer size in bytes (by its index in `bodies`)."""
    lat: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await client.post(PATH, content=bodies[i % len(bodies)],
                                      headers={"content-type": "application/json"})
                lat.append(time.perf_counter() - t0)
                if r.status_code not in (200, 201):
                    errors += 1
                elif answered is not None:
                    answered[i % len(bodies)] = len(r.content)
                i += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        total = time.perf_counter() - start
    lat.sort()
    return Figure(len(lat) / total, percentile(lat, 0.5) * 1e3, percentile(lat, 0.99) * 1e3, 1, len(lat)), errors


@contextlib.contextmanager
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database, dropped afterwards; None when no server answers."""
    try:
        import psycopg
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3)
    except Exception:
        yield None
        return
    name = f"cogov_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield PG + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _median(figs: list[Figure]) -> Figure:
    return Figure(statistics.median(f.rate for f in figs), statistics.median(f.p50_ms for f in figs),
                  statistics.median(f.p99_ms for f in figs), len(figs), sum(f.calls for f in figs))


def service(mode: Mode, contexts: list[dict[str, Any]], swaps: list[tuple[str, dict[str, str]]]) -> list[Table]:
    bodies = [json.dumps(c).encode() for c in contexts]
    rows: list[Row] = []
    swap_rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, pg_database() as pg:
        targets: list[tuple[str, str, str | None]] = [("bare FastAPI echo (the ceiling)", "echo", None),
                                                      ("cogov, decision log on SQLite", "cogov",
                                                       f"sqlite:///{tmp}/bench.db")]
        if pg:
            targets.append(("cogov, decision log on PostgreSQL", "cogov", pg))
        figs: dict[str, list[Figure]] = {label: [] for label, _, _ in targets}
        cpus: dict[str, list[Cpu]] = {label: [] for label, _, _ in targets}
        errors: dict[str, int] = {label: 0 for label, _, _ in targets}
        answered: dict[str, dict[int, int]] = {label: {} for label, _, _ in targets}
        sqlite_log = Path(tmp) / "bench.db"
        grown: list[tuple[int, int]] = []      # (decisions, bytes) of the SQLite log after each round
        for _ in range(mode.rounds):
            for label, kind, db in targets:
                with server(kind, db, bodies[0]) as (url, pid):
                    before, client0 = _tree_cpu(pid), time.process_time()
                    fig, errs = asyncio.run(_load(url, bodies, mode.service_seconds, mode.concurrency,
                                                  answered[label]))
                    cpus[label].append(_cpu_per_request(before, _tree_cpu(pid), pid,
                                                        time.process_time() - client0, fig.calls))
                    figs[label].append(fig)
                    errors[label] += errs
                if db and db.startswith("sqlite"):     # the server has stopped: the file is ours to measure
                    grown.append((decision_count(sqlite_log), vacuumed_size(sqlite_log)))
        ceiling = _median(figs[targets[0][0]])
        log_bytes = ((grown[-1][1] - grown[0][1]) / (grown[-1][0] - grown[0][0])
                     if len(grown) > 1 and grown[-1][0] > grown[0][0] else None)
        for label, _, db in targets:
            fig = _median(figs[label])
            cpu = Cpu(*(statistics.median(getattr(c, f) for c in cpus[label]) for f in ("web", "children", "client")))
            where = (f"CPU per request: web process {cpu.web:.2f} ms" +
                     (f", engine workers {cpu.children:.2f} ms" if label.startswith("cogov") else "") +
                     f", client {cpu.client:.2f} ms")
            sizes = answered[label]
            cells = {"answer bytes": f"{statistics.mean(sizes.values()):,.0f}"} if sizes else {}
            if sizes:
                where += f"; answers {min(sizes.values()):,} to {max(sizes.values()):,} bytes by pilot"
            if db and db.startswith("sqlite") and log_bytes is not None:
                cells["log bytes per decision"] = f"{log_bytes:,.0f}"
                where += (f"; the log grew {grown[-1][1] - grown[0][1]:,} bytes for "
                          f"{grown[-1][0] - grown[0][0]:,} decisions after the first round")
            values = {"answer_max": max(sizes.values())} if sizes else {}
            if "log bytes per decision" in cells:
                values["log_bytes"] = log_bytes
            rows.append(Row(label, fig, f"{fig.ratio(ceiling):.2f}x the bare endpoint; {fig.calls:,} requests, "
                                        f"{errors[label]} non-2xx; {where}", cells, values))
        if not pg:
            rows.append(Row("cogov, decision log on PostgreSQL", None, "not available: no PostgreSQL server "
                                                                       "on 127.0.0.1:5432"))
        swap_rows = _swaps(mode, swaps, f"sqlite:///{tmp}/swap.db", bodies[0])
    note = (f"POST {PATH} with the six pilot contexts in turn, {mode.concurrency} connections in flight, "
            f"{mode.service_seconds:.0f} s per round; each server is one uvicorn process on loopback with the "
            f"access log at info; cogov has {ENGINE_WORKERS} durable_rules worker processes and writes each "
            "decision to its hash-chained log before answering (group-committed: concurrent requests share a "
            "transaction). The client (one asyncio httpx process) shares the two cores with the servers, so these "
            "are lower bounds for a separate client machine. CPU per request is user + system time (from /proc) "
            "divided by the requests answered, medians over the rounds; the PostgreSQL server's own CPU is not in "
            "it. With two cores, the rate is bound by the total CPU per request: about 2,000 ms per second "
            "divided by the sum of the three.")
    note += (" 'answer bytes' is the mean size of the default answer's body over the six pilots; 'log bytes per "
             "decision' the SQLite log's growth per decision from the end of the first round to the end of the "
             "last, each measured with the server stopped, after a WAL checkpoint and VACUUM.")
    tables = [Table("Service: POST /api/v1/recommendations", rows, note, columns=COLUMNS)]
    if swap_rows:
        tables.append(Table("Hot reload: activating a rule base in a running service", swap_rows,
                            "POST /api/v1/rulebase with the generated rule base's files (checked and compiled in "
                            "a separate process, workers started, then swapped in); time until the answer."))
    return tables


def _swaps(mode: Mode, swaps: list[tuple[str, dict[str, str]]], db: str, body: bytes) -> list[Row]:
    rows: list[Row] = []
    with server("cogov", db, body) as (url, _):
        paths = httpx.get(url + "/openapi.json", timeout=10).json().get("paths", {})
        if "post" not in paths.get("/api/v1/rulebase", {}):
            return [Row(f"{label}", None, "not available: this build has no POST /api/v1/rulebase")
                    for label, _ in swaps]
        for label, files in swaps:
            times = []
            status = None
            for _ in range(max(1, min(mode.rounds, 3))):
                for which in (files, None):       # the candidate, then back to the rules directory
                    t0 = time.perf_counter()
                    payload = {"files": which} if which else {"from_directory": True}
                    r = httpx.post(url + "/api/v1/rulebase", json=payload, timeout=600)
                    if which:
                        times.append(time.perf_counter() - t0)
                        status = r.status_code
                    if r.status_code >= 300:
                        break
            ok = status is not None and status < 300
            rows.append(Row(label, None, f"activation {statistics.median(times):.2f} s (median of {len(times)})"
                            if ok else f"refused: HTTP {status}"))
    return rows
