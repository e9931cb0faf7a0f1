"""`cogov tokens ...`: API tokens for the service."""
from __future__ import annotations

import click

from service.cli.base import main


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


