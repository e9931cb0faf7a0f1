"""A decision log database that cannot be reached is a 503 with Retry-After, never a 500 (service/errors.py).

Two outages: a PostgreSQL log whose server stops answering (the store's engine pointed at a port nothing
listens on) and a SQLite log whose file can no longer be opened (a directory where the file was: the tests
run as root, so taking permissions away would not stop them). A database error the code causes itself (a
table that is not there) stays a 500.
"""
from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

from service.app import create_app
from service.errors import database_unavailable
from svc_helpers import settings_for

STORE_READERS = ["/api/v1/decisions", "/api/v1/decisions/d-1", "/api/v1/decisions/d-1/outcomes",
                 "/api/v1/audit/verify"]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but never listening: a connection to it is refused, and no one else can take it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def _app(tmp_path: Path, database_url: str) -> TestClient:
    # local mode: the one local user holds every role, so the pages answer too
    return TestClient(create_app(settings_for(tmp_path, database_url=database_url, workers=1)),
                      raise_server_exceptions=False)


def _assert_unavailable(client: TestClient) -> None:
    for path in STORE_READERS:
        r = client.get(path)
        assert r.status_code == 503, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), path
        assert r.headers["retry-after"] == "1", path
        detail = r.json()["detail"]
        assert detail == "the decision log database is unavailable; retry later", path
    page = client.get("/log")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "1"
    assert "The decision log cannot be reached" in page.text
    assert "127.0.0.1" not in page.text and "sqlite3" not in page.text   # the driver's words stay in the log


def test_postgresql_server_gone_is_503(tmp_path, pg_url, closed_port):
    with _app(tmp_path, pg_url) as client:
        assert client.get("/api/v1/decisions").status_code == 200
        store = client.app.state.store
        store.engine.dispose()
        store.engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/test",
                                     connect_args={"connect_timeout": 3})
        _assert_unavailable(client)


def test_sqlite_file_gone_unreadable_is_503(tmp_path):
    with _app(tmp_path, f"sqlite:///{tmp_path / 'log.db'}") as client:
        assert client.get("/api/v1/decisions").status_code == 200
        store = client.app.state.store
        store.engine.dispose()   # the pool's open connections would still read the old file
        for path in tmp_path.glob("log.db*"):
            path.rename(path.with_name(path.name + ".moved"))
        (tmp_path / "log.db").mkdir()
        _assert_unavailable(client)


def test_a_query_the_database_refuses_is_still_a_500(tmp_path):
    with _app(tmp_path, f"sqlite:///{tmp_path / 'log.db'}") as client:
        store = client.app.state.store
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE decisions RENAME TO decisions_elsewhere")
        r = client.get("/api/v1/decisions")
        assert r.status_code == 500
        assert "retry-after" not in r.headers


def test_which_database_errors_say_unavailable():
    def wrapped(orig: Exception, cls=OperationalError) -> Exception:
        return cls("SELECT 1", {}, orig)

    refused = psycopg.OperationalError("connection refused")
    assert database_unavailable(wrapped(refused)) and database_unavailable(refused)
    assert database_unavailable(wrapped(psycopg.InterfaceError("the connection is closed"), InterfaceError))
    assert not database_unavailable(wrapped(psycopg.errors.UndefinedTable("no table"), ProgrammingError))
    cantopen = sqlite3.OperationalError("unable to open database file")
    cantopen.sqlite_errorcode = 14
    assert database_unavailable(wrapped(cantopen))
    no_table = sqlite3.OperationalError("no such table: decisions")
    no_table.sqlite_errorcode = 1
    assert not database_unavailable(wrapped(no_table))
    assert not database_unavailable(wrapped(sqlite3.InterfaceError("bad parameter"), InterfaceError))


def test_the_contract_documents_the_503_of_every_operation_using_the_log(tmp_path):
    spec = create_app(settings_for(tmp_path, workers=1)).openapi()
    operations = {op["operationId"]: op for ops in spec["paths"].values() for op in ops.values()}
    for operation_id in ("listDecisions", "getDecision", "verifyLog", "listOutcomes", "techniqueEvidence"):
        answer = operations[operation_id]["responses"]["503"]
        assert "decision log" in answer["description"], operation_id
        assert "application/problem+json" in answer["content"], operation_id
    for operation_id in ("getCatalogue", "getCurrentCaller"):   # these never open the log
        assert "503" not in operations[operation_id]["responses"], operation_id
