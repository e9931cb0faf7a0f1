"""Helpers shared by the service tests (imported by name: this directory is not a package)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.auth import hash_token
from service.settings import Settings

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "fixtures" / "mini"
PILOTS = REPO / "examples" / "pilots"
TESTCLIENT_HOST = "testserver"   # the Host header Starlette's TestClient sends

# name -> (role, token); settings get only the hashes
USERS = {
    "alice": ("manager", "tok-alice-manager"),
    "bob": ("manager", "tok-bob-manager"),
    "carol": ("auditor", "tok-carol-auditor"),
    "dave": ("author", "tok-dave-author"),
}
TOKENS_SPEC = ",".join(f"{name}:{role}:{hash_token(token)}" for name, (role, token) in USERS.items())


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {USERS[name][1]}"}


def pilot(name: str = "athens") -> dict[str, Any]:
    return json.loads((PILOTS / f"{name}.json").read_text(encoding="utf-8"))


def settings_for(tmp: Path, **overrides: Any) -> Settings:
    """Settings for a test app: SQLite log under tmp, the mini rule base, two workers.

    TestClient sends `Host: testserver`, which the Host check (service.hosts) refuses like any
    name that is not loopback: the tests allow it as an operator would, through allowed_hosts."""
    values: dict[str, Any] = dict(database_url=f"sqlite:///{tmp / 'log.db'}", rules_dir=MINI, workers=2,
                                  eval_timeout=10, worker_start_timeout=30, allowed_hosts=TESTCLIENT_HOST)
    values.update(overrides)
    return Settings(**values)


class Who:
    """A stand-in identity for store tests."""

    def __init__(self, name: str, role: str = "manager"):
        self.name, self.role = name, role
