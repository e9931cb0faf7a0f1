"""The condition language: one definition, two interpreters.

Authors write conditions as short lines (`public.size >= large`) inside
all/any/not blocks, and conditions over the stakeholder groups
(any_stakeholder, no_stakeholder, count_stakeholders: a count of the groups
that meet a condition of their own, compared with a number). This module knows which fields exist (derived from the
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
from .catalogue import did_you_mean
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


@dataclass(frozen=True)
class Groups:
    """How many stakeholder groups meet `where` (a condition on a group's own fields and derived facts),
    compared with `n`.

    any_stakeholder is `>= 1`, no_stakeholder `<= 0`, count_stakeholders at_least/at_most `>= n`/`<= n`.
    The loader puts a rule reading one in a stratum after every rule deriving a fact its `where` reads (as
    for a negated fact: a count may fall as well as rise), so when the stratum opens the groups that meet
    `where` are final; `memory.WorkingMemory.open_stratum` then holds their ids in the state under `key`.
    Both interpreters read that same tuple of ids, and a firing reports it as what it matched.
    """

    where: tuple        # the inner condition's terms (its normal form): stakeholder.* fields and derived facts
    op: str             # ">=" or "<="
    n: int

    @property
    def where_text(self) -> str:
        return " or ".join(term_text(t) for t in self.where)

    @property
    def key(self) -> str:
        """The state key of the ids of the groups that meet `where`, and the name a firing reports them by."""
        return f"stakeholders({self.where_text})"

    def reads(self) -> set[str]:
        """The groups' fields `where` reads."""
        return {lit.field for term in self.where for lit in term if not isinstance(lit, Derived)}

    def derived(self) -> set[Derived]:
        """The derived facts `where` reads (positively or not)."""
        return {lit for term in self.where for lit in term if isinstance(lit, Derived)}

    def holds_for(self, count: int) -> bool:
        return count >= self.n if self.op == ">=" else count <= self.n

    def __str__(self) -> str:
        if self.op == ">=" and self.n == 1:
            return f"any_stakeholder({self.where_text})"
        if self.op == "<=" and self.n == 0:
            return f"no_stakeholder({self.where_text})"
        return f"count_stakeholders({self.where_text}) {self.op} {self.n}"


Literal = Union[Cmp, Exists, Derived, Groups]


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class AnyOf:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


Node = Union[Cmp, Exists, Derived, Groups, All, AnyOf, Not]

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


GROUP_BLOCKS = ("any_stakeholder", "no_stakeholder", "count_stakeholders")
BLOCKS = ("all", "any", "not", *GROUP_BLOCKS)
COUNT_KEYS = ("where", "at_least", "at_most")


def _literals(node: Node):
    if isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from _literals(item)
    elif isinstance(node, Not):
        yield from _literals(node.item)
    else:
        yield node


def _group_where(raw: Any, block: str, here: tuple) -> tuple:
    """The inner condition of a group block, as terms: a group's own fields and derived facts only."""
    if isinstance(raw, dict) and len(raw) == 1:
        (key, value), = raw.items()
        name = str(key).removeprefix("stakeholder.")
        if key not in BLOCKS and f"stakeholder.{name}" in FIELDS:
            said = f"{value!r}" if not isinstance(value, str) else value
            raise ConditionError(f"inside {block}, write a group's condition as a line, e.g. "
                                 f"'stakeholder.{name} == {said}'", here + (key,))
    node = parse_condition(raw, here, inside=block)
    for lit in _literals(node):
        if isinstance(lit, (Cmp, Exists)) and FIELDS[lit.field].scope != "stakeholder":
            raise ConditionError(f"inside {block}, conditions read a group's own fields (stakeholder.*) and "
                                 f"what the rules concluded about it (derived.*), not {lit.field}: write it beside "
                                 f"the {block} block", here)
    return tuple(to_terms(node, here))


def _count(raw: Any, key: str, here: tuple) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ConditionError(f"'{key}' must be a whole number of groups (0 or more), not {raw!r}", here)
    return raw


def _group_block(key: str, value: Any, here: tuple) -> Node:
    """any_stakeholder / no_stakeholder: CONDITION, count_stakeholders: {where: CONDITION, at_least/at_most: N}."""
    if key != "count_stakeholders":
        where = _group_where(value, key, here)
        return Groups(where, ">=", 1) if key == "any_stakeholder" else Groups(where, "<=", 0)
    if not isinstance(value, dict):
        raise ConditionError("count_stakeholders needs 'where:' (the groups' condition) and 'at_least:' and/or "
                             "'at_most:' (a number of groups), each on its own line under it", here)
    for k in value:
        if k not in COUNT_KEYS:
            hint = did_you_mean(str(k), COUNT_KEYS) or f" (count_stakeholders takes {', '.join(COUNT_KEYS)})"
            raise ConditionError(f"unknown key {k!r} in count_stakeholders{hint}", here + (k,))
    if "where" not in value:
        raise ConditionError("count_stakeholders needs 'where:', the condition each counted group meets", here)
    least = _count(value["at_least"], "at_least", here + ("at_least",)) if "at_least" in value else None
    most = _count(value["at_most"], "at_most", here + ("at_most",)) if "at_most" in value else None
    if least is None and most is None:
        raise ConditionError("count_stakeholders needs 'at_least:' or 'at_most:' (or both): how many groups", here)
    if least == 0:
        raise ConditionError("'at_least: 0' always holds: leave it out, or count at least 1", here + ("at_least",))
    if least is not None and most is not None and least > most:
        raise ConditionError(f"at_least ({least}) is more than at_most ({most}): no number of groups meets both",
                             here)
    where = _group_where(value["where"], "count_stakeholders", here + ("where",))
    parts = ([Groups(where, ">=", least)] if least is not None else []) + \
        ([Groups(where, "<=", most)] if most is not None else [])
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def parse_condition(raw: Any, where: tuple = (), inside: str | None = None) -> Node:
    """Parse a `when` value (string, list, all/any/not block or group block); `inside`: the group block
    whose inner condition this is (group blocks do not nest)."""
    if isinstance(raw, str):
        return parse_line(raw, where)
    if isinstance(raw, bool) or raw is None:
        raise ConditionError("a condition is a line of text or an all/any/not block", where)
    if isinstance(raw, list):
        if not raw:
            raise ConditionError("an empty list of conditions", where)
        return All(tuple(parse_condition(item, where + (i,), inside) for i, item in enumerate(raw)))
    if isinstance(raw, dict):
        if len(raw) != 1:
            keys = ", ".join(str(k) for k in raw)
            raise ConditionError(f"a block has exactly one of all, any, not, any_stakeholder, no_stakeholder or "
                                 f"count_stakeholders, not {keys}: put each under its own '- ' in an all list",
                                 where)
        (key, value), = raw.items()
        here = where + (key,)
        if key == "not":
            return Not(parse_condition(value, here, inside))
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ConditionError(f"'{key}' needs a non-empty list", here)
            items = tuple(parse_condition(item, here + (i,), inside) for i, item in enumerate(value))
            return All(items) if key == "all" else AnyOf(items)
        if key in GROUP_BLOCKS:
            if inside is not None:
                raise ConditionError(f"{key} inside {inside}: group conditions do not nest", here)
            return _group_block(key, value, here)
        allowed = ("all", "any", "not") if inside is not None else BLOCKS
        hint = did_you_mean(str(key), allowed)
        raise ConditionError(f"unknown block {key!r}{hint} (use {', '.join(allowed[:-1])} or {allowed[-1]})", here)
    raise ConditionError(f"a condition cannot be a {type(raw).__name__}", where)


# ---- normal form -----------------------------------------------------------

Term = tuple  # tuple of literals, in a canonical order


def _literal_key(lit: Literal) -> tuple:
    if isinstance(lit, Derived):
        return (1, lit.name, not lit.positive)
    if isinstance(lit, Groups):
        return (2, lit.where_text, lit.op, lit.n)
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
    if isinstance(node, Groups):   # a count is always known: "not at least n" is "at most n - 1"
        return Groups(node.where, "<=", node.n - 1) if node.op == ">=" else Groups(node.where, ">=", node.n + 1)
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
    if isinstance(lit, Groups):
        return lit.key
    return f"derived.{lit.name}" if isinstance(lit, Derived) else lit.field


def literal_reads(lit: Literal) -> set[str]:
    """The context fields (FIELDS paths) a literal's truth depends on: a group condition's are its groups' fields."""
    if isinstance(lit, Derived):
        return set()
    if isinstance(lit, Groups):
        return lit.reads()
    return {lit.field}


def group_literals(terms) -> dict[str, Groups]:
    """The group conditions in some terms, by state key (one per inner condition)."""
    return {lit.key: lit for term in terms for lit in term if isinstance(lit, Groups)}


def groups_meeting(lit: Groups, states: dict[str, dict[str, Any]], derived: dict[str, Any]) -> tuple[str, ...]:
    """The ids (in `states`' order) of the groups whose state and derived facts meet the condition's `where`."""
    return tuple(sid for sid, state in states.items()
                 if any(all(holds(one, state, derived[sid]) for one in term) for term in lit.where))


def parse_group_text(text: str) -> Groups | None:
    """A group condition back from its text (str(Groups)), e.g. from a why-not answer; None if it is not one."""
    m = re.match(r"^(any_stakeholder|no_stakeholder|count_stakeholders)\((.*)\)(?: (>=|<=) (\d+))?$", text)
    if not m or (m[1] == "count_stakeholders") != bool(m[3]):
        return None
    try:
        terms = tuple(tuple(_canon(parse_line(line, ())) for line in alt.split(" and "))   # type: ignore[misc]
                      for alt in m[2].split(" or "))
    except ConditionError:
        return None
    if m[1] == "any_stakeholder":
        return Groups(terms, ">=", 1)
    if m[1] == "no_stakeholder":
        return Groups(terms, "<=", 0)
    return Groups(terms, m[3], int(m[4]))


def holds(lit: Literal, state: dict[str, Any], derived: frozenset[str] | set[str]) -> bool:
    """Plain-Python meaning of one literal (the reference semantics)."""
    if isinstance(lit, Derived):
        return (lit.name in derived) == lit.positive
    if isinstance(lit, Groups):
        # the groups meeting its condition, worked out for the evaluation (memory.WorkingMemory); without
        # them (a state not made for this rule base) the condition cannot be known to hold
        return lit.key in state and lit.holds_for(len(state[lit.key]))
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

