"""The manager's form, generated from the context schema.

Nothing here names a context field: the form is derived from
``ProjectContext.model_json_schema()`` (itself generated from the pydantic
models in ``engine.context``), so a field added to the schema appears in the
form with its description, enum values, default and required flag.

Three representations are involved:

* the *spec*: a tree of :class:`Spec` nodes describing each schema node;
* the *raw tree*: what the manager typed, as strings, shaped like the context
  (``{"project": {"name": "..."}, "stakeholders": [{...}, ...], ...}``);
* the *context*: the typed dict sent to the engine.

Form control names are the engine's error paths (``project.name``,
``stakeholders[2].power``), so a ``ContextError`` lands next to its field.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from pydantic import BaseModel

from engine.context import ProjectContext

from .l10n import N_, _

# Which button was pressed.
ACTION_EVALUATE = "evaluate"
ACTION_ADD = "add"          # "add:stakeholders"
ACTION_REMOVE = "remove"    # "remove:stakeholders:3"

COUNT_SUFFIX = ".__count"   # hidden input "stakeholders.__count"
UNKNOWN_LABEL = "Don't know yet"   # a yes/no answer given as "unknown" (the words of rules/catalogue/terms.yaml)


# --------------------------------------------------------------------------- spec


@dataclass
class Spec:
    """One node of the schema, as the form sees it."""

    name: str                       # property name ("" for the root)
    kind: str                       # object | list | map | enum | bool | string | integer | number | enum_list | string_list | json
    label: str
    description: str | None = None
    required: bool = False          # the key must be present
    nullable: bool = False          # may be absent / null
    default: Any = None
    has_default: bool = False
    options: list[str] = field(default_factory=list)
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    children: list["Spec"] = field(default_factory=list)   # object properties
    item: "Spec | None" = None                              # list item (an object)
    item_label: str | None = None


def humanize(name: str) -> str:
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def option_label(value: Any) -> str:
    return str(value).replace("_", " ")


def _resolve(node: dict[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """Follow a $ref, keeping the referring node's own keys (description, default)."""
    seen = 0
    while "$ref" in node and seen < 20:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _spec(name: str, node: dict[str, Any], defs: Mapping[str, Any], required: bool) -> Spec:
    nullable = False
    node = _resolve(node, defs)
    if "anyOf" in node:
        variants = [_resolve(v, defs) for v in node["anyOf"]]
        non_null = [v for v in variants if v.get("type") != "null"]
        nullable = len(non_null) < len(variants)
        outer = {k: v for k, v in node.items() if k != "anyOf"}
        answers = [v["const"] if "const" in v else v["enum"][0] for v in non_null
                   if "const" in v or len(v.get("enum") or ()) == 1]
        if len(non_null) == 2 and {"type": "boolean"} in non_null and len(answers) == 1:
            node = {**outer, "type": "boolean", "x-also": answers}    # yes/no, or "unknown" (engine.context.Answer)
        else:
            node = {**non_null[0], **outer} if len(non_null) == 1 else {**outer, "type": "json"}
    spec = Spec(name=name, kind="json", label=humanize(name) if name else str(node.get("title", "")),
                description=node.get("description"), required=required, nullable=nullable,
                default=node.get("default"), has_default="default" in node)
    spec.max_length = node.get("maxLength")
    spec.min_length = node.get("minLength")
    spec.pattern = node.get("pattern")
    spec.minimum = node.get("minimum")
    spec.maximum = node.get("maximum")
    typ = node.get("type")
    if "enum" in node:
        spec.kind = "enum"
        spec.options = list(node["enum"])
    elif typ == "boolean":
        spec.kind = "bool"
        spec.options = list(node.get("x-also", ()))   # answers besides yes and no ("unknown")
    elif typ == "string":
        spec.kind = "string"
    elif typ in ("integer", "number"):
        spec.kind = typ
    elif typ == "object" and "properties" in node:
        spec.kind = "object"
        req = set(node.get("required", []))
        spec.children = [_spec(k, v, defs, k in req) for k, v in node["properties"].items()]
    elif typ == "object":
        spec.kind = "map"
        spec.max_items = node.get("maxProperties")
    elif typ == "array":
        items = _resolve(node.get("items", {}), defs)
        spec.min_items = node.get("minItems")
        spec.max_items = node.get("maxItems")
        if items.get("type") == "object" and "properties" in items:
            spec.kind = "list"
            spec.item = _spec("", items, defs, True)
            spec.item_label = str(items.get("title") or "item")
        elif "enum" in items:
            spec.kind = "enum_list"
            spec.options = list(items["enum"])
        elif items.get("type") == "string":
            spec.kind = "string_list"
    if spec.description is None and spec.kind == "object":
        spec.description = node.get("description")
    return spec


