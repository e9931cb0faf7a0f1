"""The schema of a rule file (`rules/policy/*.yaml`), as policy authors write it.

Conditions stay raw here (strings, all/any/not blocks, and the group blocks
any_stakeholder, no_stakeholder and count_stakeholders); `conditions` parses
them against the context schema once the file's shape is valid.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from .catalogue import Code, Label, Prose, SourceKey
from .context import IAP2Level, Level

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=120)]
FactName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class ParticipantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, frozen=True)

    role: Code
    level: IAP2Level


class PlanSpec(BaseModel):
    """Bounds on the plan of techniques, from the team's capacity: how many core techniques at most and how
    demanding each may be. Where rules bound the same thing, the tightest bound holds."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True, frozen=True)

    core_at_most: int | None = Field(None, ge=1, le=100)
    cost_at_most: Level | None = None
    facilitation_at_most: Level | None = None
    time_at_most: Level | None = None

    def bounds(self) -> dict[str, int | str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Then(BaseModel):
    """What a rule concludes. Lists accept a single code too."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    derive: list[FactName] = Field(default_factory=list)
    eliminate: list[Code] = Field(default_factory=list)
    prefer: Code | None = None
    participant: ParticipantSpec | None = None
    exclude: Prose | None = None
    recruitment: Code | None = None
    mode: Code | None = None
    plan: PlanSpec | None = None
    techniques: list[Code] = Field(default_factory=list)
    avoid_techniques: list[Code] = Field(default_factory=list)
    arrangements: list[Code] = Field(default_factory=list)
    skills: list[Code] = Field(default_factory=list)
    skill_gaps: list[Code] = Field(default_factory=list)
    warnings: list[Code] = Field(default_factory=list)

    _lists = field_validator("derive", "eliminate", "techniques", "avoid_techniques", "arrangements",
                             "skills", "skill_gaps", "warnings", mode="before")(_as_list)

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in type(self).model_fields)


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    title: Label
    rationale: Prose
    sources: list[SourceKey] = Field(min_length=1)
    priority: int = Field(50, ge=0, le=1000)
    for_each: Literal["stakeholder"] | None = None
    when: Any
    then: Then

    _sources = field_validator("sources", mode="before")(_as_list)


class UnknownAnswers(BaseModel):
    """The rule base's policy for answers the manager does not know yet (at most one policy file states it):
    which approach to recommend meanwhile among those the unknown answers can lead to, and the answer to work
    with meanwhile for each yes/no answer of the decision (engine/unknowns.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    title: Label
    rationale: Prose
    sources: list[SourceKey] = Field(min_length=1)
    approach: Literal["most_involving", "least_involving"]
    assume: dict[str, StrictBool]

    _sources = field_validator("sources", mode="before")(_as_list)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Prose | None = None
    rules: list[RuleSpec] = Field(default_factory=list)
    unknown_answers: UnknownAnswers | None = None
