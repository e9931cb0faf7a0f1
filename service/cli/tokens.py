"""`cogov tokens ...`: API tokens for the service."""
from __future__ import annotations

import click

from service.auth import ROLES
from service.cli.base import main


@main.group()
def tokens() -> None:
    """API tokens for the service."""


@tokens.command("new")
@click.argument("name")
@click.argument("role", type=click.Choice(list(ROLES)))
@click.option("--expires", metavar="WHEN", default=None,
              help="When the token stops working: an ISO 8601 date (00:00 UTC that day) or date and time, "
                   "joined by T or a space (UTC unless an offset is given), e.g. 2027-01-31 or "
                   "'2027-01-31 18:00+01:00'. The entries print it in UTC with a T.")
def tokens_new(name: str, role: str, expires: str | None) -> None:
    """Make a token for NAME in ROLE: prints the token (give it to NAME) and its configuration entry."""
    from datetime import datetime, timezone

    from service.auth import TokenConfigError, format_expiry, hash_token, new_token, parse_expiry

    try:
        when = parse_expiry(expires, "--expires")
    except TokenConfigError as exc:
        raise click.BadParameter(str(exc).removeprefix("--expires: "), param_hint="--expires") from None
    if when is not None and when <= datetime.now(timezone.utc):
        raise click.BadParameter(f"{format_expiry(when)} is already past", param_hint="--expires")
    token = new_token()
    digest = hash_token(token)
    # one form that both COGOV_TOKENS (where spaces separate entries) and a tokens file read back as is
    suffix = f":{format_expiry(when)}" if when else ""
    file_expiry = f", expires: '{format_expiry(when)}'" if when else ""
    click.echo(f"token (shown once, give it to {name}): {token}")
    click.echo(f"COGOV_TOKENS entry: {name}:{role}:{digest}{suffix}")
    click.echo(f"tokens file entry:  - {{name: {name}, role: {role}, sha256: {digest}{file_expiry}}}")
