"""The `cogov` command group and what its commands share (the default rule base, JSON output)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine import Engine, RuleBaseError
from service.i18n import DEFAULT, SUPPORTED
from service.settings import default_rules_dir

# the language of the rule-generated text a command prints (its labels, plan, explanations): the rule base's
# translations (engine/translations.py), English where a text has none; codes and JSON keys stay as they are
LANG_OPTION = click.option("--lang", type=click.Choice(SUPPORTED), default=DEFAULT, show_default=True,
                           help="Language of the rule-generated text (labels, plan, explanations); English where "
                                "a text is not translated.")


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


