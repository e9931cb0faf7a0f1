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
    except (RecursionError, ValueError) as exc:  # nesting too deep, integers too long
        raise click.ClickException(f"{file}: invalid JSON: {_reason(exc)}") from None
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


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="TCP port (default 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Engine worker processes (default $COGOV_WORKERS or one per core, at most 4).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP service (API under /api/v1, docs at /docs, pages at /)."""
    import logging

    import uvicorn

    from engine import RuleBaseError as _RuleBaseError
    from service.app import LOCAL_MODE_BANNER, LocalModeError, create_app
    from service.auth import TokenConfigError
    from service.log import DatabaseError
    from service.settings import Settings, SettingsError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(host=host, port=port, workers=workers)
        app = create_app(settings)
    except _RuleBaseError as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} error(s) in the rule base: not starting", err=True)
        raise SystemExit(1) from None
    except (SettingsError, TokenConfigError, LocalModeError, DatabaseError) as exc:
        click.echo(f"cogov serve: {exc}", err=True)
        raise SystemExit(2) from None
    if app.state.tokens.local_mode:
        click.echo("*" * 78 + "\n" + LOCAL_MODE_BANNER + "\n" + "*" * 78, err=True)
    rb = app.state.rulebase
    click.echo(f"cogov: rule base {rb.version} ({rb.rule_count} rules), log {_redacted(settings.database_url)}, "
               f"{settings.workers} engine worker(s), http://{settings.host}:{settings.port}/docs", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


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


@main.group()
def tokens() -> None:
    """API tokens for the service."""


@tokens.command("new")
@click.argument("name")
@click.argument("role", type=click.Choice(["manager", "auditor", "author"]))
def tokens_new(name: str, role: str) -> None:
    """Make a token for NAME in ROLE: prints the token (give it to NAME) and its configuration entry."""
    from service.auth import hash_token, new_token

    token = new_token()
    digest = hash_token(token)
    click.echo(f"token (shown once, give it to {name}): {token}")
    click.echo(f"COGOV_TOKENS entry: {name}:{role}:{digest}")
    click.echo(f"tokens file entry:  - {{name: {name}, role: {role}, sha256: {digest}}}")


if __name__ == "__main__":
    main()
