"""`cogov evaluate`: a context file, or JSON Lines on stdin, to recommendations."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine import CogovError, ContextError, Engine
from engine.report import render_text
from service.cli.base import dump_json, load_engine, main


@main.command()
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--rules", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Rule base directory (default: $COGOV_RULES_DIR or the shipped rules/).")
@click.option("--backend", type=click.Choice(["durable", "python"]), default="durable", show_default=True)
def evaluate(file: str, fmt: str, rules: Path | None, backend: str) -> None:
    """Evaluate a context file; with '-', JSON Lines on stdin, one result a line."""
    engine = load_engine(rules, backend)
    if file == "-":
        _evaluate_lines(engine, fmt)
        return
    try:
        context = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:  # nesting too deep, integers too long
        raise click.ClickException(f"{file}: invalid JSON: {_reason(exc)}") from None
    try:
        rec = engine.evaluate(context)
    except ContextError as exc:
        for e in exc.errors:
            click.echo(f"{file}: {e['field'] or '(top)'}: {e['message']}", err=True)
        raise SystemExit(2) from None
    except CogovError as exc:   # the rule base cannot answer for this context
        raise click.ClickException(str(exc)) from None
    click.echo(render_text(rec, context) if fmt == "text" else dump_json(rec, True), nl=fmt != "text")


def _error(line: int, kind: str, message: str, errors: list | None = None) -> dict:
    err: dict[str, Any] = {"type": kind, "message": message}
    if errors is not None:
        err["errors"] = errors
    return {"line": line, "error": err}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return str(exc).split("\n")[0]


def _evaluate_lines(engine: Engine, fmt: str) -> None:
    stream = sys.stdin.buffer
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        result: Any
        try:
            context = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            result = _error(number, "invalid_encoding", "line is not UTF-8")
        except json.JSONDecodeError as exc:
            result = _error(number, "invalid_json", f"column {exc.colno}: {exc.msg}")
        except (RecursionError, ValueError) as exc:  # nesting too deep, integers too long
            result = _error(number, "invalid_json", _reason(exc))
        else:
            try:
                result = engine.evaluate(context)
            except ContextError as exc:
                result = _error(number, "invalid_context", str(exc), exc.errors)
            except CogovError as exc:
                result = _error(number, "evaluation_failed", str(exc))
        if fmt == "text" and "error" not in result:
            click.echo(render_text(result))
        else:
            click.echo(dump_json(result, False))
        sys.stdout.flush()


