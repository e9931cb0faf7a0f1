"""A PostgreSQL database of its own for a test, in the machine's test cluster: one helper for the service
tests (tests/service/conftest.py) and the replicas' (tests/reliability/test_rel_replicas.py).

tests/ is on sys.path (tests/conftest.py's folder), so test modules and conftests anywhere below import it
by name: `from pg_databases import fresh_database`.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("COGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(prefix: str, needed_by: str = "the PostgreSQL tests") -> Iterator[str]:
    """The URL of a new database named `prefix`_<random> on PG_URL's server, dropped (connections and all)
    afterwards; skips the test, saying what needed it, when there is no server or it refuses to create one."""
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server to test against"
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}): {needed_by} need one; "
                    "set COGOV_TEST_POSTGRES_URL")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
