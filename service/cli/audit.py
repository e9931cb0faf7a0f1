"""`cogov audit ...`: check the decision log."""
from __future__ import annotations

import os

import click

from service.cli.base import main


@main.group()
def audit() -> None:
    """Check the decision log."""


@audit.command("verify")
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
def audit_verify(database_url: str | None) -> None:
    """Walk the hash chain: report the first broken or altered record (exit 1) or that all verify."""
    from service.log import DatabaseError, DecisionStore
    from service.settings import DEFAULT_DATABASE_URL, normalise_database_url

    url = normalise_database_url(database_url or os.environ.get("COGOV_DATABASE_URL") or DEFAULT_DATABASE_URL)
    try:
        store = DecisionStore(url, migrate_schema=False)
    except DatabaseError as exc:
        click.echo(f"cogov audit verify: {exc}", err=True)
        raise SystemExit(2) from None
    try:
        result = store.verify()
    finally:
        store.close()
    click.echo(str(result))
    if not result.ok:
        raise SystemExit(1)


