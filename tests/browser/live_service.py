"""The real app (service.app:create_app) under uvicorn in a subprocess, for the browser tests.

The loopback socket is bound here, on a port the system picks, and handed to
uvicorn by its file descriptor (`--fd`): the port is known before the service
starts, and nothing else can take it in between, as it could when a probe
socket was closed to free a port for uvicorn to bind again.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def loopback_socket() -> socket.socket:
    """A TCP socket bound to 127.0.0.1 on a port of the system's choosing (not yet listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def running_service(tmp: Path, sock: socket.socket | None = None, log_level: str = "warning",
                    **settings: str) -> Iterator[tuple[str, Path]]:
    """Serve the app in local mode on `sock` (a fresh loopback socket by default) with a SQLite decision log
    in `tmp`, the shipped rules and two workers, `settings` (COGOV_* variables) added or overriding; yields
    (its URL, the file its output goes to) once /readyz answers 200, and stops it afterwards."""
    sock = sock or loopback_socket()
    url = url_of(sock)
    log = tmp / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGOV_")}
    env.update(COGOV_DATABASE_URL=f"sqlite:///{tmp / 'log.db'}", COGOV_RULES_DIR=str(REPO / "rules"),
               COGOV_WORKERS="2")
    env.update(settings)
    with sock, open(log, "wb") as out:   # the child holds its own copy of the socket: ours closes after the start
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory",
                                 "--fd", str(sock.fileno()), "--log-level", log_level],
                                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env, pass_fds=(sock.fileno(),))
    try:
        _wait_ready(url, proc, log)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the app did not start:\n{log.read_text()}")
        time.sleep(0.2)
