"""/readyz: anyone learns whether the service is ready (status and code); only an auditor, or local mode
where every caller has every role, learns why (worker pids, failure counts, versions, the database)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.log import DatabaseError
from svc_helpers import TOKENS_SPEC, auth, settings_for

SHORT = {"ready": {"status": "ready"}, "not ready": {"status": "not ready"}}


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Any:
    return create_app(settings_for(tmp_path_factory.mktemp("readyz"), tokens=TOKENS_SPEC, workers=1))


@pytest.fixture(scope="module")
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def callers() -> dict[str, dict[str, str]]:
    """Everyone but an auditor: no token, each other role, an unknown token, a malformed header."""
    return {"anonymous": {}, "manager": auth("alice"), "author": auth("dave"),
            "unknown token": {"Authorization": "Bearer not-a-token"}, "malformed": {"Authorization": "Basic x"}}


def test_without_an_auditors_token_readyz_says_only_ready_or_not(client):
    for who, headers in callers().items():
        r = client.get("/readyz", headers=headers)
        assert (r.status_code, r.json()) == (200, SHORT["ready"]), who


def test_an_auditor_gets_the_details(client, app):
    r = client.get("/readyz", headers=auth("carol"))
    assert r.status_code == 200 and r.json()["status"] == "ready"
    checks = r.json()["checks"]
    serving = app.state.activator.current
    assert checks["workers"]["ok"] and checks["workers"]["pids"] == serving.pool.status()["pids"]
    assert checks["workers"]["failures"] == serving.pool.status()["failures"] and checks["database"] == {"ok": True}
    assert checks["rulebase"] | {"serving_since": None} == {
        "ok": True, "version": serving.version, "serving": serving.version, "serving_since": None,
        "latest": serving.version, "in_step": True, "refused": None}
    assert checks["rulebase"]["serving_since"].endswith("Z")


def test_not_ready_is_503_for_everyone_and_says_why_to_an_auditor(client, app, monkeypatch):
    def down() -> None:
        raise DatabaseError("decision log database unreachable: test")
    monkeypatch.setattr(app.state.store, "ping", down)
    for who, headers in callers().items():
        r = client.get("/readyz", headers=headers)
        assert (r.status_code, r.json()) == (503, SHORT["not ready"]), who
    r = client.get("/readyz", headers=auth("carol"))
    assert r.status_code == 503 and r.json()["checks"]["database"] == {
        "ok": False, "error": "decision log database unreachable: test"}
    assert r.json()["checks"]["rulebase"]["latest"] is None and r.json()["checks"]["rulebase"]["in_step"] is None


def test_local_mode_gets_the_details(tmp_path):
    """In local mode every caller has every role, the auditor's among them."""
    app = create_app(settings_for(tmp_path, workers=1))
    with TestClient(app) as c:
        body = c.get("/readyz").json()
        assert body["status"] == "ready" and body["checks"]["workers"]["pids"]
