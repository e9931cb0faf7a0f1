"""A test engine worker: the real one, except that a project named "sleep:<seconds>"
sleeps before evaluating, one named "stall:<seconds>" writes half of its
answer, stalls, then writes the rest, and one named "fault:<message>" makes the
engine fail as durable_rules can (EngineError). Tests use it to have a request in flight
long enough to kill its worker, to overrun the time limit, or to stall mid-answer. Spawned workers import it by
name, so it lives beside the tests (on sys.path under pytest)."""
from __future__ import annotations

import os
import signal
import struct
import time
from multiprocessing.reduction import ForkingPickler
from typing import Any

from engine import EngineError
from service.worker_process import handle, load_engine, serve


class _FailingEngine:
    """An engine whose evaluation fails as durable_rules' can, with the message and rule given."""

    def __init__(self, message: str):
        self.message = message

    def evaluate(self, context: Any) -> Any:
        raise EngineError(self.message, rule="a-rule")


def slow_handle(engine: Any, kind: str, payload: Any) -> tuple[str, Any]:
    """handle(), after sleeping for a project named "sleep:<seconds>"; failing for "fault:<message>"."""
    name = str(payload.get("project", {}).get("name", "")) if isinstance(payload, dict) else ""
    if name.startswith("sleep:"):
        time.sleep(float(name.split(":", 1)[1]))
    if name.startswith("fault:"):
        return handle(_FailingEngine(name.split(":", 1)[1]), kind, payload)
    return handle(engine, kind, payload)


class _StallingConn:
    """The worker's pipe, except that the answer to a "stall:<seconds>" job is written in two halves with
    a pause between them (multiprocessing's framing kept, so the answer is whole in the end)."""

    def __init__(self, conn: Any):
        self.conn, self.stall = conn, 0.0

    def recv(self) -> Any:
        job = self.conn.recv()
        payload = job[1] if isinstance(job, tuple) else None
        name = str(payload.get("project", {}).get("name", "")) if isinstance(payload, dict) else ""
        self.stall = float(name.split(":", 1)[1]) if name.startswith("stall:") else 0.0
        return job

    def send(self, obj: Any) -> None:
        if not self.stall:
            self.conn.send(obj)
            return
        data = bytes(ForkingPickler.dumps(obj))
        message = struct.pack("!i", len(data)) + data
        half = len(message) // 2
        self._write(message[:half])
        time.sleep(self.stall)
        self._write(message[half:])

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.conn.fileno(), view):]


def slow_main(conn: Any, files: dict[str, str], version: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = load_engine(files, version)
    conn.send(("ready", os.getpid()))
    serve(_StallingConn(conn), engine, answer=slow_handle)


def failing_main(conn: Any, files: dict[str, str], version: str) -> None:
    """A worker that cannot start (reports a fatal error)."""
    conn.send(("fatal", "RuntimeError: this worker never starts"))
