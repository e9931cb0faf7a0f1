"""Helpers for the reliability tests: a live `cogov serve` subprocess, tokens, contexts.

This directory has no __init__.py (like tests/service): helper modules are
imported by their own names (rel_*.py).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from service.auth import hash_token

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "fixtures" / "mini"
PILOTS = REPO / "examples" / "pilots"
COGOV = [sys.executable, "-m", "service.cli"]

# name -> (role, token); the service gets only the hashes
USERS = {
    "alice": ("manager", "tok-rel-alice-manager-0123456789"),
    "bob": ("manager", "tok-rel-bob-manager-0123456789"),
    "carol": ("auditor", "tok-rel-carol-auditor-0123456789"),
    "dave": ("author", "tok-rel-dave-author-0123456789"),
}
TOKENS_SPEC = ",".join(f"{name}:{role}:{hash_token(token)}" for name, (role, token) in USERS.items())


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {USERS[name][1]}"}


def pilot(name: str = "athens") -> dict[str, Any]:
    return json.loads((PILOTS / f"{name}.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveService:
    """`cogov serve` in a subprocess on a random loopback port, output kept in a file.

    start() waits until /readyz answers 200; kill() is kill -9 of the whole
    process group (the service and its engine workers).
    """

    def __init__(self, workdir: Path, database_url: str, **env: str):
        self.workdir, self.database_url = workdir, database_url
        self.env = {**os.environ, "COGOV_DATABASE_URL": database_url, "COGOV_RULES_DIR": str(MINI),
                    "COGOV_TOKENS": TOKENS_SPEC, "COGOV_WORKERS": "2", "COGOV_EVAL_TIMEOUT": "10",
                    "PYTHONUNBUFFERED": "1", **env}
        self.env.pop("COGOV_TOKENS_FILE", None)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "service.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "LiveService":
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([*COGOV, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cogov serve exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"cogov serve not ready after {timeout}s:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9 the service and its workers, as a power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc is not None:
            try:   # engine workers left behind by a kill
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kw.pop("timeout", 30), **kw)


def audit_verify(database_url: str) -> subprocess.CompletedProcess:
    """`cogov audit verify` in its own process, as an auditor would run it."""
    return subprocess.run([*COGOV, "audit", "verify", "--database-url", database_url], capture_output=True,
                          text=True, timeout=120, cwd=REPO)
