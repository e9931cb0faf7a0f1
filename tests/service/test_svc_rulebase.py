"""Rule base versions, activation, rollback and the atomic swap (service/serving.py, service/api/rulebase.py).

Activations are real: each checks the candidate in a spawned process and
starts engine workers, so the module shares one app and keeps their number
small. Versions differ by a comment, which changes the digest (the version)
but not the recommendations.
"""
from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from service.app import create_app
from service.log import DecisionStore
from svc_helpers import MINI, TOKENS_SPEC, auth, pilot, settings_for
from svc_rulebase_targets import REFUSE_MARKER, hanging_check, picky_worker
from svc_slow_worker import slow_main

POLICY = "policy/people.yaml"


def variant(files: dict[str, str], tag: str) -> dict[str, str]:
    """The same rules under another version: a comment changes the digest only."""
    return {**files, POLICY: files[POLICY] + f"\n# variant {tag}\n"}


def broken(files: dict[str, str]) -> dict[str, str]:
    return {**files, POLICY: files[POLICY].replace("for_each: stakeholder", "for_each: stakeholdr", 1)}


def slow_context(seconds: float) -> dict[str, Any]:
    ctx = pilot()
    ctx["project"]["name"] = f"sleep:{seconds}"
    return ctx


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("rb-rules") / "rules"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture(scope="module")
def app(tmp_path_factory, rules_dir):
    settings = settings_for(tmp_path_factory.mktemp("rb"), tokens=TOKENS_SPEC, rules_dir=rules_dir, workers=1)
    return create_app(settings, worker_target=slow_main)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def active(client) -> dict[str, Any]:
    r = client.get("/api/v1/rulebase", headers=auth("carol"))
    assert r.status_code == 200, r.text
    return r.json()


def activate(client, files: dict[str, str], note: str | None = None, who: str = "dave"):
    return client.post("/api/v1/rulebase", json={"files": files, "note": note}, headers=auth(who))


def recommend(client) -> dict[str, Any]:
    r = client.post("/api/v1/recommendations", json=pilot(), headers=auth("alice"))
    assert r.status_code == 201, r.text
    return r.json()


def test_startup_is_an_activation_and_every_version_is_listed(client, app):
    state = active(client)
    assert state["version"] == app.state.activator.current.version == app.state.activator.current.rulebase.version
    assert [(a["action"], a["activated_by"], a["version"]) for a in state["history"]] == \
        [("startup", "startup", state["version"])]
    assert [v["version"] for v in state["versions"]] == [state["version"]]


def test_activate_swaps_the_served_version_and_keeps_the_old_one(client, app):
    before = active(client)
    old_pool = app.state.activator.current.pool
    files = variant(app.state.activator.current.rulebase.files, "activate")
    r = activate(client, files, note="add a comment")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["changed"] is True and out["previous"] == before["version"] and out["version"] != before["version"]
    assert out["activation"] | {"activated_at": None} == {
        "id": out["activation"]["id"], "version": out["version"], "activated_by": "dave", "action": "activate",
        "note": "add a comment", "activated_at": None}
    assert app.state.activator.current.version == app.state.activator.current.rulebase.version == out["version"]
    assert app.state.activator.current.pool is not old_pool and app.state.activator.current.pool.ready
    assert recommend(client)["rulebase"]["version"] == out["version"]
    state = active(client)
    assert state["version"] == out["version"]
    assert [a["version"] for a in state["history"][:2]] == [out["version"], before["version"]]
    assert {v["version"] for v in state["versions"]} == {out["version"], before["version"]}
    stored = client.get(f"/api/v1/rulebases/{out['version']}", headers=auth("dave")).json()
    assert stored["files"] == files
    deadline = time.monotonic() + 30   # the old pool is closed once nothing uses it
    while old_pool.ready and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not old_pool.ready and old_pool.status()["alive"] == 0


def test_activating_the_serving_version_changes_nothing(client, app):
    history = active(client)["history"]
    r = activate(client, dict(app.state.activator.current.rulebase.files))
    assert r.status_code == 200 and r.json()["changed"] is False
    assert active(client)["history"] == history


def test_an_invalid_rule_base_is_refused_with_file_and_line_and_the_old_one_serves(client, app):
    serving = app.state.activator.current
    r = activate(client, broken(serving.rulebase.files))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["kind"] == "invalid" and body["errors"]
    assert all(e["file"] == POLICY and e["line"] and e["text"].startswith(f"{POLICY}:{e['line']}:")
               for e in body["errors"]), body["errors"]
    assert any("for_each" in e["text"] for e in body["errors"]), body["errors"]
    assert app.state.activator.current is serving
    assert recommend(client)["rulebase"]["version"] == serving.version


