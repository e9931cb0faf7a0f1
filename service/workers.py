"""EnginePool: the web process's supervisor of engine worker processes.

Why processes: durable_rules holds the GIL (threads give no parallelism), is
not thread-safe, and can crash its process. Each worker is a separate
process started with "spawn" (never fork: the web process has threads), runs
one job at a time, and is killed and replaced when it crashes or overruns the
time limit. The request it was serving fails with WorkerFailure (the API
answers 503); the other workers and requests are untouched.

The pipe round trip runs on the event loop (the pipe is watched, see
_exchange); a worker is only returned to the idle queue once its job is over.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import struct
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any

from engine import CogovError, EngineError
from service.worker_process import Evaluated, check_main, worker_main

log = logging.getLogger("cogov.workers")

WorkerTarget = Callable[[Connection, dict[str, str], str], None]
CheckTarget = Callable[[Connection, dict[str, str]], None]


class WorkerFailure(RuntimeError):
    """A job could not be completed by a worker: `kind` is crash, timeout, busy, error or closed."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


class WorkerStartError(RuntimeError):
    """A worker process could not be started (the message says why)."""


class _Timeout(Exception):
    pass


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    number: int
    started: float = field(default_factory=time.monotonic)
    jobs: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid


_INLINE_SEND = 32 * 1024   # a job this small is written on the event loop: an idle worker's pipe takes it at once


async def _exchange(worker: _Worker, job: tuple[str, Any], timeout: float,
                    executor: ThreadPoolExecutor) -> tuple[str, Any]:
    """Send one job and wait for its answer, on the event loop.

    The worker is idle (blocked reading its pipe) whenever a job is sent, so
    a job that fits the pipe's buffer is written without blocking; a larger
    one is written from a thread. The answer is read as it arrives, never
    blocking the loop (_receive), rather than by a thread per job: two thread
    hand-offs per request cost the single web process more CPU than the pipe
    I/O itself. Raises _Timeout when the whole answer has not arrived within
    `timeout` seconds, EOFError/OSError when the worker died mid-job.
    """
    loop = asyncio.get_running_loop()
    payload = ForkingPickler.dumps(job)
    if len(payload) <= _INLINE_SEND:
        worker.conn.send_bytes(payload)
    else:
        await loop.run_in_executor(executor, worker.conn.send_bytes, payload)
    return await _receive(worker.conn, loop.time() + timeout)


async def _receive(conn: Connection, deadline: float) -> Any:
    """One message from `conn`, read in non-blocking chunks as they arrive (multiprocessing's framing: a
    4-byte big-endian length, or -1 and an 8-byte one, then the pickle), so that a worker stalled half way
    through its answer holds up its own request until `deadline`, never the event loop."""
    loop = asyncio.get_running_loop()
    fd = conn.fileno()
    readable = asyncio.Event()
    buffer = bytearray()
    loop.add_reader(fd, readable.set)
    os.set_blocking(fd, False)
    try:
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                readable.clear()
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise _Timeout from None
                try:
                    await asyncio.wait_for(readable.wait(), remaining)
                except TimeoutError:
                    raise _Timeout from None
                continue
            if not chunk:
                raise EOFError("the worker closed its pipe")
            buffer += chunk
            message = _framed(buffer)
            if message is not None:
                return ForkingPickler.loads(message)
    finally:
        loop.remove_reader(fd)
        if not conn.closed:
            os.set_blocking(fd, True)


def _framed(buffer: bytearray) -> memoryview | None:
    """The payload of the message in `buffer` once all of it is there (None before); OSError if more than
    one message arrived (a worker answers each job exactly once)."""
    if len(buffer) < 4:
        return None
    size, start = struct.unpack("!i", buffer[:4])[0], 4
    if size == -1:
        if len(buffer) < 12:
            return None
        size, start = struct.unpack("!Q", buffer[4:12])[0], 12
    if len(buffer) < start + size:
        return None
    if len(buffer) > start + size:
        raise OSError(f"the worker sent {len(buffer) - start - size} bytes more than its answer")
    return memoryview(buffer)[start:]


