"""Seeded edits of a rule base's rule files ("mutants"), for checking that the scenarios pin the rules.

Each mutant is one edit an author could make by mistake, of one of five kinds: a condition dropped, a
value or comparison changed in a condition, a conclusion removed, two rules' priorities swapped, a rule
deleted. The edits are worked out from the files' structure (every rule's `when` and `then`), made in the
text itself (only the lines concerned change, so every other file:line stays right) and checked by reading
the edited text back: it must hold exactly the intended data (otherwise that one file is written out
whole from the intended data). Whether a mutant still loads, changes a recommendation or makes a scenario
fail is for the caller (service/mutation.py): this module only makes the edits and says them in words.
"""
from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from .conditions import FIELDS
from .errors import YamlError
from .loader import POLICY_DIR
from .yamlsource import parse_yaml

# The kinds of edit, in the order a report lists them.
KINDS = {
    "condition_dropped": "a condition dropped",
    "condition_changed": "a value or comparison changed",
    "conclusion_removed": "a conclusion removed",
    "priorities_swapped": "priorities swapped",
    "rule_deleted": "a rule deleted",
}
# Conclusions settled by priority when rules disagree (docs/AUTHORING.md, "How conflicts are settled"):
# swapping the priorities of two rules that both conclude one of these can change the outcome.
PRIORITY_CONCLUSIONS = {"prefer": "approach", "participant": "participant", "exclude": "participant",
                        "recruitment": "recruitment", "mode": "mode", "techniques": "techniques"}
DEFAULT_PRIORITY = 50
# A comparison and its nearest other comparison: a boundary moved, or the test turned round.
_OTHER_OP = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "==": "!=", "!=": "==", "in": "not in",
             "not in": "in", "contains": "not contains", "not contains": "contains", "exists": "missing",
             "missing": "exists"}
_CONDITION = re.compile(
    r"^(?P<neg>not\s+)?(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?:\s+(?P<op>==|!=|<=|>=|<|>|in|not\s+in|contains|not\s+contains|exists|missing)(?:\s+(?P<value>.+?))?)?\s*$")


@dataclass(frozen=True)
class Mutant:
    """One edit of the rule base: `files` holds the edited files' whole texts (relative path -> text)."""

    id: str                  # stable for the same rule base: "policy/x.yaml:12:condition_dropped:1"
    kind: str                # a key of KINDS
    file: str                # the (first) edited file, relative to the rule base
    line: int                # where the edit is, in the original file
    rule: str                # the (first) edited rule's id
    what: str                # the edit in words: "condition `public.size >= large` dropped"
    rules: tuple[str, ...]   # every rule the edit touches (two for a swap)
    make: Callable[[], dict[str, str]] = field(compare=False, repr=False)

    @cached_property
    def files(self) -> dict[str, str]:
        """The edited files' whole texts (relative path -> text), made when first asked for."""
        return self.make()

    def describe(self, root: str = "") -> str:
        """'rules/policy/x.yaml:12 rule governance.y: condition `...` dropped'."""
        prefix = f"{root.rstrip('/')}/" if root else ""
        return f"{prefix}{self.file}:{self.line} rule {self.rule}: {self.what}"

    def apply(self, files: Mapping[str, str]) -> dict[str, str]:
        """The whole rule base with this edit made (the files given, the edited ones replaced)."""
        return {**files, **self.files}


# ---------------------------------------------------------------- the edits, as data and as text

@dataclass
class _File:
    rel: str
    text: str
    data: Any
    lines: dict[tuple, int]

    def text_lines(self) -> list[str]:
        return self.text.splitlines(keepends=True)


