"""Strict JSON text: what the service and `cogov evaluate` accept as a context (or any other JSON body).

Python's json module takes a duplicated key and keeps the last value, so
`{"quality_requirement": true, "quality_requirement": false}` would be decided
on `false` while the text the decision log stores says both. It also reads
NaN and Infinity, which are not JSON (RFC 8259). Here both are refused, and
so is text that is not UTF-8 (bytes are never guessed to be UTF-16 or -32).

`loads` raises JsonTextError; its `errors` are {"field", "message", "type"}
entries, `field` the key's path (`stakeholders[0].id`) or "" for the whole
text, in the shape of a context's field errors.
"""
from __future__ import annotations

import json
from typing import Any

from .errors import CogovError

_KEY_SHOWN = 100   # characters of a key a path shows


class JsonTextError(CogovError, ValueError):
    """The text is not strict JSON: not UTF-8, not JSON, or an object repeats a key (`errors` says where)."""

    code = "json_invalid"

    def __init__(self, errors: list[dict[str, Any]], *, line: int | None = None, column: int | None = None,
                 reason: str | None = None):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors),
                         line=line, errors=errors)
        self.column = column   # where the text stops being JSON, with `line` (1-based) and the parser's `reason`
        self.reason = reason


def _error(kind: str, message: str, field: str = "") -> JsonTextError:
    return JsonTextError([{"field": field, "message": message, "type": kind}])


class _Repeated(dict):
    """An object in which a key appeared more than once (the last value kept, as json does); found by _paths."""

    repeated: list[str]


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def decode(raw: bytes) -> str:
    """`raw` as UTF-8 text; JsonTextError (invalid_encoding) names the first byte that is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error("invalid_encoding", f"not UTF-8 text (byte {exc.start + 1} cannot be decoded)") from None


def loads(text: str | bytes) -> Any:
    """The JSON value of `text` (bytes must be UTF-8), refusing repeated keys, NaN and Infinity."""
    if isinstance(text, (bytes, bytearray)):
        text = decode(bytes(text))
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        repeated = True
        marked = _Repeated(obj)
        seen: set[str] = set()
        marked.repeated = []
        for key, _ in items:
            if key in seen and key not in marked.repeated:
                marked.repeated.append(key)
            seen.add(key)
        return marked

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise JsonTextError([{"field": "", "type": "json_invalid",
                              "message": f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"}],
                            line=exc.lineno, column=exc.colno, reason=exc.msg) from None
    except RecursionError:
        raise _error("json_invalid", "invalid JSON: nested too deeply") from None
    except ValueError as exc:   # NaN or Infinity; an integer too long to convert
        raise _error("json_invalid", f"invalid JSON: {str(exc).splitlines()[0]}") from None
    if repeated:
        raise JsonTextError([{"field": path, "message": "duplicate key", "type": "duplicate_key"}
                             for path in _paths(value)])
    return value


def _key(key: str) -> str:
    return key if len(key) <= _KEY_SHOWN else key[:_KEY_SHOWN] + "..."


def _paths(value: Any) -> list[str]:
    """The path of every repeated key in `value`, in document order (iteratively: nesting may be deep)."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            prefix = f"{path}." if path else ""
            for key in getattr(node, "repeated", ()):
                found.append(prefix + _key(key))
            stack.extend((child, prefix + _key(key)) for key, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(node))))
    return found
