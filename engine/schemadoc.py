"""Reference documentation generated from the context schema.

docs/CONTEXT.md is this module's output (`cogov schema docs`); a test keeps
it in step with engine/context.py, so the schema stays the only source.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .conditions import FIELDS
from .context import SECTION_MODELS, UNKNOWABLE, Contribution, Phase, ProjectContext, Stakeholder, field_enum


def _type(model: type[BaseModel], name: str) -> str:
    kind, enum = field_enum(model, name)
    if kind == "bool" and model is SECTION_MODELS["decision"] and f"decision.{name}" in UNKNOWABLE:
        return 'yes/no (true/false), or "unknown"'
    if kind == "bool":
        return "yes/no (true/false)"
    if kind == "ordinal":
        return "ordered: " + " < ".join(m.value for m in enum)
    if kind == "nominal":
        return "one of: " + ", ".join(m.value for m in enum)
    if kind == "set":
        return "list, each at most once, of: " + ", ".join(m.value for m in enum)
    if name == "co_produces":
        return ("list of {activity, contributes}: activity one of " + ", ".join(m.value for m in Phase)
                + "; contributes (optional) one of " + ", ".join(m.value for m in Contribution))
    return "text"


def _default(info: Any) -> str:
    if info.is_required():
        return "**required**"
    default = info.get_default(call_default_factory=True)
    if default is None:
        return "absent when unknown"
    if default == []:
        return "empty"
    if isinstance(default, bool):
        return "false" if not default else "true"
    return f"`{getattr(default, 'value', default)}`"


def _rows(section: str, model: type[BaseModel]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        path = f"{section}.{name}"
        usable = "yes" if path in FIELDS else "no (free text)"
        rows.append(f"| `{path}` | {_type(model, name)} | {_default(info)} | {usable} | "
                    f"{(info.description or '').replace('|', '/')} |")
    return rows


def context_reference() -> str:
    lines = [
        "# The project context: field reference",
        "",
        "Generated from `engine/context.py` by `cogov schema docs`; do not edit by hand.",
        "Unknown fields, wrong types and values outside a field's list are rejected with",
        "the field's path. The JSON schema itself is served at `/api/v1/schema/context`",
        "and printed by `cogov schema json`.",
        "",
    ]
    header = ["| field | values | default | in rules | meaning |", "|---|---|---|---|---|"]
    for section, model in SECTION_MODELS.items():
        lines += [f"## `{section}`", "", " ".join((model.__doc__ or "").split()), ""] + header + \
            _rows(section, model) + [""]
    lines += ["## `stakeholders[]`", "",
              ProjectContext.model_fields["stakeholders"].description or "", "",
              "Rules with `for_each: stakeholder` read these as `stakeholder.FIELD`.", ""]
    lines += header + _rows("stakeholder", Stakeholder) + [""]
    lines += ["## Fields only rules can read", "", "| field | values | meaning |", "|---|---|---|"]
    given = {f"{section}.{name}" for section, model in [*SECTION_MODELS.items(), ("stakeholder", Stakeholder)]
             for name in model.model_fields}
    for path, info in FIELDS.items():
        if path not in given:     # the approach, and what a group contributes (read from its co_produces)
            values = (" < " if info.kind == "ordinal" else ", ").join(info.values or ())
            lines.append(f"| `{path}` | {values} | {info.description} |")
    lines += ["", "## `notes`", "", ProjectContext.model_fields["notes"].description or "", ""]
    return "\n".join(lines)
