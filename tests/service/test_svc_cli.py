"""`cogov audit verify` and `cogov serve` as a user runs them."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine import Engine, load_rulebase
from service.cli import main
from service.log import DecisionStore
from service.log.packing import pack, unpack
from svc_helpers import MINI, REPO, TOKENS_SPEC, Who, pilot


@pytest.fixture
def logged(db_url):
    """A log of four decisions; yields (url, store, records)."""
    rb = load_rulebase(MINI)
    store = DecisionStore(db_url)
    store.store_rulebase(rb.version, rb.files)
    engine = Engine(rb, backend="python")
    records = []
    for name in ("athens", "genoa", "milan", "bremen"):
        records.append(store.record(identity=Who("alice"), context_raw=json.dumps(pilot(name)),
                                    recommendation=engine.evaluate(pilot(name)), rulebase_version=rb.version,
                                    engine_version="0.1.0"))
    yield db_url, store, records
    store.close()


def verify(url: str):
    return CliRunner().invoke(main, ["audit", "verify", "--database-url", url])


def test_verify_reports_all_records(logged):
    url, _, records = logged
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: all 4 records verify"


def test_verify_names_an_altered_record(logged):
    url, store, records = logged
    with store.engine.begin() as conn:     # a compact record's texts are packed (service/log/packing.py)
        context_raw, rec = unpack(conn.execute(text("SELECT packed FROM decisions WHERE seq = 3")).scalar_one())
        conn.execute(text("UPDATE decisions SET packed = :p WHERE seq = 3"),
                     {"p": pack(context_raw, rec.replace("a", "b"))})
    result = verify(url)
    assert result.exit_code == 1
    assert f"record {records[2].id} (seq 3)" in result.output and "altered" in result.output


def test_verify_names_the_record_after_a_deleted_one(logged):
    url, store, records = logged
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM decision_rules WHERE decision_seq = 2"))
        conn.execute(text("DELETE FROM decisions WHERE seq = 2"))
    result = verify(url)
    assert result.exit_code == 1
    assert f"record {records[2].id} (seq 3)" in result.output and "record(s) 2 are missing" in result.output


def test_verify_through_the_installed_command(logged, tmp_path):
    url, store, records = logged
    cogov = shutil.which("cogov", path=str(REPO / ".venv" / "bin")) or shutil.which("cogov")
    if cogov is None:
        pytest.skip("the cogov command is not installed")
    ok = subprocess.run([cogov, "audit", "verify"], env={"COGOV_DATABASE_URL": url, "PATH": ""},
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "all 4 records verify" in ok.stdout
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET caller_name = 'mallory' WHERE seq = 1"))
    bad = subprocess.run([cogov, "audit", "verify", "--database-url", url], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 1 and records[0].id in bad.stdout


def test_verify_refuses_a_database_without_a_log(tmp_path):
    result = verify(f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.exit_code == 2 and "no decision log" in result.output


def test_serve_stops_on_a_broken_rule_base_with_file_and_line(tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(MINI, rules)
    (rules / "policy" / "broken.yaml").write_text("rules:\n  - id: broken.rule\n    title: Broken\n")
    monkeypatch.setenv("COGOV_RULES_DIR", str(rules))
    monkeypatch.setenv("COGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'log.db'}")
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "policy/broken.yaml:2: [broken.rule]" in result.output
    assert "not starting" in result.output


def test_serve_refuses_local_mode_beyond_loopback(tmp_path, monkeypatch):
    monkeypatch.delenv("COGOV_TOKENS", raising=False)
    monkeypatch.delenv("COGOV_TOKENS_FILE", raising=False)
    monkeypatch.setenv("COGOV_RULES_DIR", str(MINI))
    monkeypatch.setenv("COGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'log.db'}")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "local mode" in result.output


@pytest.mark.parametrize("env,message", [
    ({"COGOV_WORKERS": "many"}, "COGOV_WORKERS"),
    ({"COGOV_TOKENS": "alice:boss:" + "0" * 64}, "role must be one of"),
    ({"COGOV_TOKENS": "alice:manager:plaintext-token"}, "64 hex digits"),
])
def test_serve_refuses_bad_settings(tmp_path, monkeypatch, env, message):
    monkeypatch.setenv("COGOV_RULES_DIR", str(MINI))
    monkeypatch.setenv("COGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'log.db'}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2 and message in result.output


def test_tokens_new_prints_a_usable_entry():
    from service.auth import TokenRegistry, parse_env_tokens
    result = CliRunner().invoke(main, ["tokens", "new", "erin", "auditor"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    token = lines[0].rsplit(" ", 1)[1]
    entry = lines[1].split(": ", 1)[1]
    registry = TokenRegistry(parse_env_tokens(entry + "," + TOKENS_SPEC))
    assert registry.lookup(token).name == "erin" and registry.lookup(token).role == "auditor"
    assert token not in entry


def test_serve_runs_and_answers(tmp_path):
    """The real command: start, answer /readyz and a recommendation, stop on SIGINT."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "COGOV_RULES_DIR": str(MINI), "COGOV_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
           "COGOV_TOKENS": ""}
    env.pop("COGOV_TOKENS_FILE", None)
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert json.load(r)["status"] == "ready"
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
                time.sleep(0.2)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/recommendations",
                                     data=json.dumps(pilot()).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 201 and r.headers["X-Cogov-Mode"] == "local"
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=20)[0]
    assert proc.returncode == 0, output
    assert "LOCAL MODE" in output and "engine worker(s)" in output
    assert verify(f"sqlite:///{tmp_path / 'log.db'}").output.strip() == "OK: all 1 records verify"
