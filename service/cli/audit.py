"""`cogov audit ...`: check the decision log."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

from service.cli.base import main


@main.group()
def audit() -> None:
    """Check the decision log."""


@audit.command("verify")
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="A signed checkpoint (`cogov audit checkpoint`) the log must still extend; "
                                   "repeat for several.")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="PUB",
              help="The public key the checkpoints were signed with (needed with --checkpoint).")
def audit_verify(database_url: str | None, checkpoints: tuple[Path, ...], public_key: Path | None) -> None:
    """Walk the hash chains (decisions, then rule base activations, then evaluations): report the first
    broken or altered record, activation or evaluation (exit 1) or that all verify. With --checkpoint, also
    prove the log still extends each saved checkpoint: its signature holds, the record at each chain's seq
    still has its hash (a truncated or rewritten tail fails, exit 1). A checkpoint made before evaluations
    were signed vouches for decisions and activations only, and its line says so.

    \b
    Exit codes: 0 everything verifies; 1 a record, an activation or a checkpoint does not;
    2 the check could not run (no log, an unreadable key or checkpoint file)."""
    from service.log.checkpoint import CheckpointError, chains, extension_problem, load_public_key, \
        read_checkpoint, signature_problem

    if checkpoints and public_key is None:
        click.echo("cogov audit verify: --checkpoint needs --public-key (the key the checkpoints were signed "
                   "with)", err=True)
        raise SystemExit(2)
    try:
        key = load_public_key(public_key) if public_key is not None else None
        saved = [(path, read_checkpoint(path)) for path in checkpoints]
    except CheckpointError as exc:
        click.echo(f"cogov audit verify: {exc}", err=True)
        raise SystemExit(2) from None
    store = open_log(database_url, "audit verify")
    try:
        heads = store.heads() if saved else None
        result = store.verify()
        click.echo(str(result))
        failed = not result.ok
        for path, checkpoint in saved:
            evaluations = f", evaluations seq {checkpoint['evaluations']['seq']}" \
                if "evaluations" in chains(checkpoint) else "; made before evaluations were signed: it does " \
                                                           "not vouch for them"
            where = f"checkpoint {path} (decisions seq {checkpoint['decisions']['seq']}, activations seq " \
                    f"{checkpoint['activations']['seq']}{evaluations}, signed {checkpoint['time']})"
            problem = signature_problem(checkpoint, key) or extension_problem(store, checkpoint, heads)
            if problem is None and not result.ok:
                problem = "not proven: the log's own chain does not verify (above)"
            failed = failed or problem is not None
            click.echo(f"{where}: " + (f"FAILED: {problem}" if problem else "OK: the log extends it"))
    finally:
        store.close()
    if failed:
        raise SystemExit(1)


@audit.command("keygen")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="KEYFILE",
              help="Where to write the private key (mode 0600); the public key goes to KEYFILE.pub.")
def audit_keygen(out: Path) -> None:
    """Make an Ed25519 key pair for signing checkpoints. Keep KEYFILE away from the database and the
    service (its holder can sign checkpoints); publish KEYFILE.pub. Existing files are never overwritten
    (exit 2)."""
    from service.log.checkpoint import CheckpointError, write_key_pair

    public = out.with_name(out.name + ".pub")
    try:
        ident = write_key_pair(out, public)
    except CheckpointError as exc:
        click.echo(f"cogov audit keygen: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"private key: {out} (keep it secret, off the server)\npublic key: {public} (publish it)\n"
               f"key id: {ident}")


@audit.command("checkpoint")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="KEYFILE", help="The private key (`cogov audit keygen`).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Write the checkpoint here (never over an existing file) instead of to standard output.")
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
def audit_checkpoint(key_file: Path, out: Path | None, database_url: str | None) -> None:
    """Sign the log's current heads (decisions: seq, hash, last time; activations: seq, hash) with KEYFILE,
    after verifying the whole chain: a signed tree head in Certificate Transparency's manner. Save and
    publish the output; `cogov audit verify --checkpoint FILE --public-key PUB` later proves the log still
    extends it.

    \b
    Exit codes: 0 signed; 1 the log does not verify (nothing is signed); 2 no log, an unusable key, or FILE
    exists."""
    from service.log.checkpoint import CheckpointError, load_private_key, make_checkpoint

    try:
        key = load_private_key(key_file)
    except CheckpointError as exc:
        click.echo(f"cogov audit checkpoint: {exc}", err=True)
        raise SystemExit(2) from None
    if out is not None and out.exists():
        click.echo(f"cogov audit checkpoint: {out}: already exists; not overwritten", err=True)
        raise SystemExit(2)
    store = open_log(database_url, "audit checkpoint")
    try:
        checkpoint = make_checkpoint(store, key)
    except CheckpointError as exc:
        click.echo(f"cogov audit checkpoint: {exc}", err=True)
        raise SystemExit(1) from None
    finally:
        store.close()
    text = json.dumps(checkpoint, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        with open(out, "x", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        click.echo(f"cogov audit checkpoint: {out}: cannot write: {exc.strerror}", err=True)
        raise SystemExit(2) from None
    click.echo(f"checkpoint of decisions seq {checkpoint['decisions']['seq']}, activations seq "
               f"{checkpoint['activations']['seq']} and evaluations seq {checkpoint['evaluations']['seq']} "
               f"written to {out}")


@audit.command("retention")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Remove personal fields of decisions older than this (default $COGOV_RETENTION_DAYS).")
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
def audit_retention(days: int | None, database_url: str | None) -> None:
    """Replace old decisions' and evaluations' personal fields by their commitments; the chains still verify."""
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
        cutoff = datetime.now(timezone.utc) - timedelta(days=days)
        changed = store.apply_retention(cutoff)
        evaluations = store.evaluations.apply_retention(cutoff)   # evaluations' personal fields, alike
        result = store.verify()
    except (LogError, ValueError) as exc:
        click.echo(f"cogov audit retention: {exc}", err=True)
        raise SystemExit(1) from None
    finally:
        store.close()
    click.echo(f"removed the personal fields of {changed} decision(s) older than {days} day(s)"
               + (f" and of {evaluations} evaluation(s)" if evaluations else "") + f"; {result}")
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