def spec_from_model(model: type[BaseModel]) -> Spec:
    """The form spec of a pydantic model, derived from its JSON schema."""
    schema = model.model_json_schema()
    return _spec("", schema, schema.get("$defs", {}), True)


def max_controls(spec: Spec) -> int:
    """How many form fields a full form can submit (for the form parser's limit)."""
    total = 0
    for child in spec.children:
        if child.kind == "object":
            total += max_controls(child)
        elif child.kind == "list" and child.item is not None:
            total += 1 + (child.max_items or 200) * max_controls(child.item)
        elif child.kind == "enum_list":
            total += len(child.options)
        else:
            total += 1
    return total


@lru_cache(maxsize=1)
def context_spec() -> Spec:
    """The form spec of ProjectContext."""
    return spec_from_model(ProjectContext)


# ---------------------------------------------------------------------- raw tree


def default_raw(spec: Spec | None = None) -> dict[str, Any]:
    """The raw tree of an empty form: defaults filled in, one item per required list."""
    spec = spec or context_spec()
    raw: dict[str, Any] = {}
    for child in spec.children:
        raw[child.name] = _default_raw_value(child)
    return raw


def _default_raw_value(spec: Spec) -> Any:
    if spec.kind == "object":
        return default_raw(spec)
    if spec.kind == "list":
        return [default_raw(spec.item) for _ in range(max(spec.min_items or 0, 1))]
    if spec.kind == "enum_list":
        return [str(v) for v in (spec.default or [])]
    return _scalar_to_raw(spec, spec.default) if spec.has_default else ""


def _scalar_to_raw(spec: Spec, value: Any) -> str:
    if value is None:
        return ""
    if spec.kind == "bool":
        return value if value in spec.options else "true" if value else "false"
    if spec.kind == "map":
        return dump_map(value) if isinstance(value, dict) else ""
    if spec.kind == "string_list":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else ""
    if spec.kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def raw_from_context(context: Mapping[str, Any], spec: Spec | None = None) -> dict[str, Any]:
    """The raw tree for a context (to prefill the form from an example or a logged decision)."""
    spec = spec or context_spec()
    raw: dict[str, Any] = {}
    for child in spec.children:
        value = context.get(child.name) if isinstance(context, Mapping) else None
        if child.kind == "object":
            raw[child.name] = raw_from_context(value if isinstance(value, Mapping) else {}, child)
        elif child.kind == "list":
            items = value if isinstance(value, list) else []
            raw[child.name] = [raw_from_context(v if isinstance(v, Mapping) else {}, child.item) for v in items]
        elif child.kind == "enum_list":
            raw[child.name] = [str(v) for v in value] if isinstance(value, list) else []
        elif value is None and child.name not in (context or {}):
            raw[child.name] = _default_raw_value(child)
        else:
            raw[child.name] = _scalar_to_raw(child, value)
    return raw


def dump_map(value: Mapping[str, Any]) -> str:
    lines = []
    for k, v in value.items():
        text = str(v).replace("\r\n", "\n").replace("\n", "\n  ")
        lines.append(f"{k}: {text}")
    return "\n".join(lines)


def parse_map(text: str) -> tuple[dict[str, str], list[str]]:
    """'key: value' lines; a line starting with a space continues the value above."""
    out: dict[str, str] = {}
    errors: list[str] = []
    last: str | None = None
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        if line[:1] in (" ", "\t") and last is not None:
            out[last] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            errors.append(f"line {number}: write 'key: value'")
            continue
        last = key.strip()
        out[last] = value.strip()
    return out, errors


def raw_from_form(form: Mapping[str, Any], spec: Spec | None = None, prefix: str = "") -> dict[str, Any]:
    """The raw tree from submitted form data (a starlette FormData or a plain dict)."""
    spec = spec or context_spec()
    raw: dict[str, Any] = {}
    for child in spec.children:
        path = f"{prefix}.{child.name}" if prefix else child.name
        if child.kind == "object":
            raw[child.name] = raw_from_form(form, child, path)
        elif child.kind == "list":
            count = _count(form, path, child)
            raw[child.name] = [raw_from_form(form, child.item, f"{path}[{i}]") for i in range(count)]
        elif child.kind == "enum_list":
            raw[child.name] = _getlist(form, path)
        elif child.kind == "bool" and not child.nullable and child.has_default and not child.options:
            raw[child.name] = "true" if _get(form, path) else "false"   # a checkbox
        else:
            raw[child.name] = _get(form, path)
    return raw


