"""The `cogov` command group and what its commands share (the default rule base, JSON output)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine import Engine, RuleBaseError
from service.settings import default_rules_dir


def dump_json(data: Any, pretty: bool) -> str:
    if pretty:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def load_engine(rules: Path | None, backend: str) -> Engine:
    try:
        return Engine(rules or default_rules_dir(), backend=backend)
    except RuleBaseError as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        raise SystemExit(1) from None


@click.group()
@click.version_option(package_name="cogov")
def main() -> None:
    """cogov: who should take part in which decision, with how much power, and why."""


