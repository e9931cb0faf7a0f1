"""Fixtures for the service tests: tokens, apps, decision stores on SQLite and PostgreSQL.

This directory deliberately has no __init__.py: as a package it would be
named `service` and shadow the real one. Helper modules here are imported
by their own names (svc_*.py), which also lets spawned engine workers import
the test worker targets.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from pg_databases import fresh_database
from service.app import create_app
from svc_helpers import TOKENS_SPEC, settings_for


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
    with fresh_database("cogov_test") as url:
        yield url


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
