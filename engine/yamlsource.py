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
        message, line = in_words(exc, text)
        raise YamlError(f"invalid YAML: {message}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None


# -- the parser's errors in an author's words ------------------------------------------------------------

_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")     # what YAML counts as a line break
_FOUND_CHAR = re.compile(r"found character '(.+)' that cannot start any token")
_FLOW_END = re.compile(r"expected ',' or '([\]}])', but got '(.+)'")
_FOUND = re.compile(r"expected <block end>, but found '(.+)'")


def _key_column(line: str) -> int:
    """Where a line's text starts, past any list dashes ("  - id: x" -> 4)."""
    col = len(line) - len(line.lstrip(" "))
    while line[col:col + 2] == "- ":
        col += 2
        col += len(line[col:]) - len(line[col:].lstrip(" "))
    return col


def _above(lines: list[str], index: int) -> int | None:
    """Index of the nearest line above `index` holding more than blanks or a comment."""
    for i in range(index - 1, -1, -1):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            return i
    return None


def _indented_differently(lines: list[str], index: int) -> str:
    here = lines[index] if index < len(lines) else ""
    up = _above(lines, index)
    n = len(here) - len(here.lstrip(" "))
    if up is None:
        return "this line is indented differently from the ones above it: the file's first keys start at the " \
               "beginning of their line"
    return (f"this line is indented differently from the ones above it ({n} space{'s' if n != 1 else ''} here, "
            f"{_key_column(lines[up])} on line {up + 1}): the keys of one block must line up, and each level "
            "is indented further, with spaces")


def in_words(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, int | None]:
    """(what is wrong, the line to show) for a PyYAML parse error, said as a rule author would say it.

    The pure-Python parser's wording ("expected <block end>, but found '<block mapping start>'") names
    its own states; the common mistakes (tabs, indentation, a ': ' or '#' inside a value, an unclosed
    bracket or quote, a missing ':') get a sentence saying what to write instead, at the line where the
    author must look (an unclosed quote: where it opens). Anything else keeps the parser's words.
    """
    problem, context = exc.problem or "", exc.context or ""
    pm, cm = exc.problem_mark, exc.context_mark
    line = pm.line + 1 if pm else (cm.line + 1 if cm else None)
    lines = _BREAKS.split(text)
    index = pm.line if pm else 0
    here = lines[index] if index < len(lines) else ""
    col = pm.column if pm else 0
    if (m := _FOUND_CHAR.fullmatch(problem)) is not None:
        char = m.group(1)
        if char == "\\t":
            if not here[:col].strip():
                return "tabs are not allowed for indentation; use spaces", line
            after = here[:col].rstrip("\t")[-1:]
            if after in (":", "-"):
                return f"a tab after '{after}': use a space", line
            return "a tab outside quotes: use spaces, or put the text in quotes", line
        return f"a value cannot start with {char!r}, which YAML reserves: put the whole value in quotes", line
    if problem == "mapping values are not allowed here" or _FOUND.fullmatch(problem):
        for i in (index, _above(lines, index)):     # "-id: x": the item's dash needs a space after it
            if i is not None and i < len(lines) and re.match(r"\s*-[^\s-]", lines[i]):
                return "a list item needs a space after its '-': write '- ' then the item", i + 1
    if problem == "mapping values are not allowed here":
        before = here[:col]
        if re.search(r":(\s|$)", before):
            return "a value holding ': ' must be put in quotes, e.g. title: \"Safety: first\"", line
        return ("this line is indented more than the one above it, which already has its value: line the keys "
                "of one block up, or put a long text in quotes"), line
    if problem == "sequence entries are not allowed here":
        return ("a list cannot start on the line of its key: put each '- item' on its own line under the key, "
                "indented, or write the list as [a, b]"), line
    if (m := _FOUND.fullmatch(problem)) is not None:
        found = m.group(1)
        if found == "-":
            return ("a list item ('- ...') where a key was expected: a list goes on the lines under its key "
                    "('key:'), indented further than the key"), line
        if found == "<scalar>" and here[:col].strip():
            return "text after the closing quote: put the whole value in quotes", line
        return _indented_differently(lines, index), line
    if problem.startswith("expected '<document start>'"):
        directive = next((i for i in range(min(index, len(lines))) if lines[i].startswith("%")), None)
        if directive is not None:
            return "a line starting with '%' is a YAML directive, which rule files do not use: put the text in " \
                   "quotes", directive + 1
        return _indented_differently(lines, index), line
    if (m := _FLOW_END.fullmatch(problem)) is not None and cm is not None:
        close, got = m.group(1), m.group(2)
        opener = "[" if close == "]" else "{"
        if got == "<stream end>":
            return f"the '{opener}' on line {cm.line + 1} is never closed with '{close}'", cm.line + 1
        if got == ":" and pm is not None and pm.line == cm.line:
            return f"a value inside '{opener} {close}' holds ':': put that value in quotes", line
        return (f"the '{opener}' opened on line {cm.line + 1} is not closed with '{close}' before this line "
                f"(or a value inside it holds '{got}' and needs quotes)"), line
    if problem == "found unexpected end of stream" and "quoted scalar" in context and cm is not None:
        return f"the quote opened on line {cm.line + 1} is never closed", cm.line + 1
    if problem == "could not find expected ':'" and cm is not None:
        return ("this line is neither 'key: value' nor a list item '- ...': add ': ' after the key, or check "
                "the indentation of the line below"), cm.line + 1
    if problem.startswith("found unknown escape character"):
        return ("a backslash in double quotes starts an escape YAML does not know: write the text in single "
                "quotes, or double the backslash"), line
    if problem.startswith("expected the node content, but found"):
        found = problem.rsplit(" ", 1)[-1]
        return f"a value cannot start with {found}: put the whole value in quotes", line
    if "block scalar" in context:
        return ("after '|' or '>' only '-', '+' or a digit may follow on the same line: the text goes on the "
                "lines below, indented"), line
    if problem == "but found another document":
        return "a second document ('---'): a rule file holds one document", line
    return problem or context, line


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