class _Edit:
    """One edit of one file: the intended data, and the text made by editing the lines concerned."""

    def __init__(self, f: _File):
        self.f = f
        self.data = copy.deepcopy(f.data)
        self.lines = f.text_lines()
        self.ok = True               # False once a text edit could not be made: the file is written out whole

    def at(self, path: tuple) -> Any:
        node = self.data
        for p in path:
            node = node[p]
        return node

    # -- text helpers (0-based line indexes)
    def _indent(self, i: int) -> int:
        line = self.lines[i]
        return len(line) - len(line.lstrip(" "))

    def _block_end(self, start: int, column: int) -> int:
        """The index after the last line of the block starting at `start` whose content is indented past
        `column` (blank and comment lines inside it belong to it; trailing ones do not)."""
        end = start + 1
        i = start + 1
        while i < len(self.lines):
            stripped = self.lines[i].strip()
            if stripped and not stripped.startswith("#"):
                if self._indent(i) <= column:
                    break
                end = i + 1
            i += 1
        return end

    def _key_line(self, path: tuple) -> int | None:
        """The line index of the key that ends `path` (a mapping key), or None."""
        line = self.f.lines.get(path)
        key = path[-1]
        if line is None or not isinstance(key, str):
            return None
        pattern = re.compile(rf"^\s*(?:-\s+)?{re.escape(key)}\s*:")
        i = line - 1
        return i if i < len(self.lines) and pattern.match(self.lines[i]) else None

    def delete_key(self, path: tuple) -> None:
        """Remove a mapping key and everything under it (a mapping left empty reads as nothing: `then:`)."""
        parent = self.at(path[:-1])
        del parent[path[-1]]
        if not parent and len(path) >= 2:
            self.at(path[:-2])[path[-2]] = None
        i = self._key_line(path)
        if i is None or self.lines[i].lstrip().startswith("- "):
            self.ok = False
            return
        column = self._indent(i)
        del self.lines[i:self._block_end(i, column)]

    def delete_item(self, path: tuple) -> None:
        """Remove one item of a list (a block item with everything under it, or one entry of a [flow] list)."""
        parent = self.at(path[:-1])
        value = parent.pop(path[-1])
        line = self.f.lines.get(path)
        if line is None:
            self.ok = False
            return
        i = line - 1
        text = self.lines[i]
        dash = re.match(r"^(\s*)-\s", text)
        if dash and self.f.lines.get(path[:-1]) != line:        # a block list's item: its own line(s)
            if isinstance(value, (dict, list)) and text.strip() == "-":
                self.ok = False
                return
            del self.lines[i:self._block_end(i, len(dash.group(1)))]
            return
        self._rewrite_flow(path[:-1], parent)

    def _rewrite_flow(self, path: tuple, items: list) -> None:
        """Write the one-line [flow] list at `path` again with `items`."""
        line = self.f.lines.get(path)
        if line is None or not all(isinstance(x, str) for x in items):
            self.ok = False
            return
        i = line - 1
        text = self.lines[i]
        if text.count("[") != 1 or text.count("]") != 1:
            self.ok = False
            return
        start, end = text.index("["), text.index("]")
        self.lines[i] = text[:start + 1] + ", ".join(items) + text[end:]

    def replace_scalar(self, path: tuple, old: str, new: Any, new_text: str) -> None:
        """Replace the scalar written `old` at `path` (on its line) by `new_text` (read back as `new`)."""
        parent = self.at(path[:-1])
        parent[path[-1]] = new
        line = self.f.lines.get(path)
        if line is None:
            self.ok = False
            return
        i = line - 1
        text = self.lines[i]
        head = re.match(r"^\s*(?:-\s+)?(?:[A-Za-z_][\w.]*\s*:\s+)?", text)
        where = text.find(old, head.end() if head else 0)
        if where < 0:
            self.ok = False
            return
        self.lines[i] = text[:where] + new_text + text[where + len(old):]

    def set_priority(self, rule_path: tuple, value: int) -> None:
        rule = self.at(rule_path)
        had = "priority" in rule
        rule["priority"] = value
        if had:
            line = self.f.lines.get(rule_path + ("priority",))
            i = line - 1 if line else None
            if i is None or not re.match(r"^\s*priority\s*:\s*\d+", self.lines[i]):
                self.ok = False
                return
            self.lines[i] = re.sub(r"(priority\s*:\s*)\d+", rf"\g<1>{value}", self.lines[i], count=1)
            return
        line = self.f.lines.get(rule_path + ("id",))
        if line is None:
            self.ok = False
            return
        i = line - 1
        column = self.lines[i].index("id")
        self.lines.insert(i + 1, " " * column + f"priority: {value}\n")

    def delete_rule(self, rule_path: tuple) -> None:
        self.delete_item(rule_path)

    def text(self) -> str:
        """The edited text, checked by reading it back; the file written out whole when that fails."""
        if self.ok:
            edited = "".join(self.lines)
            try:
                if parse_yaml(edited).data == self.data:
                    return edited
            except YamlError:
                pass
        return yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=1000)


