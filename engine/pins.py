"""Pinned recommendations: the whole of a recommendation an author reviews, and what changed in it.

The six pilots' scenarios check that their recommendation is *exactly* the one pinned in a readable file
(features/expected/<pilot>.yaml), so that an extra or a missing item fails, not only a missing one. A pin
holds what a manager reads, each item with its reasons (rule ids, sorted; `rule for group` when the rule
fired for a stakeholder group other than the item's own): the approach and why the others were eliminated,
every participant's role, IAP2 level, recruitment and mode, every technique (core or extra) and avoided
technique, arrangement, skill (and whether it is lacking), warning, the plan's bounds, unknown answers and
gaps. Labels, messages, firing numbers and the order of items are left out: they are not decisions.

The stable API (also for other checks that compare recommendations in process, e.g. a rule-mutation check):

- ``pinned_view(recommendation) -> dict``: the pinned view of one recommendation (the engine's JSON dict);
  both backends give the same view for the same context.
- ``compare(expected, actual) -> list[Difference]``: what differs between two pinned views; empty when
  they are the same. Each Difference has ``path``, ``kind`` ("extra", "missing" or "changed"), ``pinned``,
  ``actual`` and ``in_list``; ``str(difference)`` says it in words.
- ``describe(differences) -> str``: the differences as lines of words, for a review or a failing scenario.
- ``pin_text(context, view) -> str`` and ``parse_pin(text, source) -> Pin``: a pin file's text and back
  (a PinError names the file and line of anything malformed).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import PinError, YamlError
from .yamlsource import parse_yaml

# The sections of a pinned view, in the order a pin file lists them, and what one item of each is called.
SECTIONS = {
    "approach": "the approach",
    "participants": "participant",
    "techniques": "technique",
    "avoided techniques": "avoided technique",
    "arrangements": "arrangement",
    "skills": "skill",
    "warnings": "warning",
    "plan bounds": "plan bound",
    "unknown answers": "unknown answer",
    "gaps": "gap",
}
# Words for the fields inside an item (the rest are said as they are written).
FIELD_WORDS = {
    "because": "reason", "lacking because": "reason it is lacking", "overrides": "overridden recommendation",
    "level": "IAP2 level", "eliminated": "eliminated approach", "at most": "bound",
    "changes approach": "changes the approach", "approaches": "approach under each answer",
}
# What an item that appears or goes is (now ..., no longer ...).
STATES = {
    "participants": "in the recommendation", "techniques": "recommended", "avoided techniques": "avoided",
    "arrangements": "recommended", "skills": "needed", "warnings": "given", "eliminated": "eliminated",
    "plan bounds": "set", "unknown answers": "unknown",
}

HEADER = """\
# The pinned recommendation of the context {context} (relative to this file).
# A scenario checks that cogov recommends exactly this (an extra or a missing item fails): see the
# step 'the recommendation is exactly as pinned in "NAME"' in features/STEPS.md.
# After an intended change of the rules, `cogov rules pin` rewrites this file and prints the
# difference for review; `cogov rules pin --check` only shows it. Do not edit it by hand.
"""


# ---------------------------------------------------------------- the view

def _reasons(because: list[dict] | None, own: str | None = None) -> list[str]:
    """Distinct rule ids, sorted; `rule for group` when the rule fired for a group other than `own`."""
    out = set()
    for b in because or ():
        subject = b.get("subject")
        out.add(b["rule"] if subject in (None, own) else f"{b['rule']} for {subject}")
    return sorted(out)


def _choice(choice: dict | None, own: str) -> dict | None:
    if not choice:
        return None
    if choice.get("via", "rule") == "rule":
        return {"code": choice["code"], "because": _reasons(choice.get("because"), own)}
    return {"code": choice["code"], "via": choice["via"]}


def _participant(p: dict) -> dict:
    own = p["stakeholder"]
    out: dict[str, Any] = {"role": p.get("role"), "level": p.get("iap2_level")}
    if p.get("excluded"):
        out["excluded"] = p.get("reason") or True
    out["because"] = _reasons(p.get("because"), own)
    for key in ("recruitment", "mode"):
        choice = _choice(p.get(key), own)
        if choice is not None:
            out[key] = choice
    return out


def _skill(s: dict) -> dict:
    out: dict[str, Any] = {"because": _reasons(s.get("because")), "lacking": bool(s.get("lacking"))}
    if s.get("lacking_because"):
        out["lacking because"] = _reasons(s["lacking_because"])
    return out


def _unknown(u: dict) -> dict:
    return {"assumed": u.get("assumed"), "changes approach": bool(u.get("changes_approach")),
            "approaches": dict(sorted((u.get("approaches") or {}).items())), "first": bool(u.get("first"))}


def pinned_view(rec: dict[str, Any]) -> dict[str, Any]:
    """The pinned view of a recommendation (the engine's JSON answer): plain data, every key a readable word,
    every list of reasons sorted, items keyed by their code (participants by their group's id) and sorted,
    so that the same recommendation always gives the same view and its text."""
    a = rec["approach"]
    approach: dict[str, Any] = {"code": a["code"], "because": _reasons(a.get("because"))}
    if a.get("constraints"):
        approach["constraints"] = a["constraints"]
    approach["eliminated"] = {e["code"]: _reasons(e.get("because"))
                              for e in sorted(a.get("eliminated") or (), key=lambda e: e["code"])}

    def by_code(items: list[dict], make) -> dict[str, Any]:
        return {i["code"]: make(i) for i in sorted(items or (), key=lambda i: i["code"])}

    plan = rec.get("plan") or {}
    return {
        "approach": approach,
        "participants": {p["stakeholder"]: _participant(p)
                         for p in sorted(rec.get("participants") or (), key=lambda p: p["stakeholder"])},
        "techniques": by_code(rec.get("techniques"),
                              lambda t: {"tier": t.get("tier", "core"), "because": _reasons(t.get("because"))}),
        "avoided techniques": by_code(rec.get("avoided_techniques"),
                                      lambda t: {"because": _reasons(t.get("because")),
                                                 "overrides": _reasons(t.get("overrides"))}),
        "arrangements": by_code(rec.get("governance"), lambda g: _reasons(g.get("because"))),
        "skills": by_code(rec.get("skills"), _skill),
        "warnings": by_code(rec.get("warnings"), lambda w: _reasons(w.get("because"))),
        "plan bounds": {b["bound"]: {"at most": b["value"], "because": _reasons(b.get("because"))}
                        for b in sorted(plan.get("bounds") or (), key=lambda b: b["bound"])},
        "unknown answers": {u["field"]: _unknown(u)
                            for u in sorted(rec.get("unknowns") or (), key=lambda u: u["field"])},
        "gaps": sorted(rec.get("gaps") or ()),
    }


# ---------------------------------------------------------------- comparing

@dataclass(frozen=True)
class Difference:
    """One difference between a pinned view and an actual one.

    path: the keys down to the differing value (section, item, field...); kind: "extra" (in the actual view,
    not pinned), "missing" (pinned, not in the actual view) or "changed" (both, different values); pinned and
    actual: the values on each side (None on the side that lacks it); in_list: the value is one element of a
    list (a reason, a gap) rather than the value of a key."""

    path: tuple[str, ...]
    kind: str
    pinned: Any = None
    actual: Any = None
    in_list: bool = False

    def __str__(self) -> str:
        return _words(self)


def compare(expected: Any, actual: Any, path: tuple[str, ...] = ()) -> list[Difference]:
    """Every difference between two pinned views (or parts of them): keys and list elements that are extra
    or missing, values that changed. Order does not matter; the result is sorted by path."""
    out: list[Difference] = []
    if _choice_changed(expected, actual):
        out.append(Difference(path, "changed", pinned=expected, actual=actual))
    elif isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key not in actual:
                out.append(Difference(path + (key,), "missing", pinned=expected[key]))
            else:
                out.extend(compare(expected[key], actual[key], path + (key,)))
        out.extend(Difference(path + (key,), "extra", actual=actual[key]) for key in actual if key not in expected)
    elif isinstance(expected, list) and isinstance(actual, list) and _hashable(expected) and _hashable(actual):
        out.extend(Difference(path, "missing", pinned=v, in_list=True) for v in expected if v not in actual)
        out.extend(Difference(path, "extra", actual=v, in_list=True) for v in actual if v not in expected)
    elif expected != actual:
        out.append(Difference(path, "changed", pinned=expected, actual=actual))
    return out if path else sorted(out, key=_order)


def _choice_changed(expected: Any, actual: Any) -> bool:
    """A coded choice (a recruitment or a mode: code plus its reasons or where it comes from) that is now
    another choice is one change, not one per field."""
    flat = all(isinstance(x, dict) and "code" in x and not any(isinstance(v, dict) for v in x.values())
               for x in (expected, actual))
    return flat and (expected["code"] != actual["code"] or expected.get("via") != actual.get("via"))


def _hashable(values: list) -> bool:
    return all(isinstance(v, (str, int, float, bool)) or v is None for v in values)


def _order(d: Difference) -> tuple:
    section = list(SECTIONS).index(d.path[0]) if d.path and d.path[0] in SECTIONS else len(SECTIONS)
    return (section, tuple(str(p) for p in d.path[1:]), d.kind, str(d.pinned), str(d.actual))


# ---------------------------------------------------------------- in words

def _show(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "none"
    if isinstance(value, dict):
        if "code" in value and ("because" in value or "via" in value) and len(value) <= 3:
            return _choice_words(value)
        return "; ".join(f"{_field(k)} {_show(v)}" for k, v in value.items()) if value else "nothing"
    return str(value)


def _because(rules: Any) -> str:
    return f"because of {_show(rules)}" if rules else "because of no rule"


def _choice_words(choice: dict) -> str:
    if "via" in choice:
        return f"{choice['code']} (as its {'IAP2 level' if choice['via'] == 'level' else choice['via']} says)"
    return f"{choice['code']} ({_because(choice.get('because'))})"


def _item_words(section: str, value: Any) -> str:
    """A whole item of a section, in words (an item that appeared or went)."""
    if isinstance(value, list):                               # arrangements, warnings, eliminated approaches
        return _because(value)
    if not isinstance(value, dict):
        return _show(value)
    if section == "participants":
        if value.get("role") is None:
            said = "given no role"
        else:
            said = f"{value['role']} at level {value.get('level')}"
        if value.get("excluded"):
            said += f", excluded ({_show(value['excluded'])})"
        said += f", {_because(value.get('because'))}"
        for key, verb in (("recruitment", "selected by"), ("mode", "takes part by")):
            if isinstance(value.get(key), dict):
                said += f"; {verb} {_choice_words(value[key])}"
        return said
    if section == "techniques":
        return f"{value.get('tier')}, {_because(value.get('because'))}"
    if section == "avoided techniques":
        over = value.get("overrides")
        return _because(value.get("because")) + (f", overriding {_show(over)}" if over else "")
    if section == "skills":
        said = _because(value.get("because"))
        return said + (f"; lacking {_because(value['lacking because'])}" if value.get("lacking") else "")
    if section == "plan bounds":
        return f"at most {_show(value.get('at most'))}, {_because(value.get('because'))}"
    return _show(value)


def _field(key: str) -> str:
    return FIELD_WORDS.get(key, key)


def _subject(path: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """What a path is about, in words, and the rest of the path (the field inside it)."""
    if not path:
        return "the recommendation", ()
    section, rest = path[0], path[1:]
    if section == "approach":
        if rest[:1] == ("eliminated",) and len(rest) >= 2:
            return f"eliminated approach {rest[1]}", rest[2:]
        return "the approach", rest
    noun = SECTIONS.get(section, section)
    if section == "gaps" or not rest:
        return noun if section in SECTIONS else section, ()
    return f"{noun} {rest[0]}", rest[1:]


def _words(d: Difference) -> str:
    subject, rest = _subject(d.path)
    section = d.path[0] if d.path else ""
    if d.in_list:
        what = "gap" if section == "gaps" else " ".join(_field(r) for r in rest) if rest else "item"
        value = f'"{d.actual if d.kind == "extra" else d.pinned}"' if section == "gaps" else \
            _show(d.actual if d.kind == "extra" else d.pinned)
        if d.kind == "extra":
            return f"+ {subject}: a new {what} {value}, not pinned" if section != "gaps" else \
                f"+ a new gap {value}, not pinned"
        return f"- {subject}: the pinned {what} {value} is no longer one" if section != "gaps" else \
            f"- the pinned gap {value} is no longer there"
    if not rest:                             # a whole item (or section) appeared or went
        kind = "eliminated" if subject.startswith("eliminated approach") else section
        state = STATES.get(kind, "there")
        if d.kind == "extra":
            return f"+ {subject}: now {state} ({_item_words(kind, d.actual)}), not pinned"
        if d.kind == "missing":
            return f"- {subject}: pinned ({_item_words(kind, d.pinned)}), no longer {state}"
        return f"~ {subject}: is now {_item_words(kind, d.actual)}, pinned {_item_words(kind, d.pinned)}"
    field = " ".join(_field(r) for r in rest)
    if d.kind == "extra":
        return f"+ {subject}: {field} {_show(d.actual)}, not pinned"
    if d.kind == "missing":
        return f"- {subject}: the pinned {field} {_show(d.pinned)} is no longer there"
    return f"~ {subject}: {field} is now {_show(d.actual)}, pinned {_show(d.pinned)}"


def describe(differences: list[Difference]) -> str:
    """The differences in words, one a line ('+' not pinned, '-' pinned but gone, '~' changed)."""
    if not differences:
        return "no difference"
    return "\n".join(str(d) for d in differences)


# ---------------------------------------------------------------- pin files

@dataclass(frozen=True)
class Pin:
    """A pin file: the context it was made for (a path, relative to the pin file) and its pinned view."""

    context: str
    view: dict[str, Any]


_PLAIN = re.compile(r"^[A-Za-z_.][\w.\-/]*(?: [\w.\-/]+)*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
WIDTH = 110


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)       # a JSON string is a YAML double-quoted scalar


def _flow(value: Any) -> str | None:
    """`value` on one line, when it is a scalar, a list of scalars or a mapping of those; else None."""
    if isinstance(value, list):
        if not _hashable(value):
            return None
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            inner = _flow(v)
            if inner is None or isinstance(v, dict):
                return None
            parts.append(f"{_scalar(k)}: {inner}")
        return "{" + ", ".join(parts) + "}"
    return _scalar(value)


def _block(value: dict, indent: int) -> list[str]:
    lines = []
    pad = "  " * indent
    for key, v in value.items():
        head = f"{pad}{_scalar(key)}:"
        flow = _flow(v)
        if flow is not None and (not isinstance(v, (dict, list)) or not v or len(head) + 1 + len(flow) <= WIDTH):
            lines.append(f"{head} {flow}")
        elif isinstance(v, dict):
            lines.append(head)
            lines.extend(_block(v, indent + 1))
        else:
            lines.append(head)
            lines.extend(f"{pad}  - {_flow(item) or json.dumps(item, ensure_ascii=False)}" for item in v)
    return lines


def pin_text(context: str, view: dict[str, Any]) -> str:
    """The text of a pin file: a header saying what it is and how to update it, the context's path, the view.
    The same view always gives the same text (a changed file is a changed recommendation)."""
    body = _block({"context": context, "recommendation": view}, 0)
    return HEADER.format(context=context) + "\n".join(body) + "\n"


def parse_pin(text: str, source: str = "pin") -> Pin:
    """A pin file's text read back; PinError (naming `source` and the line) when it is not one."""
    try:
        located = parse_yaml(text)
    except YamlError as exc:
        raise PinError(f"{source}{':' + str(exc.line) if exc.line else ''}: {exc.message}", file=source,
                       line=exc.line) from None
    data = located.data
    if not isinstance(data, dict):
        raise PinError(f"{source}: a pin file holds `context:` and `recommendation:`", file=source, line=1)
    unknown = [k for k in data if k not in ("context", "recommendation")]
    if unknown:
        line = located.line_of((unknown[0],))
        raise PinError(f"{source}:{line}: unknown key {unknown[0]!r}: a pin file holds `context:` and "
                       "`recommendation:` only", file=source, line=line)
    if not isinstance(data.get("context"), str) or not data["context"]:
        raise PinError(f"{source}: `context:` must name the context file the pin was made for", file=source,
                       line=located.line_of(("context",)))
    view = data.get("recommendation")
    if not isinstance(view, dict):
        raise PinError(f"{source}: `recommendation:` must hold the pinned recommendation", file=source,
                       line=located.line_of(("recommendation",)))
    missing = [s for s in SECTIONS if s not in view]
    extra = [s for s in view if s not in SECTIONS]
    if missing or extra:
        where = located.line_of(("recommendation", extra[0])) if extra else located.line_of(("recommendation",))
        said = "; ".join(filter(None, [f"missing section(s) {', '.join(missing)}" if missing else "",
                                       f"unknown section(s) {', '.join(extra)}" if extra else ""]))
        raise PinError(f"{source}:{where}: {said} (a pin holds {', '.join(SECTIONS)})", file=source, line=where)
    return Pin(context=data["context"], view=view)
