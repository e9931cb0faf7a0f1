"""The `cogov` command line: evaluate contexts, work on rules, run and audit the service.

One module a command group; each registers itself on `main` when imported.
"""
from service.cli.base import default_rules_dir, main
from service.cli import audit, evaluate, rules, schema, serve, tokens, whynot_whatif  # noqa: F401  (registers the commands)
from service.cli import impact  # noqa: F401,E402  (`rules impact`: after `rules`)
from service.cli import translations  # noqa: F401,E402  (`rules translations`: after `rules`)
from service.cli import pins  # noqa: F401,E402  (`rules pin`: after `rules`)

__all__ = ["main", "default_rules_dir"]
