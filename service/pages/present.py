"""Presentation helpers shared by the pages: labels, values, explanation trees."""
from __future__ import annotations

from typing import Any, Mapping

from engine.words import Words

from .forms import Spec, context_spec, humanize

# how rule authors name stakeholder fields in conditions and matched values
SUBJECT_PREFIX = "stakeholder"


def _leaf_specs() -> dict[str, Spec]:
    """'decision.quality_requirement' and 'stakeholder.power' -> field spec."""
    out: dict[str, Spec] = {}
    for section in context_spec().children:
        if section.kind == "object":
            for child in section.children:
                out[f"{section.name}.{child.name}"] = child
        elif section.kind == "list" and section.item is not None:
            singular = SUBJECT_PREFIX if section.name == "stakeholders" else section.name.rstrip("s")
            for child in section.item.children:
                out[f"{singular}.{child.name}"] = child
    return out


_LEAVES: dict[str, Spec] | None = None


def leaves() -> dict[str, Spec]:
    global _LEAVES
    if _LEAVES is None:
        _LEAVES = _leaf_specs()
    return _LEAVES


def answer_label(key: str) -> str:
    """A readable name for a fact path an explanation mentions."""
    spec = leaves().get(key)
    if spec is not None:
        section = key.split(".", 1)[0]
        return f"{humanize(section)}: {spec.label}"
    if key.startswith("derived."):
        return f"derived fact “{key.split('.', 1)[1].replace('_', ' ')}”"
    if key == "approach.code":
        return "chosen approach"
    if key == "approach.level":
        return "IAP2 level of the chosen approach"
    return key


def approach_label(code: str) -> str:
    from engine.approaches import BY_CODE

    approach = BY_CODE.get(code)
    return approach.label if approach else code


def answer_help(key: str) -> str | None:
    spec = leaves().get(key)
    return spec.description if spec is not None else None


def fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "(not given)"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value) or "(none)"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {fmt_value(v)}" for k, v in value.items())
    return str(value)


def firing_index(rec: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    firings = (rec.get("explanation") or {}).get("firings") or []
    return {int(f["seq"]): f for f in firings if isinstance(f, Mapping) and "seq" in f}


def stakeholder_names(rec: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> dict[str, str]:
    names: dict[str, str] = {}
    for s in (context or {}).get("stakeholders") or []:
        if isinstance(s, Mapping) and "id" in s:
            names[str(s["id"])] = str(s.get("name") or s["id"])
    for p in rec.get("participants") or []:
        names.setdefault(str(p.get("stakeholder")), str(p.get("name") or p.get("stakeholder")))
    return names


def context_sections(context: Mapping[str, Any], words: Words) -> list[dict[str, Any]]:
    """The context as received, laid out by the schema for the report (unknown keys kept), each field named and
    each answer said in the rule base's words in the reader's language (`words`): (label, key, shown, given)."""
    out: list[dict[str, Any]] = []
    spec = context_spec()
    known = set()

    def label(path: str, english: str) -> str:
        """The field's name in the reader's language (the rule base's translation of it); in English the
        schema's label, as the report has always said it."""
        return words.text(f"fields.{path}.label", english) if path in words.terms.fields else english

    def row(path: str, spec: Spec, value: Any) -> tuple[str, str, Any, bool]:
        given = isinstance(value, Mapping) and spec.name in value
        return (label(path, spec.label), spec.name, words.value(path, value.get(spec.name)) if given else None,
                given)

    for section in spec.children:
        known.add(section.name)
        value = context.get(section.name)
        title = label(section.name, section.label)
        if section.kind == "object":
            rows = [row(f"{section.name}.{c.name}", c, value) for c in section.children]
            extra = [(k, k, fmt_value(v), True) for k, v in (value or {}).items()
                     if isinstance(value, Mapping) and k not in {c.name for c in section.children}]
            out.append({"name": section.name, "title": title, "kind": "object", "rows": rows + extra})
        elif section.kind == "list":
            singular = SUBJECT_PREFIX if section.name == "stakeholders" else section.name.rstrip("s")
            items = []
            for item in value if isinstance(value, list) else []:
                if not isinstance(item, Mapping):
                    continue
                assert section.item is not None
                rows = [row(f"{singular}.{c.name}", c, item) for c in section.item.children
                        if c.name not in ("id", "name")]
                items.append({"id": item.get("id"), "name": item.get("name"), "rows": rows})
            out.append({"name": section.name, "title": title, "kind": "list", "members": items})
        elif section.kind == "map":
            out.append({"name": section.name, "title": title, "kind": "map",
                        "entries": list((value or {}).items()) if isinstance(value, Mapping) else []})
        else:
            out.append({"name": section.name, "title": title, "kind": "value",
                        "value": words.value(section.name, value)})
    for key, value in context.items():
        if key not in known:
            out.append({"name": key, "title": humanize(key), "kind": "value", "value": fmt_value(value)})
    return out
