"""`cogov rules impact DIR`: what a candidate rule base would change in the stored decisions.

Registered on the `rules` group (service/cli/rules.py) as one more command.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from service.cli.audit import open_log
from service.cli.rules import rules


@rules.command("impact")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--database-url", default=None, help="Decision log URL (default $COGOV_DATABASE_URL or ./var/cogov.db).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Decisions from this day (UTC).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Decisions up to this day, inclusive.")
@click.option("--approach", default=None, help="Only decisions with this approach code.")
@click.option("--rulebase-version", default=None, help="Only decisions made with this rule base version.")
@click.option("--city", default=None,
              help="Only decisions for this city, written with any case and accents (malmo finds Malmö).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Examine only the newest N decisions selected; the report says when more matched "
                   "(default: every one).")
@click.option("--workers", type=click.IntRange(min=0, max=8), default=None,
              help="Evaluation processes (0: in this process; default: by the number of decisions).")
def rules_impact(directory: Path, database_url: str | None, since, until, approach: str | None,
                 rulebase_version: str | None, city: str | None, fmt: str, limit: int | None,
                 workers: int | None) -> None:
    """Evaluate the stored decisions under the rule base in DIRECTORY and report what changes and which rule
    edits cause it. The candidate is validated first: errors as file:line, exit 1."""
    from service import candidates, evidence
    from service.evidence.schemas import ImpactWithEvidence
    from service.impact import run_impact
    from service.log import DecisionFilter

    try:
        candidate = candidates.from_directory(directory)
    except candidates.CandidateError as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} error(s) in {directory}: no impact computed", err=True)
        raise SystemExit(1) from None
    filters = DecisionFilter(date_from=_day(since), date_to=_day(until), approach=approach,
                             rulebase_version=rulebase_version, city=city)
    store = open_log(database_url, "rules impact")
    try:
        report = run_impact(store, candidate, filters, limit=limit, workers=workers)
        found = evidence.of_impact(store, candidate, directory, report)   # how the changed advice fared
    finally:
        store.close()
    if fmt == "json":
        click.echo(ImpactWithEvidence(**dict(report), evidence=found).model_dump_json(indent=2))
        return
    click.echo(report.text())
    if found:
        click.echo("Evidence behind the changes (evaluated decisions in the log):")
    for key, row in found.items():
        scores = "; ".join(f"overall score {s.mean:.2f} (n={s.n}) {side}" for side, s in
                           (("followed", row.score_followed), ("dropped", row.score_not_followed)) if s.mean is not None)
        few = "" if row.score_followed.finding and row.score_not_followed.finding else " (too few to be a finding)"
        click.echo(f"  {key} ({row.label}): followed in {row.followed}, dropped in {row.not_followed} of {row.evaluated} "
                   f"evaluated" + (f"; {scores}" if scores else "") + few)


def _day(value) -> date | None:
    return value.date() if value is not None else None
