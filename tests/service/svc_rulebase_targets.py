"""Test entry points for rule base activation (spawned processes import them by name):
a check that hangs, as durable_rules can on some rule bases, and an engine worker that
refuses to start for a rule base whose files carry a marker comment."""
from __future__ import annotations

import time
from typing import Any

from service.worker_process import worker_main

REFUSE_MARKER = "# test: workers refuse to start"


def hanging_check(conn: Any, files: dict[str, str]) -> None:
    time.sleep(3600)   # never answers: the service must kill it at its time limit


def picky_worker(conn: Any, files: dict[str, str], version: str) -> None:
    if any(REFUSE_MARKER in text for text in files.values()):
        conn.send(("fatal", "RuntimeError: this test worker refuses the rule base"))
        conn.close()
        return
    worker_main(conn, files, version)