def test_request_bodies_are_validated(client):
    for body in ({}, {"files": {"sources.yaml": "x"}, "from_directory": True}, {"files": {"../x.yaml": "x"}}):
        r = client.post("/api/v1/rulebase", json=body, headers=auth("dave"))
        assert r.status_code == 422, (body, r.text)


def test_only_authors_activate_and_authors_or_auditors_read(client, app):
    files = variant(app.state.activator.current.rulebase.files, "nobody")
    for who in ("alice", "carol"):
        assert activate(client, files, who=who).status_code == 403
        assert client.post("/api/v1/rulebase/rollback", json={"version": "x"}, headers=auth(who)).status_code == 403
    assert client.post("/api/v1/rulebase", json={"files": files}).status_code == 401
    assert client.get("/api/v1/rulebase", headers=auth("alice")).status_code == 403
    assert client.get("/api/v1/rulebase", headers=auth("dave")).status_code == 200


def test_rollback_reactivates_a_stored_version_and_diff_shows_the_change(client, app):
    history = active(client)["history"]
    first = history[-1]["version"]
    current = app.state.activator.current.version
    r = client.post("/api/v1/rulebase/rollback", json={"version": first, "note": "back"}, headers=auth("dave"))
    assert r.status_code == 200, r.text
    assert r.json()["version"] == first and r.json()["activation"]["action"] == "rollback"
    assert app.state.activator.current.version == first
    assert recommend(client)["rulebase"]["version"] == first
    diff = client.get(f"/api/v1/rulebases/{first}/diff/{current}", headers=auth("carol")).json()
    changed = [f for f in diff["files"] if f["status"] != "same"]
    assert [(f["path"], f["status"]) for f in changed] == [(POLICY, "changed")]
    assert "+# variant activate" in changed[0]["diff"].splitlines()
    assert changed[0]["diff"].startswith(f"--- a/{POLICY}@{first}\n+++ b/{POLICY}@{current}\n")
    assert client.get(f"/api/v1/rulebases/{first}/diff/nope", headers=auth("carol")).status_code == 404
    r = client.post("/api/v1/rulebase/rollback", json={"version": "sha256:0000"}, headers=auth("dave"))
    assert r.status_code == 404 and r.json()["kind"] == "unknown"


def test_activate_from_the_rules_directory(client, app, rules_dir):
    path = rules_dir / POLICY
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited on disk\n", encoding="utf-8")
    r = client.post("/api/v1/rulebase", json={"from_directory": True}, headers=auth("dave"))
    assert r.status_code == 200, r.text
    assert r.json()["changed"] and app.state.activator.current.rulebase.files[POLICY].endswith("# edited on disk\n")
    assert str(rules_dir) in r.json()["activation"]["note"]


