"""Turn a validated context into the facts rules reason about.

A *subject* is what a rule is about: the project, or one stakeholder group.
Its state maps field paths (as authors write them) to values; optional
fields that were not given are absent, never a placeholder.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .conditions import FIELDS
from .context import ProjectContext
from .errors import ContextError

PROJECT = "_project"


def validate_context(data: Any) -> ProjectContext:
    if isinstance(data, ProjectContext):
        return data
    if not isinstance(data, dict):
        raise ContextError([{"field": "", "message": "a context is a JSON object"}])
    try:
        return ProjectContext.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = list(err["loc"])
            # name stakeholders by their id where we can, e.g. stakeholders[2].power
            path = ""
            for part in loc:
                path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "missing":
                message = "field required"
            errors.append({"field": path, "message": message, "type": err["type"]})
        raise ContextError(errors) from None


@dataclass
class Subjects:
    """The project state and each stakeholder's own fields, ids sorted."""

    project: dict[str, Any]
    stakeholders: dict[str, dict[str, Any]]
    names: dict[str, str]
    constraints: str | None = None      # decision.constraints: shown up front, never read by rules

    @property
    def ids(self) -> list[str]:
        return list(self.stakeholders)


# List fields as rules read them: a tuple of distinct values in the enum's order, so that
# a firing's matched values (and the recommendation) do not depend on how a manager ordered a list.
_SET_VALUES = {
    "project.activities": lambda ctx: ctx.project.effective_activities(),
    "stakeholder.co_produces": lambda s: s.co_produced(),
    "stakeholder.contributes": lambda s: s.contributions(),
}


def subjects(ctx: ProjectContext) -> Subjects:
    project: dict[str, Any] = {}
    for path, info in FIELDS.items():
        if info.scope != "project":
            continue
        if path in _SET_VALUES:
            project[path] = _SET_VALUES[path](ctx)
            continue
        section, name = path.split(".")
        value = getattr(getattr(ctx, section), name)
        if value is not None:
            project[path] = value
    people: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    for s in sorted(ctx.stakeholders, key=lambda s: s.id):
        people[s.id] = {path: _SET_VALUES[path](s) if path in _SET_VALUES else getattr(s, path.split(".")[1])
                        for path, info in FIELDS.items() if info.scope == "stakeholder"}
        names[s.id] = s.name
    return Subjects(project=project, stakeholders=people, names=names, constraints=ctx.decision.constraints)
