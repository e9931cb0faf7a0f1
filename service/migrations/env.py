"""Alembic environment: runs on the connection service.log.db.migrate hands over,
or, for `alembic` on the command line, on `sqlalchemy.url` / $COGOV_DATABASE_URL."""
from __future__ import annotations

import os

from alembic import context

from service.log.db import make_engine
from service.log.models import Base
from service.settings import DEFAULT_DATABASE_URL, normalise_database_url

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("COGOV_DATABASE_URL") or DEFAULT_DATABASE_URL
    engine = make_engine(normalise_database_url(url))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
