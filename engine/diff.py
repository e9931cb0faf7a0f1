"""Recommendations as sets of items, and the difference between two of them.

One vocabulary of item keys serves every comparison cogov makes (what-if,
replay, impact of a rule change) and names what a why-not question asks about:

    approach                      value: the approach code
    participant:<stakeholder>     value: "<role>@<iap2 level>", "excluded" or "none"
    recruitment:<stakeholder>     value: how the group's people are selected (participating groups)
    mode:<stakeholder>            value: how they take part (participating groups)
    technique:<code>              recommended technique; value: its tier, "core" or "extra" (the plan sized
                                  to the team's capacity; "yes" in recommendations made before tiers)
    avoided_technique:<code>      technique advised against
    arrangement:<code>            governance arrangement
    skill:<code>                  value: "needed" or "lacking"
    warning:<code>
    gap:<text>                    something the rule base left undecided

Each item carries the rules that produced it (`because`), so a difference can
name the rules on both sides. Works on the JSON form of a Recommendation (what
the engine returns and the log stores), so stored decisions compare directly.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

KINDS = ("approach", "participant", "recruitment", "mode", "technique", "avoided_technique", "arrangement", "skill",
         "warning", "gap")


class ItemValue(BaseModel):
    """One item of a recommendation: its value and the rules behind it."""

    model_config = ConfigDict(frozen=True)

    value: str
    rules: tuple[str, ...] = ()


class Change(BaseModel):
    """One item that differs: added, removed, or present in both with another value."""

    model_config = ConfigDict(extra="forbid")

    item: str
    kind: Literal["added", "removed", "changed"]
    old: str | None = None
    new: str | None = None
    old_rules: list[str] = Field(default_factory=list, description="Rules behind the old value.")
    new_rules: list[str] = Field(default_factory=list, description="Rules behind the new value.")

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.item}" + (f" = {self.new}" if self.new not in (None, "yes") else "")
        if self.kind == "removed":
            return f"- {self.item}" + (f" (was {self.old})" if self.old not in (None, "yes") else "")
        return f"~ {self.item}: {self.old} -> {self.new}"


class RecommendationDiff(BaseModel):
    """Every item that differs between two recommendations, approach first."""

    model_config = ConfigDict(extra="forbid")

    same: bool
    approach: Change | None = Field(None, description="Set when the approach differs.")
    changes: list[Change]

    def __str__(self) -> str:
        return "no difference" if self.same else "\n".join(str(c) for c in self.changes)


def _rules(because: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(b["rule"] for b in because or ()))


def items(rec: Mapping[str, Any]) -> dict[str, ItemValue]:
    """The recommendation as {item key: value with rules}, in a stable order."""
    out: dict[str, ItemValue] = {}
    approach = rec.get("approach") or {}
    if approach.get("code"):
        out["approach"] = ItemValue(value=approach["code"], rules=_rules(approach.get("because")))
    for p in rec.get("participants") or ():
        if p.get("excluded"):
            value = "excluded"
        elif p.get("role") or p.get("iap2_level"):
            value = f"{p.get('role')}@{p.get('iap2_level')}"
        else:
            value = "none"
        out[f"participant:{p['stakeholder']}"] = ItemValue(value=value, rules=_rules(p.get("because")))
        for kind in ("recruitment", "mode"):
            choice = p.get(kind)
            if choice:
                out[f"{kind}:{p['stakeholder']}"] = ItemValue(value=choice["code"], rules=_rules(choice["because"]))
    for t in rec.get("techniques") or ():
        out[f"technique:{t['code']}"] = ItemValue(value=t.get("tier", "yes"), rules=_rules(t.get("because")))
    for section, kind in (("avoided_techniques", "avoided_technique"),
                          ("governance", "arrangement"), ("warnings", "warning")):
        for it in rec.get(section) or ():
            out[f"{kind}:{it['code']}"] = ItemValue(value="yes", rules=_rules(it.get("because")))
    for s in rec.get("skills") or ():
        rules = _rules([*(s.get("because") or ()), *(s.get("lacking_because") or ())])
        out[f"skill:{s['code']}"] = ItemValue(value="lacking" if s.get("lacking") else "needed", rules=rules)
    for gap in rec.get("gaps") or ():
        out[f"gap:{gap}"] = ItemValue(value="yes")
    return out


def _order(key: str) -> tuple[int, str]:
    kind = key.split(":", 1)[0]
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), key)


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> RecommendationDiff:
    """What changed from `old` to `new` (both JSON recommendations), item by item."""
    a, b = items(old), items(new)
    changes: list[Change] = []
    for key in sorted(a.keys() | b.keys(), key=_order):
        x, y = a.get(key), b.get(key)
        if x is not None and y is not None and x.value == y.value:
            continue
        kind = "added" if x is None else "removed" if y is None else "changed"
        changes.append(Change(item=key, kind=kind, old=x.value if x else None, new=y.value if y else None,
                              old_rules=list(x.rules) if x else [], new_rules=list(y.rules) if y else []))
    approach = next((c for c in changes if c.item == "approach"), None)
    return RecommendationDiff(same=not changes, approach=approach, changes=changes)
