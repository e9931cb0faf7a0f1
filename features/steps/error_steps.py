"""Then steps about a refused context: which field is wrong, and why."""
from __future__ import annotations

from pytest_bdd import parsers, then

from .world import World


def _errors(world: World) -> list[dict]:
    if world.refusal is not None:
        return world.refusal.errors
    if world.failure is not None:
        raise AssertionError(f"expected cogov to refuse the context, but the engine failed instead: "
                             f"{type(world.failure).__name__}: {world.failure}")
    if world.result is not None:
        raise AssertionError(f"expected cogov to refuse the context, but it recommended "
                             f"{world.result['approach']['code']}")
    raise AssertionError("the context has not been evaluated: add 'When the context is evaluated'")


def _listing(errors: list[dict]) -> str:
    return "\n".join(f"    {e['field'] or '(top)'}: {e['message']}" for e in errors) or "    (none)"


@then(parsers.re(r"the context is refused|no recommendation is made"))
def _(world: World):
    _errors(world)


@then(parsers.re(r'the context is refused with an error on field "(?P<field>[^"]*)"'
                 r'(?: saying "(?P<text>[^"]+)")?'))
def _(world: World, field: str, text: str | None):
    errors = _errors(world)
    on_field = [e for e in errors if e["field"] == field]
    if not on_field:
        raise AssertionError(f"expected an error on field {field!r}; the errors are:\n{_listing(errors)}")
    if text and not any(text.lower() in e["message"].lower() for e in on_field):
        raise AssertionError(f"no error on {field!r} says {text!r}; the errors are:\n{_listing(errors)}")


@then(parsers.re(r'the only errors are on fields? (?P<fields>.+)'))
def _(world: World, fields: str):
    errors = _errors(world)
    expected = sorted({f.strip().strip('"') for f in fields.replace(" and ", ",").split(",") if f.strip()})
    actual = sorted({e["field"] for e in errors})
    if expected != actual:
        raise AssertionError(f"expected errors on {', '.join(expected)}; the errors are:\n{_listing(errors)}")
