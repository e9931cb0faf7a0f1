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
    from service.app import LocalModeError, announcement, create_app
    from service.http import timed_h11_protocol
    from service.auth import TokenConfigError
    from service.log import DatabaseError
    from service.settings import Settings, SettingsError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(host=host, port=port, workers=workers)
        app = create_app(settings, watch_rules=watch_rules)
    except _RuleBaseError as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} error(s) in the rule base: not starting", err=True)
        raise SystemExit(1) from None
    except (SettingsError, TokenConfigError, LocalModeError, DatabaseError) as exc:
        click.echo(f"cogov serve: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(announcement(app), err=True)
    # the request's headers within COGOV_REQUEST_TIMEOUT (the body's deadline is the app's: service.http)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                http=timed_h11_protocol(settings.request_timeout))