def run_check(files: dict[str, str], timeout: float, target: CheckTarget | None = None) -> tuple[str, Any]:
    """Check a candidate rule base in a one-shot spawned process, killed after `timeout` seconds (blocking).

    Returns the check process's answer, ("ok", check_candidate result) or
    ("error", message); raises WorkerFailure (kind timeout or crash) when it
    gives none. The time limit is why this is a process: durable_rules can
    hang or abort on a rule base, and neither must reach the web process.
    """
    mp = multiprocessing.get_context("spawn")
    parent, child = mp.Pipe()
    process = mp.Process(target=target or check_main, args=(child, files), name="cogov-rules-check", daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            process.kill()
            log.error("rule base check (pid %s) exceeded %g s; killed", process.pid, timeout)
            raise WorkerFailure(f"the rule base check exceeded its time limit of {timeout:g} s (a rule base that "
                                "makes durable_rules loop?) and was stopped", "timeout")
        try:
            return parent.recv()
        except EOFError:
            process.join(2)
            log.error("rule base check (pid %s) crashed: %s", process.pid, _exit_text(process.exitcode))
            raise WorkerFailure(f"the rule base check crashed ({_exit_text(process.exitcode)})", "crash") from None
    finally:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(2)
        parent.close()


def _exit_text(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class EnginePool:
    """N engine worker processes evaluating contexts in parallel, plus rule base checks."""

    def __init__(self, files: dict[str, str], version: str, *, size: int, timeout: float,
                 start_timeout: float = 60.0, check_timeout: float | None = None,
                 target: WorkerTarget | None = None, check_target: CheckTarget | None = None):
        if size < 1:
            raise ValueError("an engine pool needs at least one worker")
        self.files, self.version = files, version
        self.size, self.timeout, self.start_timeout = size, timeout, start_timeout
        self.check_timeout = check_timeout if check_timeout is not None else start_timeout
        self._check_target = check_target
        self._target = target or worker_main
        self._mp = multiprocessing.get_context("spawn")
        self._callers = ThreadPoolExecutor(max_workers=size, thread_name_prefix="cogov-engine-call")
        self._spawner = ThreadPoolExecutor(max_workers=size, thread_name_prefix="cogov-engine-spawn")
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cogov-rules-check")  # one at a time
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: set[_Worker] = set()
        self._busy: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._exchanges: set[asyncio.Task] = set()      # jobs' pipe round trips under way
        self._numbers = iter(range(1, 1 << 62))
        self.replaced = 0
        self.failures: dict[str, int] = {}
        self._closed = False
        self._inflight = 0                      # jobs between _run's start and end (drain waits for 0)
        self._drained: asyncio.Event | None = None

    # -- lifecycle ---------------------------------------------------------------
    def _spawn(self) -> _Worker:
        """Start one worker and wait until it has loaded the rule base (blocking)."""
        number = next(self._numbers)
        parent, child = self._mp.Pipe()
        process = self._mp.Process(target=self._target, args=(child, self.files, self.version),
                                   name=f"cogov-engine-{number}", daemon=True)
        process.start()
        child.close()
        try:
            self._await_ready(process, parent)
        except WorkerStartError:
            if process.is_alive():
                process.kill()
            process.join(2)
            parent.close()
            raise
        return _Worker(process, parent, number)

    def _await_ready(self, process: BaseProcess, parent: Connection) -> None:
        """Wait for the worker's "ready"; raise WorkerStartError saying why it never came."""
        try:
            if not parent.poll(self.start_timeout):
                raise WorkerStartError(f"engine worker did not become ready within {self.start_timeout:g} s")
            message = parent.recv()
        except (EOFError, OSError):
            process.join(2)
            raise WorkerStartError(f"engine worker exited while starting ({_exit_text(process.exitcode)})") from None
        if message[0] != "ready":
            raise WorkerStartError(f"engine worker could not start: {message[1]}")

    async def start(self) -> None:
        """Start every worker; raises WorkerStartError (and stops them all) if any fails."""
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        results = await asyncio.gather(*(loop.run_in_executor(self._spawner, self._spawn) for _ in range(self.size)),
                                       return_exceptions=True)
        started = [w for w in results if isinstance(w, _Worker)]
        self._workers.update(started)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            await self.close()
            raise errors[0]
        for worker in started:
            self._idle.put_nowait(worker)
        log.info("engine pool: %d worker(s) ready (pids %s), rule base %s", len(started),
                 ", ".join(str(w.pid) for w in started), self.version)

    @property
    def inflight(self) -> int:
        return self._inflight

    async def drain(self, timeout: float) -> bool:
        """Wait until no job is in flight (True), or `timeout` seconds (False); new jobs are still taken.
        A swapped-out pool drains before it is closed, so requests that already hold it finish on it."""
        if self._inflight == 0:
            return True
        self._drained = self._drained or asyncio.Event()
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except TimeoutError:
            return self._inflight == 0
        return True

    async def close(self) -> None:
        """Stop every worker; jobs still running fail."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        loop = asyncio.get_running_loop()
        workers = list(self._workers)
        self._workers.clear()
        if workers:
            await loop.run_in_executor(None, self._stop_all, workers, False)
        # A job still under way (a drain that timed out) is watching its worker's pipe from this loop: with
        # its worker gone it reads EOF and lets go of the pipe. Only then are the pipes closed, so that no
        # watch outlives its file descriptor (whose number a new pipe could reuse).
        if self._exchanges:
            await asyncio.wait(list(self._exchanges), timeout=5)
        for w in workers:
            w.conn.close()
        for executor in (self._callers, self._spawner, self._checker):
            executor.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _stop_all(workers: list[_Worker], close_pipes: bool = True) -> None:
        for w in workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 3
        for w in workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(2)
            if close_pipes:
                w.conn.close()

    # -- status ------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Counts and pids for /readyz and the tests (safe to call from another thread)."""
        workers, busy = list(self._workers), list(self._busy)   # snapshots: the loop thread mutates the sets
        alive = [w for w in workers if w.process.is_alive()]
        return {"size": self.size, "alive": len(alive), "busy": len(busy),
                "idle": self._idle.qsize() if self._idle else 0, "replaced": self.replaced,
                "failures": dict(self.failures), "timeout_s": self.timeout,
                "pids": sorted(w.pid for w in alive if w.pid), "busy_pids": sorted(w.pid for w in busy if w.pid)}

    @property
    def ready(self) -> bool:
        return not self._closed and any(w.process.is_alive() for w in list(self._workers))

    # -- jobs --------------------------------------------------------------------
    async def evaluate(self, context: dict[str, Any]) -> dict[str, Any]:
        """The explained recommendation for a (validated) context.

        Raises the engine's CogovError (ContextError, ResolutionError,
        EngineError...) as the worker's engine raised it, and WorkerFailure
        when no worker could complete the job.
        """
        return await self._run(("evaluate", context))

    async def evaluate_for_log(self, context: dict[str, Any]) -> "Evaluated":
        """As evaluate, but the recommendation comes back as the texts to log and answer
        (service.worker_process.Evaluated), serialised in the worker."""
        return await self._run(("evaluate_for_log", context))

    async def check(self, files: dict[str, str]) -> dict[str, Any]:
        """Check a candidate rule base in a one-shot process, never in a serving worker:
        registering it may hang or crash durable_rules. Checks run one at a time."""
        if self._closed:
            raise WorkerFailure("the engine pool is not running", "closed")
        kind, payload = await asyncio.get_running_loop().run_in_executor(self._checker, self._check_once, files)
        if kind != "ok":
            raise WorkerFailure(f"the rule base check failed unexpectedly: {payload}", "error")
        return payload

    def _check_once(self, files: dict[str, str]) -> tuple[str, Any]:
        return run_check(files, self.check_timeout, self._check_target)

    async def _acquire(self) -> _Worker:
        if self._closed or self._idle is None:
            raise WorkerFailure("the engine pool is not running", "closed")
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                worker = await asyncio.wait_for(self._idle.get(), max(remaining, 0.001))
            except TimeoutError:
                raise WorkerFailure(f"all {self.size} engine workers stayed busy for {self.timeout:g} s; "
                                    "try again shortly", "busy") from None
            if worker.process.is_alive():
                return worker
            self._fail(worker, "crash", "died while idle")

    async def _run(self, job: tuple[str, Any]) -> Any:
        self._inflight += 1
        try:
            return await self._run_job(job)
        finally:
            self._inflight -= 1
            if self._inflight == 0 and self._drained is not None:
                self._drained.set()
                self._drained = None

    async def _run_job(self, job: tuple[str, Any]) -> Any:
        worker = await self._acquire()
        self._busy.add(worker)
        loop = asyncio.get_running_loop()
        future = loop.create_task(_exchange(worker, job, self.timeout, self._callers))
        self._exchanges.add(future)                 # the loop keeps only weak references to tasks
        future.add_done_callback(self._exchanges.discard)
        try:
            kind, payload = await asyncio.shield(future)
        except asyncio.CancelledError:   # the client went away: settle the worker when the job ends
            future.add_done_callback(lambda f: self._settle(worker, f))
            raise
        except _Timeout:
            self._fail(worker, "timeout", f"{job[0]} exceeded {self.timeout:g} s")
            raise WorkerFailure(f"the evaluation exceeded the time limit of {self.timeout:g} s; the engine worker "
                                "was stopped and is being replaced", "timeout") from None
        except (EOFError, OSError) as exc:
            self._fail(worker, "crash", f"died during {job[0]} ({type(exc).__name__})")
            raise WorkerFailure("the engine worker handling this request crashed; it is being replaced, "
                                "please retry", "crash") from None
        worker.jobs += 1
        if kind == "error" or (kind == "refused" and payload.code == EngineError.code):
            # durable_rules' state is suspect after an error: start afresh
            self._fail(worker, "engine_error" if kind == "refused" else kind, f"after {job[0]}: {payload}")
        else:
            self._release(worker)
        return self._answer(kind, payload)

    @staticmethod
    def _answer(kind: str, payload: Any) -> Any:
        if kind == "ok":
            return payload
        if kind == "refused" and isinstance(payload, CogovError):   # the engine's own error, as it raised it
            raise payload
        raise WorkerFailure(f"the engine worker failed unexpectedly: {payload}", "error")

    def _settle(self, worker: _Worker, future: asyncio.Future) -> None:
        """After a cancelled request: keep the worker if its job ended cleanly, else replace it."""
        if future.cancelled() or future.exception() is not None:
            self._fail(worker, "abandoned", "job abandoned by its caller", quiet=True)
        else:
            self._release(worker)

    def _release(self, worker: _Worker) -> None:
        self._busy.discard(worker)
        if self._closed or self._idle is None:
            return
        self._idle.put_nowait(worker)

    def _fail(self, worker: _Worker, kind: str, detail: str, quiet: bool = False) -> None:
        """Take a worker out of service and start its replacement in the background."""
        self._busy.discard(worker)
        self._workers.discard(worker)
        if not quiet:
            self.failures[kind] = self.failures.get(kind, 0) + 1
            log.error("engine worker %s (pid %s) %s: %s; replacing it", worker.number, worker.pid, kind, detail)
        if worker.process.is_alive():
            worker.process.kill()
        if not self._closed:
            task = asyncio.get_running_loop().create_task(self._replace(worker))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _replace(self, old: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._spawner, old.process.join, 5)
        old.conn.close()
        delay = 0.5
        while not self._closed:
            try:
                new = await loop.run_in_executor(self._spawner, self._spawn)
            except (WorkerStartError, OSError, RuntimeError) as exc:
                log.error("engine worker replacement failed: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if self._closed:
                await loop.run_in_executor(None, self._stop_all, [new])
                return
            self.replaced += 1
            self._workers.add(new)
            self._idle.put_nowait(new)
            log.warning("engine worker %s (pid %s, %s) replaced by worker %s (pid %s)", old.number, old.pid,
                        _exit_text(old.process.exitcode), new.number, new.pid)
            return
