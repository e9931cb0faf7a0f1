"""The condition language: one definition, two interpreters.

Authors write conditions as short lines (`public.size >= large`) inside
all/any/not blocks. This module knows which fields exist (derived from the
context schema), parses conditions into a small AST, and rewrites them into
a disjunction of conjunctions of literals ("terms"). Both interpreters work
on those literals: `compiler` turns them into durable_rules tests and
`evaluator` checks them in plain Python; tests make the two agree.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Union

import yaml

from .approaches import ORDER as APPROACH_ORDER
from .context import Contribution, IAP2Level, Phase, SECTION_MODELS, Stakeholder, field_enum
from .errors import ConditionError

MAX_TERMS = 64
MAX_LITERALS = 24


@dataclass(frozen=True)
class FieldInfo:
    path: str            # as authors write it: "public.size"
    key: str             # property name in engine facts: "public__size"
    kind: str            # bool | ordinal | nominal | set (a list of distinct values, tested with `contains`)
    values: tuple[str, ...] | None  # allowed values (enums), ordered for ordinals; a set's possible members
    optional: bool
    scope: str           # project | stakeholder | approach
    description: str

    def rank(self, value: str) -> int:
        return self.values.index(value) + 1  # type: ignore[union-attr]


def _fields() -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    sections: list[tuple[str, Any, str]] = [(n, m, "project") for n, m in SECTION_MODELS.items()]
    sections.append(("stakeholder", Stakeholder, "stakeholder"))
    for section, model, scope in sections:
        for name, info in model.model_fields.items():
            kind, enum = field_enum(model, name)
            if kind == "str":
                continue  # free text and ids are not for rules
            out[f"{section}.{name}"] = FieldInfo(
                path=f"{section}.{name}", key=f"{section}__{name}", kind=kind,
                values=tuple(m.value for m in enum) if enum else None,
                optional=kind != "set" and not info.is_required() and info.default is None,
                scope=scope, description=info.description or "")
    # a group's co_produces entries are read as two sets: the activities, and what the group contributes
    for name, enum, text in (("co_produces", Phase, "The activities the group co-produces in (from its "
                              "co_produces entries); empty when not stated."),
                             ("contributes", Contribution, "What the group contributes across its co_produces "
                              "entries (time, reports, data, running_service, expertise, resources).")):
        out[f"stakeholder.{name}"] = FieldInfo(f"stakeholder.{name}", f"stakeholder__{name}", "set",
                                               tuple(m.value for m in enum), False, "stakeholder", text)
    out["approach.code"] = FieldInfo("approach.code", "approach__code", "nominal", tuple(APPROACH_ORDER),
                                     False, "approach", "The approach chosen from the feasible set.")
    out["approach.level"] = FieldInfo("approach.level", "approach__level", "ordinal",
                                      tuple(m.value for m in IAP2Level), False, "approach",
                                      "IAP2 level of the chosen approach.")
    return out


FIELDS: dict[str, FieldInfo] = _fields()
ORDERED_OPS = {"<", "<=", ">", ">="}
NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", "<=": ">", ">": "<=", "in": "not in", "not in": "in",
          "contains": "not contains", "not contains": "contains"}
SET_OPS = {"contains", "not contains"}


# ---- AST -------------------------------------------------------------------

@dataclass(frozen=True)
class Cmp:
    field: str
    op: str
    value: Any          # bool, str, or tuple[str, ...] for in / not in; one member for contains / not contains

    def __str__(self) -> str:
        v = self.value
        if isinstance(v, tuple):
            v = "[" + ", ".join(v) + "]"
        elif isinstance(v, bool):
            v = "true" if v else "false"
        return f"{self.field} {self.op} {v}"


@dataclass(frozen=True)
class Exists:
    field: str
    positive: bool

    def __str__(self) -> str:
        return f"{self.field} {'exists' if self.positive else 'missing'}"


@dataclass(frozen=True)
class Derived:
    name: str
    positive: bool

    def __str__(self) -> str:
        return f"{'' if self.positive else 'not '}derived.{self.name}"


Literal = Union[Cmp, Exists, Derived]


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class AnyOf:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


Node = Union[Cmp, Exists, Derived, All, AnyOf, Not]

# ---- parsing ---------------------------------------------------------------

_LINE = re.compile(
    r"^\s*(?P<neg>not\s+)?(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?:\s+(?P<op>==|!=|<=|>=|<|>|in|not\s+in|contains|not\s+contains|exists|missing)(?:\s+(?P<value>.+?))?)?"
    r"\s*$")


def _field(path: str, where: tuple) -> FieldInfo:
    info = FIELDS.get(path)
    if info is None:
        close = [p for p in FIELDS if p.split(".")[-1] == path.split(".")[-1]]
        close = close or difflib.get_close_matches(path, list(FIELDS), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConditionError(f"unknown field {path!r}{hint}", where)
    return info


def _value(info: FieldInfo, raw: Any, where: tuple) -> Any:
    if info.kind == "bool":
        if not isinstance(raw, bool):
            raise ConditionError(f"{info.path} is yes/no: compare it with true or false, not {raw!r}", where)
        return raw
    if not isinstance(raw, str) or raw not in (info.values or ()):
        allowed = ", ".join(info.values or ())
        raise ConditionError(f"{raw!r} is not a value of {info.path} (allowed: {allowed})", where)
    return raw


def parse_line(text: str, where: tuple) -> Node:
    match = _LINE.match(text)
    if not match:
        raise ConditionError(f"cannot read condition {text!r}: expected e.g. 'public.size >= large'", where)
    negated = bool(match["neg"])
    path, op, raw = match["path"], match["op"], match["value"]
    if op is not None:
        op = re.sub(r"\s+", " ", op)
    if path.startswith("derived."):
        name = path[len("derived."):]
        if op is not None or "." in name:
            raise ConditionError(f"a derived fact is tested alone: 'derived.{name}' or 'not derived.{name}'",
                                 where)
        return Derived(name, not negated)
    info = _field(path, where)
    if info.kind == "set" and op not in SET_OPS:
        raise ConditionError(f"{path} is a list: test a member with '{path} contains {info.values[0]}' "
                             f"(or 'not contains')", where)
    if op in SET_OPS and info.kind != "set":
        raise ConditionError(f"{path} is not a list: '{op}' applies to list fields (e.g. project.activities)",
                             where)
    if op is None:
        if info.kind != "bool":
            raise ConditionError(f"{path} is not yes/no: compare it, e.g. '{path} == {info.values[0]}'", where)
        node: Node = Cmp(path, "==", True)
    elif op in ("exists", "missing"):
        if raw:
            raise ConditionError(f"'{op}' takes no value", where)
        if not info.optional:
            raise ConditionError(f"{path} always has a value: '{op}' makes no sense for it", where)
        node = Exists(path, op == "exists")
    else:
        if raw is None:
            raise ConditionError(f"'{op}' needs a value", where)
        try:
            parsed = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise ConditionError(f"cannot read value {raw!r}", where) from None
        if op in SET_OPS:
            node = Cmp(path, op, _value(info, parsed, where))
        elif op in ("in", "not in"):
            if not isinstance(parsed, list) or not parsed:
                raise ConditionError(f"'{op}' needs a list such as [a, b]", where)
            node = Cmp(path, op, tuple(sorted({_value(info, v, where) for v in parsed}, key=str)))
            if info.kind == "bool":
                raise ConditionError(f"{path} is yes/no: use == or !=", where)
        else:
            value = _value(info, parsed, where)
            if op in ORDERED_OPS and info.kind != "ordinal":
                raise ConditionError(f"{path} has no order: only ==, !=, in and not in apply", where)
            node = Cmp(path, op, value)
    return Not(node) if negated else node


def parse_condition(raw: Any, where: tuple = ()) -> Node:
    """Parse a `when` value (string, list, or all/any/not block)."""
    if isinstance(raw, str):
        return parse_line(raw, where)
    if isinstance(raw, bool) or raw is None:
        raise ConditionError("a condition is a line of text or an all/any/not block", where)
    if isinstance(raw, list):
        if not raw:
            raise ConditionError("an empty list of conditions", where)
        return All(tuple(parse_condition(item, where + (i,)) for i, item in enumerate(raw)))
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise ConditionError("a block has exactly one of all, any or not", where)
        (key, value), = raw.items()
        here = where + (key,)
        if key == "not":
            return Not(parse_condition(value, here))
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ConditionError(f"'{key}' needs a non-empty list", here)
            items = tuple(parse_condition(item, here + (i,)) for i, item in enumerate(value))
            return All(items) if key == "all" else AnyOf(items)
        raise ConditionError(f"unknown block {key!r} (use all, any or not)", here)
    raise ConditionError(f"a condition cannot be a {type(raw).__name__}", where)


# ---- normal form -----------------------------------------------------------

Term = tuple  # tuple of literals, in a canonical order


def _literal_key(lit: Literal) -> tuple:
    if isinstance(lit, Derived):
        return (1, lit.name, not lit.positive)
    if isinstance(lit, Exists):
        return (0, lit.field, 0, str(lit.positive))
    return (0, lit.field, 1, lit.op, str(lit.value))


def _negate(node: Node) -> Node:
    if isinstance(node, Not):
        return node.item
    if isinstance(node, All):
        return AnyOf(tuple(_negate(i) for i in node.items))
    if isinstance(node, AnyOf):
        return All(tuple(_negate(i) for i in node.items))
    if isinstance(node, Derived):
        return Derived(node.name, not node.positive)
    if isinstance(node, Exists):
        return Exists(node.field, not node.positive)
    info = FIELDS[node.field]
    if info.kind == "bool" and node.op in ("==", "!="):
        flipped = Cmp(node.field, "==", (not node.value) if node.op == "==" else node.value)
    else:
        flipped = Cmp(node.field, NEGATE[node.op], node.value)
    # A comparison on a missing optional field is false, so its negation must
    # also accept the field being missing.
    return AnyOf((Exists(node.field, False), flipped)) if info.optional else flipped


def _canon(lit: Literal) -> Literal:
    if isinstance(lit, Cmp) and FIELDS[lit.field].kind == "bool" and lit.op == "!=":
        return Cmp(lit.field, "==", not lit.value)
    return lit


def to_terms(node: Node, where: tuple = ()) -> list[Term]:
    """Disjunctive normal form: a list of terms, each a conjunction of literals.

    `in` lists stay single literals here; the durable_rules compiler expands
    them. Contradictory terms are kept: the linter reports them.
    """
    def dnf(n: Node) -> list[tuple]:
        if isinstance(n, Not):
            return dnf(_negate(n.item))
        if isinstance(n, All):
            terms: list[tuple] = [()]
            for item in n.items:
                terms = [a + b for a in terms for b in dnf(item)]
                if len(terms) > MAX_TERMS:
                    raise ConditionError(f"condition expands to more than {MAX_TERMS} alternatives", where)
            return terms
        if isinstance(n, AnyOf):
            out: list[tuple] = []
            for item in n.items:
                out.extend(dnf(item))
            return out
        return [(_canon(n),)]

    result: list[Term] = []
    for term in dnf(node):
        canon = tuple(sorted(set(term), key=_literal_key))
        if canon not in result:
            result.append(canon)
    if len(result) > MAX_TERMS:
        raise ConditionError(f"condition expands to more than {MAX_TERMS} alternatives", where)
    for term in result:
        if len(term) > MAX_LITERALS:
            raise ConditionError(f"an alternative has more than {MAX_LITERALS} conditions", where)
    return result


def literal_fields(lit: Literal) -> str:
    """The name under which a literal's value is reported in explanations."""
    return f"derived.{lit.name}" if isinstance(lit, Derived) else lit.field


def holds(lit: Literal, state: dict[str, Any], derived: frozenset[str] | set[str]) -> bool:
    """Plain-Python meaning of one literal (the reference semantics)."""
    if isinstance(lit, Derived):
        return (lit.name in derived) == lit.positive
    present = lit.field in state
    if isinstance(lit, Exists):
        return present == lit.positive
    if not present:
        return False
    actual = state[lit.field]
    info = FIELDS[lit.field]
    op, value = lit.op, lit.value
    if op == "==":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "in":
        return actual in value
    if op == "not in":
        return actual not in value
    if op == "contains":
        return value in actual
    if op == "not contains":
        return value not in actual
    a, b = info.rank(actual), info.rank(value)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def term_text(term: Term) -> str:
    return " and ".join(str(lit) for lit in term)

