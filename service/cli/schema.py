"""`cogov schema ...`: the context schema as JSON schema or reference docs."""
from __future__ import annotations

import json

import click

from service.cli.base import main


@main.group()
def schema() -> None:
    """The context schema, as JSON schema or as reference docs."""


@schema.command("json")
def schema_json() -> None:
    """Print the context's JSON schema (the one GET /api/v1/schema/context serves)."""
    from engine.context import context_json_schema
    click.echo(json.dumps(context_json_schema(), indent=2))


@schema.command("docs")
def schema_docs() -> None:
    """Print docs/CONTEXT.md (the field reference) generated from the schema."""
    from engine.schemadoc import context_reference
    click.echo(context_reference(), nl=False)


