"""`cogov evaluate`: a context file, or JSON Lines on stdin, to recommendations."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from engine import CogovError, ContextError, Engine, jsontext
from engine.jsontext import JsonTextError
from engine.localize import localize
from engine.plan import render_brief
from engine.report import render_text
from service.cli.base import LANG_OPTION, dump_json, load_engine, main


@main.command()
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text", "brief"]), default="json", show_default=True,
              help="json: the recommendation; text: the full explained report; brief: the plan alone, in at "
                   "most 60 lines.")
@click.option("--rules", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Rule base directory (default: $COGOV_RULES_DIR or the shipped rules/).")
@click.option("--backend", type=click.Choice(["durable", "python"]), default="durable", show_default=True)
@LANG_OPTION
def evaluate(file: str, fmt: str, rules: Path | None, backend: str, lang: str) -> None:
    """Evaluate a context file; with '-', JSON Lines on stdin, one result a line."""
    engine = load_engine(rules, backend)
    if file == "-":
        _evaluate_lines(engine, fmt, lang)
        return
    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc}") from None
    try:
        context = jsontext.loads(raw)
        rec = engine.evaluate(context)
    except JsonTextError as exc:
        if exc.errors[0]["type"] == "duplicate_key":   # named by its path, as a context's bad field is
            _field_errors(file, exc.errors)
        if exc.line is not None:
            raise click.ClickException(f"{file}:{exc.line}: invalid JSON: {exc.reason}") from None
        prefix = "cannot read: " if exc.errors[0]["type"] == "invalid_encoding" else ""
        raise click.ClickException(f"{file}: {prefix}{exc}") from None
    except ContextError as exc:
        _field_errors(file, exc.errors)
    except CogovError as exc:   # the rule base cannot answer for this context
        raise click.ClickException(str(exc)) from None
    rec = localize(rec, engine.rulebase.catalogue, lang)
    click.echo(_readable(engine, fmt, rec, context, lang) if fmt != "json" else dump_json(rec, True),
               nl=fmt == "json")


def _readable(engine: Engine, fmt: str, rec: dict[str, Any], context: Any = None, lang: str | None = None) -> str:
    """The text report, or the plan alone (brief), in the rule base's words (`rec` already in `lang`)."""
    if fmt == "brief":
        return render_brief(rec, context if isinstance(context, dict) else None, engine.rulebase.catalogue, lang)
    return render_text(rec, context, engine.rulebase.catalogue, lang)


def _field_errors(file: str, errors: list[dict[str, Any]]) -> NoReturn:
    """A context's bad fields (or repeated keys), one `file: field: message` line each; exit status 2."""
    for e in errors:
        click.echo(f"{file}: {e['field'] or '(top)'}: {e['message']}", err=True)
    raise SystemExit(2)


def _error(line: int, kind: str, message: str, errors: list | None = None) -> dict:
    err: dict[str, Any] = {"type": kind, "message": message}
    if errors is not None:
        err["errors"] = errors
    return {"line": line, "error": err}


def _evaluate_lines(engine: Engine, fmt: str, lang: str | None = None) -> None:
    stream = sys.stdin.buffer
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        result: Any
        try:
            context = jsontext.loads(raw)
        except JsonTextError as exc:
            kind = exc.errors[0]["type"]
            if kind == "invalid_encoding":
                result = _error(number, "invalid_encoding", "line is not UTF-8")
            elif kind == "duplicate_key":
                result = _error(number, "invalid_json", str(exc), exc.errors)
            elif exc.column is not None:
                result = _error(number, "invalid_json", f"column {exc.column}: {exc.reason}")
            else:
                result = _error(number, "invalid_json", str(exc))
        else:
            try:
                result = localize(engine.evaluate(context), engine.rulebase.catalogue, lang)
            except ContextError as exc:
                result = _error(number, "invalid_context", str(exc), exc.errors)
            except CogovError as exc:
                result = _error(number, "evaluation_failed", str(exc))
        if fmt != "json" and "error" not in result:
            click.echo(_readable(engine, fmt, result, context, lang))
        else:
            click.echo(dump_json(result, False))
        sys.stdout.flush()


