"""`cogov serve`: run the HTTP service."""
from __future__ import annotations

import click

from service.cli.base import main


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="TCP port (default 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Engine worker processes (default $COGOV_WORKERS or one per core, at most 4).")
@click.option("--watch-rules", is_flag=True,
              help="Development: activate the rules directory whenever its files change (local mode only; "
                   "a refused change is logged and the running version keeps serving).")
def serve(host: str | None, port: int | None, workers: int | None, watch_rules: bool) -> None:
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
    if watch_rules:
        if not app.state.tokens.local_mode:   # the watch activates as the local author, bypassing roles
            app.state.store.close()
            click.echo("cogov serve: --watch-rules is for development and needs local mode (no API tokens)",
                       err=True)
            raise SystemExit(2)
        app.state.activator.watch(settings.rules_dir)
    if app.state.tokens.local_mode:
        click.echo("*" * 78 + "\n" + LOCAL_MODE_BANNER + "\n" + "*" * 78, err=True)
    rb = app.state.rulebase
    click.echo(f"cogov: rule base {rb.version} ({rb.rule_count} rules), log {_redacted(settings.database_url)}, "
               f"{settings.workers} engine worker(s), http://{settings.host}:{settings.port}/docs", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


