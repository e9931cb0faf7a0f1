"""Fixtures for the service tests: tokens, apps, decision stores on SQLite and PostgreSQL.

This directory deliberately has no __init__.py: as a package it would be
named `service` and shadow the real one. Helper modules here are imported
by their own names (svc_*.py), which also lets spawned engine workers import
the test worker targets.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.app import create_app
from svc_helpers import TOKENS_SPEC, settings_for

PG_URL = os.environ.get("COGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def api_app(tmp_path_factory) -> Any:
    return create_app(settings_for(tmp_path_factory.mktemp("api"), tokens=TOKENS_SPEC, max_body_bytes=64 * 1024))


@pytest.fixture(scope="module")
def client(api_app) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        yield c


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped afterwards (skips when no server)."""
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server to test against"
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); "
                    "set COGOV_TEST_POSTGRES_URL to run the PostgreSQL tests")
    name = f"cogov_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"cannot create a test database on {PG_URL}: {exc}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The decision log URL, once per backend (a fresh database each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    base = request.getfixturevalue("pg_url")
    schema_reset(base)
    return base


def schema_reset(url: str) -> None:
    """Empty a PostgreSQL test database (tests in one module share it)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
