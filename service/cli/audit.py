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



@audit.command("retention")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Remove personal fields of decisions older than this (default $COGOV_RETENTION_DAYS).")
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
def audit_retention(days: int | None, database_url: str | None) -> None:
    """Replace old decisions' personal fields by their commitments; the chain still verifies."""
    from datetime import datetime, timedelta, timezone

    from service.log import DatabaseError, DecisionStore, LogError
    from service.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(database_url=database_url)
    except SettingsError as exc:
        click.echo(f"cogov audit retention: {exc}", err=True)
        raise SystemExit(2) from None
    days = days if days is not None else settings.retention_days
    if days is None:
        click.echo("cogov audit retention: give --days or set COGOV_RETENTION_DAYS", err=True)
        raise SystemExit(2)
    try:
        store = DecisionStore(settings.database_url, migrate_schema=False)
    except DatabaseError as exc:
        click.echo(f"cogov audit retention: {exc}", err=True)
        raise SystemExit(2) from None
    try:
        changed = store.apply_retention(datetime.now(timezone.utc) - timedelta(days=days))
        result = store.verify()
    except LogError as exc:
        click.echo(f"cogov audit retention: {exc}", err=True)
        raise SystemExit(1) from None
    finally:
        store.close()
    click.echo(f"removed the personal fields of {changed} decision(s) older than {days} day(s); {result}")
    if not result.ok:
        raise SystemExit(1)


def open_log(database_url: str | None, command: str):
    """The decision log for a read-only command (exit 2, saying why, when there is none)."""
    from service.log import DatabaseError, DecisionStore
    from service.settings import DEFAULT_DATABASE_URL, normalise_database_url

    url = normalise_database_url(database_url or os.environ.get("COGOV_DATABASE_URL") or DEFAULT_DATABASE_URL)
    try:
        return DecisionStore(url, migrate_schema=False)
    except DatabaseError as exc:
        click.echo(f"cogov {command}: {exc}", err=True)
        raise SystemExit(2) from None


@audit.command("replay")
@click.argument("decision_id")
@click.option("--rules", "rules_spec", default=None, metavar="VERSION|DIR",
              help="Also compare under this stored version or rule base directory (default: the current rules, "
                   "$COGOV_RULES_DIR or rules/).")
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds the replay process may take.")
def audit_replay(decision_id: str, rules_spec: str | None, database_url: str | None, fmt: str,
                 timeout: float) -> None:
    """Re-evaluate a stored decision under its own rule base version and under the current or another rule
    base (the difference, item by item, with the rule edits behind each change).

    \b
    Exit codes:
      0  reproduced (or not replayable: the stored context is no longer valid; nothing is claimed)
      1  integrity fault: the record does not verify in the hash chain, or the engine version that
         made it no longer gives the stored recommendation
      2  the replay could not run (no such decision or log, unknown rule base, timeout)
      3  engine changed: the record verifies, the result differs, and it was made by another engine
         version (no evidence of tampering; review the differences)"""
    from service import candidates
    from service.cli.base import default_rules_dir
    from service.replay import replay

    store = open_log(database_url, "audit replay")
    try:
        try:
            current = candidates.from_directory(default_rules_dir())
            against = candidates.resolve(store, rules_spec, current)
        except candidates.CandidateError as exc:
            for err in exc.errors:
                click.echo(str(err), err=True)
            raise SystemExit(2) from None
        try:
            report = replay(store, decision_id, against, timeout=timeout)
        except RuntimeError as exc:
            click.echo(f"cogov audit replay: {exc}", err=True)
            raise SystemExit(2) from None
    finally:
        store.close()
    if report is None:
        click.echo(f"cogov audit replay: the log has no decision {decision_id}", err=True)
        raise SystemExit(2)
    click.echo(report.model_dump_json(indent=2) if fmt == "json" else report.text())
    if report.integrity.status == "fault":
        raise SystemExit(1)
    if report.integrity.status == "engine_changed":
        raise SystemExit(3)
