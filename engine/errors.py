"""The engine's one error vocabulary.

Every error the engine raises is a `CogovError`: a stable `code` saying what
kind of problem it is (the service maps codes, not class tuples, to answers),
where known the `file`, `line`, `rule` and `field` it is about, and `errors`,
the per-problem details (a context's bad fields, a rule base's file:line
problems). `as_dict()` is the one place an error becomes a dictionary.

Each subclass also keeps the builtin base it had before this module existed
(ValueError, RuntimeError), so code that catches those keeps catching them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class LoadError:
    """One problem found while loading a rule base, located for the author."""

    file: str
    line: int | None
    message: str
    rule: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.rule}]" if self.rule else ""
        return f"{where}:{who} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "message": self.message}


def _restore(cls: type, args: tuple, state: dict[str, Any]) -> BaseException:
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class CogovError(Exception):
    """Base of every engine error: a code, a message, a location where known, per-problem details."""

    code: ClassVar[str] = "engine_error"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 rule: str | None = None, field: str | None = None, errors: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        self.file, self.line, self.rule, self.field = file, line, rule, field
        self.errors: list[Any] = list(errors) if errors is not None else []

    def __reduce__(self):
        # subclasses take other constructor arguments: rebuild from the state, not by calling __init__
        return _restore, (type(self), self.args, dict(self.__dict__))

    def error_dicts(self) -> list[dict[str, Any]]:
        """`errors` as dictionaries (a rule base's LoadErrors through their as_dict)."""
        return [e.as_dict() if isinstance(e, LoadError) else dict(e) for e in self.errors]

    def as_dict(self) -> dict[str, Any]:
        """{"code", "message"}, then whichever of file, line, rule, field is known, then "errors" if any."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        for key in ("file", "line", "rule", "field"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.errors:
            out["errors"] = self.error_dicts()
        return out


class ContextError(CogovError, ValueError):
    """The context is invalid; `errors` name each bad field path ({"field", "message", "type"})."""

    code = "context_invalid"

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


class RuleBaseError(CogovError):
    """The rule base was refused; `errors` (LoadError each) says why, file:line each."""

    code = "rulebase_invalid"

    def __init__(self, errors: list[LoadError]):
        super().__init__(f"{len(errors)} error(s) in rule base:\n" + "\n".join(str(e) for e in errors),
                         errors=errors)


class YamlError(CogovError):
    """A rule file is not acceptable YAML; `line` is where (1-based) when known."""

    code = "yaml_invalid"

    def __init__(self, message: str, line: int | None):
        super().__init__(message, line=line)


class ConditionError(CogovError):
    """A condition cannot be read or compiled; `path` locates it inside the rule's `when`."""

    code = "condition_invalid"

    def __init__(self, message: str, path: tuple = ()):
        super().__init__(message)
        self.path = path


class ResolutionError(CogovError, RuntimeError):
    """The rule base produced something no policy can resolve (e.g. no feasible approach)."""

    code = "resolution_failed"


class EngineError(CogovError, RuntimeError):
    """durable_rules failed on an evaluation; nothing was recommended."""

    code = "engine_fault"


class ItemError(CogovError, ValueError):
    """The item cannot be read: unknown kind, code or stakeholder (the message says which, with a hint)."""

    code = "item_unknown"


class ExpansionError(CogovError, ValueError):
    """A compact recommendation cannot be rendered in full (engine/explanation.py): it names a rule base
    version other than the one given, or a rule or catalogue entry that version lacks (`field` says where)."""

    code = "recommendation_unexpandable"


class ChangeError(CogovError, ValueError):
    """Changes that cannot be applied; `errors` name each bad field (changes[i].field / .value)."""

    code = "change_invalid"

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


class PinError(CogovError, ValueError):
    """A pin file (a pinned recommendation, engine/pins.py) cannot be read; the message names its file:line."""

    code = "pin_invalid"
