"""A test engine worker: the real one, except that a project named "sleep:<seconds>"
sleeps before evaluating. Tests use it to have a request in flight long enough
to kill its worker, or to overrun the time limit. Spawned workers import it by
name, so it lives beside the tests (on sys.path under pytest)."""
from __future__ import annotations

import os
import signal
import time
from typing import Any

from service.worker_process import handle, load_engine, serve


def slow_handle(engine: Any, kind: str, payload: Any) -> tuple[str, Any]:
    """handle(), after sleeping for a project named "sleep:<seconds>"."""
    name = str(payload.get("project", {}).get("name", "")) if isinstance(payload, dict) else ""
    if name.startswith("sleep:"):
        time.sleep(float(name.split(":", 1)[1]))
    return handle(engine, kind, payload)


def slow_main(conn: Any, files: dict[str, str], version: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = load_engine(files, version)
    conn.send(("ready", os.getpid()))
    serve(conn, engine, answer=slow_handle)


def failing_main(conn: Any, files: dict[str, str], version: str) -> None:
    """A worker that cannot start (reports a fatal error)."""
    conn.send(("fatal", "RuntimeError: this worker never starts"))