def _get(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _getlist(form: Any, name: str) -> list[str]:
    if hasattr(form, "getlist"):
        return [v for v in form.getlist(name) if isinstance(v, str)]
    value = form.get(name)
    return value if isinstance(value, list) else ([value] if isinstance(value, str) else [])


def _count(form: Mapping[str, Any], path: str, spec: Spec) -> int:
    try:
        count = int(_get(form, path + COUNT_SUFFIX))
    except ValueError:
        # no counter: count the indices that were submitted
        pattern = re.compile(re.escape(path) + r"\[(\d+)\]")
        indices = [int(m.group(1)) for key in form.keys() if (m := pattern.match(key))]
        count = max(indices) + 1 if indices else 0
    return max(0, min(count, spec.max_items or 1000))


def apply_action(raw: dict[str, Any], action: str, spec: Spec | None = None) -> str | None:
    """Apply an add/remove button to the raw tree; return the anchor to show, or None."""
    spec = spec or context_spec()
    parts = action.split(":")
    if parts[0] not in (ACTION_ADD, ACTION_REMOVE) or len(parts) < 2:
        return None
    target = next((c for c in spec.children if c.name == parts[1] and c.kind == "list"), None)
    if target is None:
        return None
    items: list = raw.setdefault(target.name, [])
    if parts[0] == ACTION_ADD:
        if target.max_items is None or len(items) < target.max_items:
            items.append(default_raw(target.item))
        return field_id(f"{target.name}[{len(items) - 1}]")
    try:
        index = int(parts[2])
    except (IndexError, ValueError):
        return None
    if 0 <= index < len(items):
        items.pop(index)
    return field_id(target.name)


# ------------------------------------------------------------ raw tree -> context


def context_from_raw(raw: Mapping[str, Any], spec: Spec | None = None,
                     prefix: str = "") -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The typed context dict, and errors found before the engine sees it.

    Empty optional fields are left out (so defaults apply and optional fields
    stay absent); empty required ones are left out too, so the engine reports
    them as "field required" at their path.
    """
    spec = spec or context_spec()
    out: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for child in spec.children:
        path = f"{prefix}.{child.name}" if prefix else child.name
        value = raw.get(child.name)
        if child.kind == "object":
            sub, errs = context_from_raw(value if isinstance(value, Mapping) else {}, child, path)
            out[child.name] = sub
            errors += errs
        elif child.kind == "list":
            items = []
            given = value if isinstance(value, list) else []
            if not child.required:      # the blank row an optional list is shown with means "none"
                given = [item for item in given if not _blank(item)]
            for i, item in enumerate(given):
                sub, errs = context_from_raw(item if isinstance(item, Mapping) else {}, child.item, f"{path}[{i}]")
                items.append(sub)
                errors += errs
            out[child.name] = items
        elif child.kind == "enum_list":
            if value or child.required:     # an optional list left empty stays absent: its default applies
                out[child.name] = list(value or [])
        else:
            converted, error = _convert(child, value if isinstance(value, str) else "")
            if error:
                errors.append({"field": path, "message": error, "type": "form"})
            elif converted is not _OMIT:
                out[child.name] = converted
    return out, errors


def _blank(raw: Any) -> bool:
    """True for a form row the user left untouched: every field empty."""
    if isinstance(raw, Mapping):
        return all(_blank(v) for v in raw.values())
    if isinstance(raw, list):
        return all(_blank(v) for v in raw)
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


class _Omit:
    pass


_OMIT = _Omit()


def _convert(spec: Spec, text: str) -> tuple[Any, str | None]:
    if text.strip() == "" and spec.nullable and spec.required and not spec.has_default:
        return None, None                 # a required key whose value may be null: "not stated" is null
    if spec.kind == "string":
        if text.strip() == "" and (spec.nullable or spec.has_default):
            return _OMIT, None
        return text, None
    if text.strip() == "":
        return _OMIT, None
    if spec.kind == "bool":
        if text in ("true", "false"):
            return text == "true", None
        if text in spec.options:
            return text, None
        return _OMIT, "choose yes or no" + (" or don't know yet" if spec.options else "")
    if spec.kind == "enum":
        return text, None
    if spec.kind in ("integer", "number"):
        try:
            return (int(text) if spec.kind == "integer" else float(text)), None
        except ValueError:
            return _OMIT, f"enter a{'' if spec.kind == 'number' else 'n'} {'whole ' if spec.kind == 'integer' else ''}number"
    if spec.kind == "map":
        value, errs = parse_map(text)
        return (_OMIT, "; ".join(errs)) if errs else (value, None)
    if spec.kind == "string_list":
        return [line.strip() for line in text.splitlines() if line.strip()], None
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return _OMIT, f"invalid JSON: {exc.msg}"


# ----------------------------------------------------------------- form to render


# a list's item as the form names it ("Stakeholder 3"), by the schema's title of the item
_ITEM_TITLES = {"Stakeholder": N_("Stakeholder %(number)s"), "CoProduction": N_("Co-production %(number)s")}


def item_title(item_label: str | None, number: int) -> str:
    title = _ITEM_TITLES.get(item_label or "")
    return _(title) % {"number": number} if title else f"{item_label} {number}"


def field_id(path: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")


def html_pattern(pattern: str | None) -> str | None:
    """A schema regex usable in an HTML pattern attribute (which compiles with the `v` flag).

    In `v` mode a literal '-' at either end of a class must be escaped.
    """
    if not pattern:
        return None
    out = []
    in_class = False
    escaped = False
    for i, ch in enumerate(pattern):
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            out.append(ch)
            escaped = True
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == "-" and in_class and (pattern[i - 1] == "[" or pattern[i + 1:i + 2] == "]"):
            out.append("\\-")
            continue
        out.append(ch)
    return "".join(out)


@dataclass
class Field:
    """One control, ready for the template."""

    path: str
    id: str
    spec: Spec
    widget: str          # text | textarea | select | radio | checkbox | checkboxes | number
    value: Any
    errors: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)   # (value, label)
    in_optional_row: bool = False   # in a row of an optional list, which may be left blank as a whole

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def description(self) -> str | None:
        return self.spec.description

    @property
    def required(self) -> bool:
        """Marked and enforced by the browser as required. Not in an optional list's row: a blank row means
        none (context_from_raw drops it), and the server names a half-filled row's missing fields."""
        return self.spec.required and not self.spec.nullable and not self.in_optional_row

    @property
    def pattern(self) -> str | None:
        return html_pattern(self.spec.pattern)

    @property
    def described_by(self) -> str:
        ids = []
        if self.description:
            ids.append(self.id + "-hint")
        if self.errors:
            ids.append(self.id + "-error")
        return " ".join(ids)


@dataclass
class Group:
    """A fieldset: a section, a list item, or a list (with its items in `items`)."""

    path: str
    id: str
    title: str
    description: str | None
    kind: str                               # section | item | list
    fields: list[Any] = field(default_factory=list)   # Field | Group (nested)
    items: list["Group"] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    index: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    item_label: str | None = None
    list_name: str | None = None

    @property
    def can_add(self) -> bool:
        return self.max_items is None or len(self.items) < self.max_items

    @property
    def can_remove(self) -> bool:
        return len(self.items) > (self.min_items or 0)


@dataclass
class Form:
    sections: list[Group]
    errors: list[dict[str, str]]            # every error: field path, message, anchor id
    unplaced: list[str]                     # errors with no field of their own

    def all_fields(self) -> list[Field]:
        out: list[Field] = []

        def walk(group: Group) -> None:
            for f in group.fields:
                if isinstance(f, Group):
                    walk(f)
                else:
                    out.append(f)
            for item in group.items:
                walk(item)
        for s in self.sections:
            walk(s)
        return out


def _make_field(spec: Spec, path: str, value: Any, in_optional_row: bool = False) -> Field:
    f = Field(path=path, id=field_id(path), spec=spec, widget="text", value=value, in_optional_row=in_optional_row)
    if spec.kind == "enum":
        f.widget = "select"
        f.choices = [(str(o), option_label(o)) for o in spec.options]
    elif spec.kind == "bool":
        if spec.has_default and not spec.nullable and not spec.options:
            f.widget = "checkbox"
        else:
            f.widget = "radio"
            f.choices = [("true", "Yes"), ("false", "No")] + [(o, UNKNOWN_LABEL) for o in spec.options]
            if spec.nullable:
                f.choices.append(("", "Not stated"))
    elif spec.kind in ("integer", "number"):
        f.widget = "number"
    elif spec.kind in ("map", "string_list", "json"):
        f.widget = "textarea"
    elif spec.kind == "enum_list":
        f.widget = "checkboxes"
        f.choices = [(str(o), option_label(o)) for o in spec.options]
    elif spec.kind == "string" and (spec.max_length or 0) > 200:
        f.widget = "textarea"
    return f


def _group(spec: Spec, raw: Mapping[str, Any], path: str, title: str, kind: str,
           index: int | None = None, optional: bool = False) -> Group:
    group = Group(path=path, id=field_id(path) if path else "f-form", title=title,
                  description=spec.description, kind=kind, index=index)
    for child in spec.children:
        cpath = f"{path}.{child.name}" if path else child.name
        value = raw.get(child.name) if isinstance(raw, Mapping) else None
        if child.kind == "object":
            group.fields.append(_group(child, value or {}, cpath, child.label, "section", optional=optional))
        elif child.kind == "list":
            group.fields.append(_list_group(child, value or [], cpath, optional))
        else:
            group.fields.append(_make_field(child, cpath, value if value is not None else "", optional))
    return group


def _list_group(spec: Spec, items: list, path: str, optional: bool = False) -> Group:
    group = Group(path=path, id=field_id(path), title=spec.label, description=spec.description, kind="list",
                  min_items=spec.min_items, max_items=spec.max_items, item_label=spec.item_label,
                  list_name=spec.name)
    for i, item in enumerate(items):
        assert spec.item is not None
        group.items.append(_group(spec.item, item, f"{path}[{i}]", item_title(spec.item_label, i + 1), "item", i,
                                  optional=optional or not spec.required))
    return group


def build_form(raw: Mapping[str, Any] | None = None, errors: list[dict[str, Any]] | None = None,
               spec: Spec | None = None) -> Form:
    """The form to render: every section, with values and errors placed."""
    spec = spec or context_spec()
    raw = raw if raw is not None else default_raw(spec)
    sections: list[Group] = []
    for child in spec.children:
        value = raw.get(child.name)
        if child.kind == "object":
            sections.append(_group(child, value or {}, child.name, child.label, "section"))
        elif child.kind == "list":
            sections.append(_list_group(child, value or [], child.name))
        else:
            # a top-level scalar (e.g. notes) gets a section of its own
            section = Group(path="", id=field_id(child.name) + "-section", title=child.label, description=None,
                            kind="section")
            section.fields.append(_make_field(child, child.name, value if value is not None else ""))
            sections.append(section)
    form = Form(sections=sections, errors=[], unplaced=[])
    _place_errors(form, errors or [])
    return form


def _place_errors(form: Form, errors: list[dict[str, Any]]) -> None:
    targets: dict[str, tuple[Any, str]] = {}     # path -> (field or group, readable place)

    def walk(group: Group, trail: list[str]) -> None:
        here = trail + [group.title] if group.title else trail
        if group.path:
            targets[group.path] = (group, " › ".join(here))
        for f in group.fields:
            if isinstance(f, Group):
                walk(f, here)
            else:
                targets[f.path] = (f, " › ".join(here + ([f.label] if here[-1:] != [f.label] else [])))
        for item in group.items:
            walk(item, [t for t in here if t != group.title] if group.kind == "list" else here)
    for section in form.sections:
        walk(section, [])
    for err in errors:
        path = str(err.get("field") or "")
        message = str(err.get("message") or "invalid")
        found = None
        probe = path
        while probe:
            if probe in targets:
                found = targets[probe]
                break
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        if found is None:
            form.unplaced.append(f"{path}: {message}" if path else message)
            form.errors.append({"field": path, "message": message, "anchor": "form-errors", "where": path})
            continue
        target, where = found
        shown = message if target.path == path else f"{path[len(target.path):].lstrip('.')}: {message}"
        target.errors.append(shown)
        form.errors.append({"field": path, "message": message, "anchor": target.id, "where": where})


def parse_submission(form: Mapping[str, Any], spec: Spec | None = None) -> tuple[dict[str, Any], str]:
    """(raw tree, action) from a submitted form."""
    raw = raw_from_form(form, spec)
    action = _get(form, "action") or ACTION_EVALUATE
    return raw, action
