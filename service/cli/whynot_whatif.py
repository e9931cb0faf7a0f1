"""`cogov explain why-not` and `cogov explain what-if`: questions a manager asks about a recommendation.

why-not reads the Python evaluator's working memory (the reference semantics
the Rete engine is tested against); what-if searches with the Python
evaluator and re-checks every result with the chosen backend (durable by
default), reporting any disagreement as an error (exit code 3).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine import CogovError, ContextError, ItemError
from engine.whatif import DEFAULT_MAX_EVALUATIONS, MAX_CHANGES
from engine.words import Words, what_if_text, why_not_text
from service.cli.base import LANG_OPTION, dump_json, load_engine, main

RULES_OPTION = click.option("--rules", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
                            help="Rule base directory (default: $COGOV_RULES_DIR or the shipped rules/).")
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                             show_default=True)


@main.group()
def explain() -> None:
    """Why not X? What would have to change? Answers from the rules, for one context file."""


def _read_context(file: str) -> Any:
    try:
        return json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:
        raise click.ClickException(f"{file}: invalid JSON: {str(exc).splitlines()[0] if str(exc) else exc}") from None


def _refuse(file: str, exc: Exception) -> None:
    if isinstance(exc, ContextError):
        for e in exc.errors:
            click.echo(f"{file}: {e['field'] or '(top)'}: {e['message']}", err=True)
    else:
        click.echo(f"Error: {exc}", err=True)
    raise SystemExit(2)


@explain.command("why-not")
@click.argument("context", type=click.Path(dir_okay=False))
@click.argument("item")
@FORMAT_OPTION
@RULES_OPTION
@LANG_OPTION
def why_not(context: str, item: str, fmt: str, rules: Path | None, lang: str) -> None:
    """Why ITEM is not in the recommendation for the CONTEXT file.

    ITEM is approach:CODE, technique:CODE, arrangement:CODE, skill:CODE,
    warning:CODE, avoided_technique:CODE, participant:STAKEHOLDER:LEVEL or
    participant:STAKEHOLDER:role:ROLE (e.g. participant:residents:collaborate).
    """
    data = _read_context(context)
    engine = load_engine(rules, "python")
    try:
        answer = engine.why_not(data, item)
    except (ContextError, ItemError) as exc:
        _refuse(context, exc)
        return
    except CogovError as exc:   # the rule base cannot answer for this context
        raise click.ClickException(str(exc)) from None
    words = Words(engine.rulebase.catalogue, lang)
    titles = {r.id: words.rule_title(r.id, r.title) for r in engine.rulebase.rules}
    click.echo(why_not_text(words, answer, data, titles) if fmt == "text"
               else dump_json(answer.model_dump(mode="json"), True), nl=fmt != "text")


@explain.command("what-if")
@click.argument("context", type=click.Path(dir_okay=False))
@click.option("--item", default=None, help="Target this item (it must appear or disappear) instead of the approach.")
@click.option("--max-changes", type=click.IntRange(1, MAX_CHANGES), default=2, show_default=True,
              help="Most answers changed together.")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True, help="Most results.")
@click.option("--max-evaluations", type=click.IntRange(1, 100_000), default=DEFAULT_MAX_EVALUATIONS,
              show_default=True, help="Bound on candidate contexts evaluated.")
@click.option("--backend", type=click.Choice(["durable", "python"]), default="durable", show_default=True,
              help="The engine every result is re-checked with.")
@FORMAT_OPTION
@RULES_OPTION
@LANG_OPTION
def what_if(context: str, item: str | None, max_changes: int, limit: int, max_evaluations: int, backend: str,
            fmt: str, rules: Path | None, lang: str) -> None:
    """The smallest changes to the CONTEXT file's answers that would change the approach (or --item)."""
    data = _read_context(context)
    engine = load_engine(rules, backend)
    try:
        answer = engine.what_if(data, item, max_changes=max_changes, limit=limit, max_evaluations=max_evaluations)
    except (ContextError, ItemError) as exc:
        _refuse(context, exc)
        return
    except CogovError as exc:   # the rule base cannot answer for this context
        raise click.ClickException(str(exc)) from None
    finally:
        engine.close()
    click.echo(what_if_text(Words(engine.rulebase.catalogue, lang), answer, data) if fmt == "text"
               else dump_json(answer.model_dump(mode="json"), True), nl=fmt != "text")
    if answer.errors:
        raise SystemExit(3)
