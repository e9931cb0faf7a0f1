"""A loaded, checked rule base: what every interpreter works from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from .catalogue import Catalogue
from .conditions import Derived, Groups, Node, Term
from .errors import LoadError, RuleBaseError  # noqa: F401 - importable from here, as before engine.errors
from .rulefile import Then, UnknownAnswers

T = TypeVar("T")


@dataclass
class Rule:
    id: str
    title: str
    rationale: str
    sources: list[str]
    priority: int
    scope: str                   # project | stakeholder
    when_raw: Any
    when: Node
    then: Then
    file: str
    line: int
    order: int                   # position in the rule base (file order, then position)
    terms: list[Term]
    stratum: int = 0
    reads_approach: bool = False
    decides_approach: bool = False

    def derived_literals(self) -> set[Derived]:
        return {lit for term in self.terms for lit in term if isinstance(lit, Derived)}

    def group_derived(self) -> set[Derived]:
        """The derived facts read inside its group conditions (any_stakeholder...): each must be complete
        before the rule's stratum, as a negated fact must."""
        return {d for term in self.terms for lit in term if isinstance(lit, Groups) for d in lit.derived()}

    def as_authored(self) -> dict[str, Any]:
        """The rule as its author wrote it, with where it lives."""
        then = {k: v for k, v in self.then.model_dump(exclude_defaults=True).items()}
        return {"id": self.id, "title": self.title, "rationale": self.rationale, "sources": self.sources,
                "priority": self.priority, "for_each": "stakeholder" if self.scope == "stakeholder" else None,
                "when": self.when_raw, "then": then, "file": self.file, "line": self.line,
                "stratum": self.stratum}


@dataclass(frozen=True)
class UnknownPolicy:
    """The rule base's policy for unknown answers (a policy file's `unknown_answers`), with where it lives."""

    spec: UnknownAnswers
    file: str
    line: int

    def described(self) -> dict[str, Any]:
        s = self.spec
        return {"id": s.id, "title": s.title, "rationale": s.rationale, "sources": list(s.sources),
                "approach": s.approach, "file": self.file, "line": self.line}


@dataclass
class RuleBase:
    root: str
    rules: list[Rule]
    catalogue: Catalogue
    version: str
    files: dict[str, str]                       # relative path -> text, for the decision log
    fact_scope: dict[str, str] = field(default_factory=dict)
    derivers: dict[str, list[int]] = field(default_factory=dict)  # fact -> rule orders
    strata: int = 1
    approach_stratum: int = 0                   # after this stratum the approach is known
    unknown_policy: UnknownPolicy | None = None  # how answers the manager does not know are handled

    def __post_init__(self) -> None:
        self.by_id = {r.id: r for r in self.rules}

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the evaluators' derived caches (compiled closures); a copy rebuilds them."""
        state = dict(self.__dict__)
        state.pop("_derived_cache", None)
        return state

    @property
    def rule_count(self) -> int:
        return len(self.rules)

    def summary(self) -> dict[str, Any]:
        return {"version": self.version, "rule_count": self.rule_count}


def rulebase_cache(rb: RuleBase, name: str, build: Callable[[RuleBase], T]) -> T:
    """Data derived once per loaded rule base (rule bases are not changed after loading); not pickled."""
    cache = rb.__dict__.setdefault("_derived_cache", {})
    if name not in cache:
        cache[name] = build(rb)
    return cache[name]