def test_a_request_in_flight_finishes_on_the_version_it_started_with(client, app):
    old = app.state.activator.current.version
    result: dict[str, Any] = {}

    def slow() -> None:
        result["response"] = client.post("/api/v1/recommendations", json=slow_context(3), headers=auth("alice"))

    thread = threading.Thread(target=slow)
    thread.start()
    deadline = time.monotonic() + 10
    while app.state.activator.current.pool.status()["busy"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert app.state.activator.current.pool.status()["busy"] == 1, "the slow request never reached its worker"
    r = activate(client, variant(app.state.activator.current.rulebase.files, "in-flight"))
    assert r.status_code == 200, r.text
    thread.join(30)
    slow_response = result["response"]
    assert slow_response.status_code == 201, slow_response.text
    assert slow_response.json()["rulebase"]["version"] == old
    logged = client.get(f"/api/v1/decisions/{slow_response.json()['decision_id']}", headers=auth("carol")).json()
    assert logged["rulebase_version"] == old != r.json()["version"]
    assert recommend(client)["rulebase"]["version"] == r.json()["version"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_request_fails_during_swaps_on_a_live_server(tmp_path):
    """Four client threads post recommendations to a real uvicorn server while an
    author activates three times; every request succeeds and was logged under a
    version that was serving at some moment of that request."""
    settings = settings_for(tmp_path, tokens=TOKENS_SPEC, workers=1)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    base = f"http://127.0.0.1:{server.config.port}/api/v1"
    swaps: list[tuple[float, float, str]] = [(float("-inf"), float("-inf"), app.state.activator.current.version)]
    done, results, errors = threading.Event(), [], []

    def hammer() -> None:
        with httpx.Client(base_url=base, headers=auth("alice"), timeout=60) as http:
            while not done.is_set():
                start = time.monotonic()
                try:
                    r = http.post("/recommendations", json=pilot())
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                results.append((start, time.monotonic(), r.status_code, r.json() if r.status_code == 201 else r.text))

    clients = [threading.Thread(target=hammer) for _ in range(4)]
    try:
        for c in clients:
            c.start()
        with httpx.Client(base_url=base, headers=auth("dave"), timeout=120) as author:
            files = app.state.activator.current.rulebase.files
            for tag in ("one", "two", "three"):
                time.sleep(0.3)
                start = time.monotonic()
                r = author.post("/rulebase", json={"files": variant(files, tag)})
                assert r.status_code == 200, r.text
                swaps.append((start, time.monotonic(), r.json()["version"]))
            time.sleep(0.3)
    finally:
        done.set()
        for c in clients:
            c.join(60)
        server.should_exit = True
        thread.join(30)
    assert not errors
    assert results and all(status == 201 for _, _, status, _ in results), \
        [body for _, _, status, body in results if status != 201][:3]
    store = DecisionStore(settings.database_url)
    try:
        for start, end, _, body in results:
            # version i serves at most from its activation call's start to the end of the next one's call
            possible = {v for i, (s_i, _, v) in enumerate(swaps)
                        if s_i <= end and (i + 1 == len(swaps) or swaps[i + 1][1] >= start)}
            logged = store.get(body["decision_id"]).rulebase_version
            assert logged == body["rulebase"]["version"] and logged in possible
        assert len({body["rulebase"]["version"] for *_, body in results}) >= 2
        assert store.verify().ok
    finally:
        store.close()


def test_a_hanging_check_is_stopped_at_its_time_limit(tmp_path):
    settings = settings_for(tmp_path, tokens=TOKENS_SPEC, workers=1, rules_check_timeout=1.5)
    app = create_app(settings, check_target=hanging_check)
    with TestClient(app) as c:
        serving = app.state.activator.current
        started = time.monotonic()
        r = activate(c, variant(serving.rulebase.files, "hang"))
        assert r.status_code == 422, r.text
        assert r.json()["kind"] == "timeout" and "time limit of 1.5 s" in r.json()["detail"]
        assert 1.5 <= time.monotonic() - started   # it waited for the limit, then refused
        assert app.state.activator.current is serving
        assert recommend(c)["rulebase"]["version"] == serving.version



def test_a_rules_check_hangs_no_longer_than_the_check_time_limit(tmp_path):
    """POST /rules/check and activation share COGOV_RULES_CHECK_TIMEOUT (not the worker start timeout)."""
    settings = settings_for(tmp_path, tokens=TOKENS_SPEC, workers=1, rules_check_timeout=1.5,
                            worker_start_timeout=30)
    app = create_app(settings, check_target=hanging_check)
    with TestClient(app) as c:
        started = time.monotonic()
        r = c.post("/api/v1/rules/check", json={"files": app.state.activator.current.rulebase.files}, headers=auth("dave"))
        elapsed = time.monotonic() - started
        assert r.status_code == 503, r.text
        assert "time limit of 1.5 s" in r.json()["detail"]
        assert 1.5 <= elapsed < 30

def test_workers_that_will_not_start_refuse_the_activation(tmp_path):
    settings = settings_for(tmp_path, tokens=TOKENS_SPEC, workers=1)
    app = create_app(settings, worker_target=picky_worker)
    with TestClient(app) as c:
        serving = app.state.activator.current
        files = serving.rulebase.files
        r = activate(c, {**files, POLICY: files[POLICY] + "\n" + REFUSE_MARKER + "\n"})
        assert r.status_code == 503, r.text
        assert r.json()["kind"] == "start" and "refuses the rule base" in r.json()["detail"]
        assert app.state.activator.current is serving and serving.pool.ready
        assert [a["action"] for a in active(c)["history"]] == ["startup"]
        assert recommend(c)["rulebase"]["version"] == serving.version


def test_what_serves_after_a_restart(tmp_path, rules_dir):
    """directory (default): the rules directory, recorded as a startup activation when it differs from the
    last one; last: the last activated version."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    shutil.copytree(MINI, tmp_path / "rules")
    app = create_app(settings_for(tmp_path, database_url=url, rules_dir=tmp_path / "rules"))
    directory_version = app.state.activator.current.version
    other = variant(app.state.activator.current.rulebase.files, "restart")
    with TestClient(app) as c:
        assert activate(c, other).status_code == 200
        activated = app.state.activator.current.version
    last = create_app(settings_for(tmp_path, database_url=url, rules_dir=tmp_path / "rules", rules_at_start="last"))
    assert last.state.activator.current.version == activated and last.state.activator.current.rulebase.files == other
    last.state.store.close()
    again = create_app(settings_for(tmp_path, database_url=url, rules_dir=tmp_path / "rules"))
    assert again.state.activator.current.version == directory_version
    history = again.state.store.list_activations()
    assert [(a["action"], a["version"]) for a in history] == \
        [("startup", directory_version), ("activate", activated), ("startup", directory_version)]
    again.state.store.close()
    unchanged = create_app(settings_for(tmp_path, database_url=url, rules_dir=tmp_path / "rules"))
    assert len(unchanged.state.store.list_activations()) == 3   # the same version again: nothing to record
    unchanged.state.store.close()


def _wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_development_watch_activates_changes_and_logs_refusals(tmp_path, caplog):
    shutil.copytree(MINI, tmp_path / "rules")
    policy = tmp_path / "rules" / POLICY
    app = create_app(settings_for(tmp_path, rules_dir=tmp_path / "rules", workers=1))
    app.state.activator.watch(tmp_path / "rules")
    caplog.set_level("ERROR", logger="cogov.serving")
    with TestClient(app) as c:
        first = app.state.activator.current.version
        time.sleep(0.5)   # let the watcher start before the first edit
        policy.write_text(policy.read_text(encoding="utf-8") + "\n# watched edit\n", encoding="utf-8")
        assert _wait_for(lambda: app.state.activator.current.version != first), "the edit was never activated"
        edited = app.state.activator.current
        assert edited.activation["activated_by"] == "local author (file watch)"
        assert edited.activation["note"] == "file watch: people.yaml"
        policy.write_text(broken(edited.rulebase.files)[POLICY], encoding="utf-8")
        assert _wait_for(lambda: "refused" in caplog.text), "the broken edit was never reported"
        assert f"{POLICY}:" in caplog.text and app.state.activator.current is edited
        assert c.post("/api/v1/recommendations", json=pilot()).json()["rulebase"]["version"] == edited.version


def test_watch_rules_needs_local_mode(tmp_path):
    from click.testing import CliRunner

    from service.cli import main
    env = {"COGOV_TOKENS": TOKENS_SPEC, "COGOV_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
           "COGOV_RULES_DIR": str(MINI)}
    result = CliRunner().invoke(main, ["serve", "--watch-rules"], env=env)
    assert result.exit_code == 2 and "--watch-rules is for development and needs local mode" in result.output


def test_a_stored_version_altered_in_the_log_is_neither_rolled_back_to_nor_served_after_a_restart(tmp_path):
    """Rollback and COGOV_RULES_AT_START=last load a version from the log's stored files: altered files
    (which load as another version) are refused, not served under the requested version's history."""
    from sqlalchemy import text

    shutil.copytree(MINI, tmp_path / "rules")
    url = f"sqlite:///{tmp_path / 'log.db'}"
    app = create_app(settings_for(tmp_path, database_url=url, rules_dir=tmp_path / "rules", tokens=TOKENS_SPEC,
                                  workers=1))
    with TestClient(app) as c:
        first = app.state.activator.current.version
        assert activate(c, variant(app.state.activator.current.rulebase.files, "tamper")).status_code == 200
        second = app.state.activator.current.version
        store = app.state.store
        altered = variant(store.get_rulebase(first).files, "forged")
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE rulebases SET files = :f WHERE version IN (:a, :b)"),
                         {"f": json.dumps(altered), "a": first, "b": second})
        r = c.post("/api/v1/rulebase/rollback", json={"version": first}, headers=auth("dave"))
        assert r.status_code == 422 and r.json()["kind"] == "invalid", r.text
        assert "altered" in r.json()["detail"] and app.state.activator.current.version == second
    restarted = create_app(settings_for(tmp_path, database_url=url, rules_dir=tmp_path / "rules",
                                        rules_at_start="last"))
    assert restarted.state.activator.current.version == first   # the rules directory, not the forged "last" version
    restarted.state.store.close()
