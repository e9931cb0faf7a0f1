"""The `cogov` command line: evaluate contexts, check rules, run the service."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from engine import ContextError, Engine, EngineError, ResolutionError, RuleBaseError, check_rulebase
from engine.explain import render_text

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "rules"


def default_rules_dir() -> Path:
    return Path(os.environ.get("COGOV_RULES_DIR", DEFAULT_RULES))


def _dump(data: Any, pretty: bool) -> str:
    if pretty:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _load_engine(rules: Path | None, backend: str) -> Engine:
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


@main.command()
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--rules", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Rule base directory (default: $COGOV_RULES_DIR or the shipped rules/).")
@click.option("--backend", type=click.Choice(["durable", "python"]), default="durable", show_default=True)
def evaluate(file: str, fmt: str, rules: Path | None, backend: str) -> None:
    """Evaluate a context file; with '-', JSON Lines on stdin, one result a line."""
    engine = _load_engine(rules, backend)
    if file == "-":
        _evaluate_lines(engine, fmt)
        return
    try:
        context = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    try:
        rec = engine.evaluate(context)
    except ContextError as exc:
        for e in exc.errors:
            click.echo(f"{file}: {e['field'] or '(top)'}: {e['message']}", err=True)
        raise SystemExit(2) from None
    except (EngineError, ResolutionError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(render_text(rec, context) if fmt == "text" else _dump(rec, True), nl=fmt != "text")


def _error(line: int, kind: str, message: str, errors: list | None = None) -> dict:
    err: dict[str, Any] = {"type": kind, "message": message}
    if errors is not None:
        err["errors"] = errors
    return {"line": line, "error": err}


def _evaluate_lines(engine: Engine, fmt: str) -> None:
    stream = click.get_binary_stream("stdin")
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            context = json.loads(raw.decode("utf-8"))
            result: Any = engine.evaluate(context)
        except UnicodeDecodeError:
            result = _error(number, "invalid_encoding", "line is not UTF-8")
        except json.JSONDecodeError as exc:
            result = _error(number, "invalid_json", f"column {exc.colno}: {exc.msg}")
        except ContextError as exc:
            result = _error(number, "invalid_context", str(exc), exc.errors)
        except (EngineError, ResolutionError) as exc:
            result = _error(number, "evaluation_failed", str(exc))
        if fmt == "text" and "error" not in result:
            click.echo(render_text(result))
        else:
            click.echo(_dump(result, False))
        sys.stdout.flush()


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


@main.group()
def schema() -> None:
    """The context schema, as JSON schema or as reference docs."""


@schema.command("json")
def schema_json() -> None:
    """Print the context's JSON schema."""
    from engine import ProjectContext
    click.echo(json.dumps(ProjectContext.model_json_schema(), indent=2))


@schema.command("docs")
def schema_docs() -> None:
    """Print docs/CONTEXT.md (the field reference) generated from the schema."""
    from engine.schemadoc import context_reference
    click.echo(context_reference(), nl=False)


if __name__ == "__main__":
    main()
