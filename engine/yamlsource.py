"""Safe YAML reading with a line number for every value.

Rule files are data written by people: they must never run code, never blow
up memory (alias bombs) and never be misread (YAML 1.1's `on:` or `no` as
booleans). PyYAML's composer gives nodes with positions; we refuse anchors,
aliases and explicit tags, and resolve scalars ourselves with YAML 1.2 core
rules (only true/false are booleans).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import YamlError

# libyaml's parser when PyYAML was built with it (ten times faster on large rule bases: loading is most of a
# hot reload's time); the pure-Python one otherwise. Both give the same nodes and lines (tests/test_yamlsource.py).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml accepts or reads differently what the pure-Python parser refuses or reads otherwise where these
# characters are (a tab after "key:", a byte order mark past the start, NEL and the Unicode line separators,
# a lone surrogate), and words its errors differently: a text holding one of them, or one libyaml refuses,
# is parsed by the pure-Python parser, so every file reads and every error says what it did before.
_C_DIFFERS = re.compile("[\t\x85\u2028\u2029\ufeff\ud800-\udfff]")
_UNPARSED = object()
# NUL and lone surrogates, which escapes in quoted scalars ("\\0", "\\ud800") produce: the decision log cannot
# store them (PostgreSQL's text refuses NUL; a lone surrogate is no UTF-8), and rule texts reach it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000

_QUOTED = ("'", '"', "|", ">")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


@dataclass
class Located:
    """Parsed YAML data plus the line (1-based) of every path inside it."""

    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        """Line of the deepest known prefix of `path`."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style in _QUOTED:       # plain scalars have style None (Python parser) or "" (libyaml)
        return value
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if value in ("null", "Null", "NULL", "~", ""):
        return None
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and any(c.isdigit() for c in value):
        return float(value)
    return value


def _storable(node: yaml.ScalarNode) -> yaml.ScalarNode:
    if (found := _UNSTORABLE.search(node.value)) is not None:
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
        raise YamlError(f"{what} (\\u{ord(found.group()):04x}) in a value: the decision log cannot store it",
                        node.start_mark.line + 1)
    return node


def _build(node: yaml.Node, path: tuple, out: Located, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise YamlError(f"document has more than {MAX_NODES} values", node.start_mark.line + 1)
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return _scalar(_storable(node))
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), out, counter) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("mapping keys must be plain text", key_node.start_mark.line + 1)
            key = _storable(key_node).value
            if key == "<<":
                raise YamlError("merge keys (<<) are not allowed in rule files", key_node.start_mark.line + 1)
            if key in result:
                raise YamlError(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            result[key] = _build(value_node, path + (key,), out, counter)
            out.lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    raise YamlError(f"unsupported YAML node {type(node).__name__}", node.start_mark.line + 1)


def _compose(text: str, loader: Any) -> yaml.Node | None:
    """The document's node tree by `loader`; YamlError with a line on anything unsafe or invalid."""
    try:
        for event in yaml.parse(text, Loader=loader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                raise YamlError("YAML aliases (*name) are not allowed in rule files", line)
            if getattr(event, "anchor", None):
                raise YamlError("YAML anchors (&name) are not allowed in rule files", line)
            tag = getattr(event, "tag", None)
            if tag is not None:
                raise YamlError(f"YAML tags ({tag}) are not allowed in rule files", line)
        return yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"invalid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None


def parse_yaml(text: str) -> Located:
    """Parse one YAML document; raise YamlError with a line on anything unsafe."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise YamlError(f"file is larger than {MAX_FILE_BYTES} bytes", None)
    node: Any = _UNPARSED
    if _LOADER is not yaml.SafeLoader and not _C_DIFFERS.search(text, 1 if text.startswith("\ufeff") else 0):
        try:
            node = _compose(text, _LOADER)
        except Exception:    # noqa: BLE001 - the pure-Python parser says what is wrong, as it always has
            node = _UNPARSED
    if node is _UNPARSED:
        node = _compose(text, yaml.SafeLoader)
    out = Located(data=None)
    if node is None:
        out.data = None
        return out
    out.data = _build(node, (), out, [0])
    return out


def read_yaml(path: Path) -> Located:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror}", None) from None
    return parse_yaml_bytes(raw)


def parse_yaml_bytes(raw: bytes) -> Located:
    """parse_yaml for a file's bytes as read from disk: too large or not UTF-8 is a YamlError too."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(f"file is larger than {MAX_FILE_BYTES} bytes", None)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"file is not UTF-8 (byte {exc.start})", None) from None
    return parse_yaml(text)
