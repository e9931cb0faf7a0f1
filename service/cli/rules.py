"""`cogov rules ...`: work on a rule base."""
from __future__ import annotations

from pathlib import Path

import click

from engine import check_rulebase
from service.cli.base import default_rules_dir, main


@main.group()
def rules() -> None:
    """Work on a rule base."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def rules_check(directory: Path | None) -> None:
    """Validate a rule base; print file:line: message for each error (exit 1)."""
    root = directory or default_rules_dir()
    errors = check_rulebase(root)
    for err in errors:
        click.echo(str(err))
    if errors:
        click.echo(f"{len(errors)} error(s) in {root}", err=True)
        raise SystemExit(1)
    from engine import load_rulebase
    rb = load_rulebase(root)
    click.echo(f"{root}: {rb.rule_count} rules, {rb.strata} strata, version {rb.version}: OK")