# ---------------------------------------------------------------- conditions

def _condition_words(item: Any) -> str:
    """A condition (a line or a block) in one line, for a report."""
    if isinstance(item, str):
        return item
    if isinstance(item, list):
        return "; ".join(_condition_words(i) for i in item)
    if isinstance(item, dict) and len(item) == 1:
        (key, value), = item.items()
        inner = _condition_words(value)
        return f"{key} ({inner})" if key in ("all", "any") else f"not ({inner})"
    return str(item)


def _values_text(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def changed_conditions(text: str) -> list[tuple[str, Any]]:
    """Each edit of one condition line by a value or a comparison: [(what in words, the new line)].

    A comparison's boundary moved or turned round (>= to >, == to !=, in to not in, contains to not
    contains, exists to missing), a yes/no or derived fact negated (or its negation dropped), a value
    moved to its neighbour (an ordered field's next value up and down, a nominal field's next value), a
    list losing a member or gaining the first one it lacks. Lines this grammar does not read get none."""
    m = _CONDITION.match(text.strip())
    if not m:
        return []
    neg, path, op, raw = bool(m["neg"]), m["path"], m["op"], m["value"]
    op = re.sub(r"\s+", " ", op) if op else None
    out: list[tuple[str, Any]] = []

    def add(what: str, new: str) -> None:
        if new != text and all(n != new for _, n in out):
            out.append((what, new))

    if neg:
        add("its negation dropped", text.strip()[len(m["neg"]):])
    if path.startswith("derived.") or op is None:
        if not neg:
            add("negated", f"not {text.strip()}")
        return out
    info = FIELDS.get(path)
    if info is None:
        return out
    prefix = m["neg"] or ""
    if op in ("exists", "missing"):
        add(f"`{op}` changed to `{_OTHER_OP[op]}`", f"{prefix}{path} {_OTHER_OP[op]}")
        return out
    if raw is None:
        return out
    add(f"`{op}` changed to `{_OTHER_OP[op]}`", f"{prefix}{path} {_OTHER_OP[op]} {raw}")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return out
    values = list(info.values or ())
    if isinstance(value, bool):
        add(f"value {str(value).lower()} changed to {str(not value).lower()}",
            f"{prefix}{path} {op} {str(not value).lower()}")
    elif isinstance(value, list):
        members = [str(v) for v in value]
        if len(members) > 1:
            for v in members:
                rest = [x for x in members if x != v]
                add(f"{v} dropped from the list", f"{prefix}{path} {op} {_values_text(rest)}")
        missing = [v for v in values if v not in members]
        if missing:
            add(f"{missing[0]} added to the list", f"{prefix}{path} {op} {_values_text(members + [missing[0]])}")
    elif isinstance(value, str) and value in values:
        k = values.index(value)
        if info.kind == "ordinal":
            for j in (k + 1, k - 1):
                if 0 <= j < len(values):
                    add(f"value {value} changed to {values[j]}", f"{prefix}{path} {op} {values[j]}")
        elif len(values) > 1:
            other = values[(k + 1) % len(values)]
            add(f"value {value} changed to {other}", f"{prefix}{path} {op} {other}")
    return out


def _condition_sites(when: Any, path: tuple) -> tuple[list[tuple[tuple, Any]], list[tuple[tuple, str]]]:
    """(items that can be dropped: in a list of two or more, each with its path; condition lines)."""
    drops: list[tuple[tuple, Any]] = []
    lines: list[tuple[tuple, str]] = []
    if isinstance(when, str):
        lines.append((path, when))
    elif isinstance(when, list):
        for i, item in enumerate(when):
            if len(when) > 1:
                drops.append((path + (i,), item))
            d, l = _condition_sites(item, path + (i,))
            drops += d
            lines += l
    elif isinstance(when, dict) and len(when) == 1:
        (key, value), = when.items()
        d, l = _condition_sites(value, path + (key,))
        drops += d
        lines += l
    return drops, lines


# ---------------------------------------------------------------- every mutant of a rule base

def _policy_files(files: Mapping[str, str | bytes]) -> list[_File]:
    out = []
    for rel in sorted(files):
        parts = rel.split("/")
        if len(parts) != 2 or parts[0] != POLICY_DIR or not rel.endswith((".yaml", ".yml")):
            continue
        content = files[rel]
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        located = parse_yaml(text)
        if isinstance(located.data, dict) and isinstance(located.data.get("rules"), list):
            out.append(_File(rel, text, located.data, located.lines))
    return out


def _rules(f: _File) -> list[tuple[int, dict]]:
    return [(i, r) for i, r in enumerate(f.data["rules"]) if isinstance(r, dict) and isinstance(r.get("id"), str)]


def all_mutants(files: Mapping[str, str | bytes]) -> list[Mutant]:
    """Every mutant of the rule base in `files` ({relative path: text}, e.g. RuleBase.files), in rule-base
    order (file, rule, then the rule's conditions and conclusions as written). Same files, same list."""
    out: list[Mutant] = []
    counters: dict[tuple[str, int, str], int] = {}

    def make(kind: str, f: _File, line: int, rule: str, what: str, edit: Callable[[], dict[str, str]],
             other: str | None = None) -> None:
        n = counters[(f.rel, line, kind)] = counters.get((f.rel, line, kind), 0) + 1
        out.append(Mutant(f"{f.rel}:{line}:{kind}:{n}", kind, f.rel, line, rule, what,
                          (rule, other) if other else (rule,), edit))

    parsed = _policy_files(files)
    for f in parsed:
        for i, rule in _rules(f):
            rid, at = rule["id"], ("rules", i)
            drops, lines = _condition_sites(rule.get("when"), at + ("when",))
            for path, item in drops:
                make("condition_dropped", f, f.lines.get(path, f.lines[at]), rid,
                     f"condition `{_condition_words(item)}` dropped", _one_edit(f, "delete_item", path))
            for path, line_text in lines:
                for what, new in changed_conditions(line_text):
                    make("condition_changed", f, f.lines.get(path, f.lines[at]), rid,
                         f"condition `{line_text.strip()}` became `{new}` ({what})",
                         _one_edit(f, "replace_scalar", path, line_text.strip(), new, new))
            then = rule.get("then")
            if isinstance(then, dict):
                for key, value in then.items():
                    tpath = at + ("then", key)
                    if isinstance(value, list) and len(value) > 1:
                        for j, code in enumerate(value):
                            make("conclusion_removed", f, f.lines.get(tpath + (j,), f.lines[tpath]), rid,
                                 f"conclusion {key}: {code} removed", _one_edit(f, "delete_item", tpath + (j,)))
                    elif key == "plan" and isinstance(value, dict) and len(value) > 1:
                        for bound in value:
                            make("conclusion_removed", f, f.lines[tpath + (bound,)], rid,
                                 f"conclusion plan: {bound} {value[bound]} removed",
                                 _one_edit(f, "delete_key", tpath + (bound,)))
                    else:
                        shown = value[0] if isinstance(value, list) and len(value) == 1 else _flow_words(value)
                        make("conclusion_removed", f, f.lines[tpath], rid, f"conclusion {key}: {shown} removed",
                             _one_edit(f, "delete_key", tpath))
            make("rule_deleted", f, f.lines[at], rid, "rule deleted", _one_edit(f, "delete_item", at))
    for (f1, i1, r1), (f2, i2, r2), category in _swaps(parsed):
        p1, p2 = r1.get("priority", DEFAULT_PRIORITY), r2.get("priority", DEFAULT_PRIORITY)
        where = f"{f2.rel}:{f2.lines[('rules', i2)]}"
        make("priorities_swapped", f1, f1.lines[("rules", i1)], r1["id"],
             f"priority {p1} swapped with the {p2} of rule {r2['id']} ({where}), both deciding {category}",
             _swap_edit(f1, i1, p2, f2, i2, p1), other=r2["id"])
    return out


def _one_edit(f: _File, method: str, *args: Any) -> Callable[[], dict[str, str]]:
    """The edit `_Edit.<method>(*args)` of file `f`, made when called."""
    def edit() -> dict[str, str]:
        e = _Edit(f)
        getattr(e, method)(*args)
        return {f.rel: e.text()}
    return edit


def _swap_edit(f1: _File, i1: int, p1: int, f2: _File, i2: int, p2: int) -> Callable[[], dict[str, str]]:
    """Rule i1 of f1 given priority p1 and rule i2 of f2 priority p2 (the same file edited twice)."""
    def edit() -> dict[str, str]:
        e = _Edit(f1)
        e.set_priority(("rules", i1), p1)
        if f1.rel != f2.rel:
            e2 = _Edit(f2)
            e2.set_priority(("rules", i2), p2)
            return {f1.rel: e.text(), f2.rel: e2.text()}
        text = e.text()
        e2 = _Edit(_File(f1.rel, text, e.data, parse_yaml(text).lines))
        e2.set_priority(("rules", i2), p2)
        return {f1.rel: e2.text()}
    return edit


def _flow_words(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return _values_text([str(v) for v in value])
    return str(value)


def _swaps(parsed: list[_File]) -> list[tuple[tuple, tuple, str]]:
    """Pairs of rules whose priorities a swap can matter for: both conclude something settled by priority
    (the approach preferred, a group's participation, recruitment or mode, a technique's place in the
    plan), at different priorities. Each rule is paired with the next such rule in rule-base order."""
    entries = [(f, i, r) for f in parsed for i, r in _rules(f)]
    pairs = []
    for n, (f, i, r) in enumerate(entries):
        then = r.get("then") if isinstance(r.get("then"), dict) else {}
        mine = {PRIORITY_CONCLUSIONS[k] for k in then if k in PRIORITY_CONCLUSIONS}
        p = r.get("priority", DEFAULT_PRIORITY)
        for category in sorted(mine):
            for f2, i2, r2 in entries[n + 1:]:
                then2 = r2.get("then") if isinstance(r2.get("then"), dict) else {}
                theirs = {PRIORITY_CONCLUSIONS[k] for k in then2 if k in PRIORITY_CONCLUSIONS}
                if category in theirs and r2.get("priority", DEFAULT_PRIORITY) != p and \
                        r2.get("for_each") == r.get("for_each"):
                    pairs.append(((f, i, r), (f2, i2, r2), category))
                    break
    return pairs


# ---------------------------------------------------------------- a seeded sample

def sample(mutants: list[Mutant], seed: int, limit: int | None = None) -> list[Mutant]:
    """`limit` mutants chosen by `seed`, the kinds taking turns (so every kind is in a small sample); all of
    them, in their order, when `limit` is None or not smaller. The same seed gives the same sample."""
    if limit is None or limit >= len(mutants):
        return list(mutants)
    rng = random.Random(seed)
    by_kind: dict[str, list[Mutant]] = {k: [] for k in KINDS}
    for m in mutants:
        by_kind[m.kind].append(m)
    for group in by_kind.values():
        rng.shuffle(group)
    chosen: list[Mutant] = []
    while len(chosen) < limit:
        for kind in KINDS:
            if by_kind[kind] and len(chosen) < limit:
                chosen.append(by_kind[kind].pop())
    order = {m.id: n for n, m in enumerate(mutants)}
    return sorted(chosen, key=lambda m: order[m.id])


def mutants(files: Mapping[str, str | bytes], seed: int = 0, limit: int | None = None) -> list[Mutant]:
    """The seeded sample of the rule base's mutants (all of them without `limit`)."""
    return sample(all_mutants(files), seed, limit)
