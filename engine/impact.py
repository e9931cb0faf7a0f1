"""What a rule edit is, and which edits explain a changed recommendation.

Two questions behind replay and impact reports:

* `rulebase_diff(old, new)`: the rules added, removed or changed between two
  rule bases, compared as authored (`Rule.as_authored()`) without where they
  live (file, line) or what the loader computed (stratum), so moving a rule
  to another file or line is not an edit; plus catalogue entries added,
  removed or changed, and whether the surviving rules changed their relative
  order (rule order breaks ties in conflict resolution, so it is an edit too).
* `guard(old, new, edits)`: which stored decisions the edits cannot change,
  told from the stored recommendation's own explanation (see Guard).
* `attribute(change, edits, old_rec, new_rec)`: the edited rules responsible
  for one changed item of a recommendation (engine.diff vocabulary):
    "named"             edited rules among the rules behind the old or new value;
    "fired_differently" else edited rules that fired differently in the two
                        explanations (fired in one only, or on other subjects, or
                        concluding other things): they changed what later rules saw;
    "catalogue"         else catalogue entries edited that the item names;
    "indirect"          else none: an effect of rule order or of the conflict policy.

Pure: works on RuleBase objects and JSON recommendations, no I/O.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .conditions import Term, group_literals, groups_meeting, holds
from .diff import Change
from .facts import PROJECT, Subjects
from .rulebase import Rule, RuleBase

# as_authored() keys that say where a rule lives or what the loader derived, not what the author wrote
NOISE = ("file", "line", "stratum")
CATALOGUES = ("techniques", "roles", "arrangements", "skills", "warnings", "sources")
# item kinds (engine.diff) -> the catalogue their codes come from
ITEM_CATALOGUE = {"technique": "techniques", "avoided_technique": "techniques", "arrangement": "arrangements",
                  "skill": "skills", "warning": "warnings"}


class TextEdit(BaseModel):
    """One edited part of a changed rule as the author wrote it: a condition of `when` (by its place in the
    blocks, e.g. when.all[2]), a conclusion of `then` (then.techniques), or another field. `old` None: added;
    `new` None: removed."""

    model_config = ConfigDict(extra="forbid")

    part: str
    old: str | None = None
    new: str | None = None

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.part}: added {_clip(self.new)}"
        if self.new is None:
            return f"{self.part}: removed {_clip(self.old)}"
        return f"{self.part}: {_clip(self.old)} -> {_clip(self.new)}"


class RuleEdit(BaseModel):
    """One rule added, removed or changed; `fields` names what changed (when, then, priority...), `texts` the
    old and new text of each edited condition, conclusion and field."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    kind: Literal["added", "removed", "changed"]
    fields: list[str] = Field(default_factory=list)
    texts: list[TextEdit] = Field(default_factory=list, description="Each edited condition (when), conclusion "
                                  "(then.<key>) and other field, old and new, as written.")
    old_where: str | None = Field(None, description="file:line in the old rule base.")
    new_where: str | None = Field(None, description="file:line in the new rule base.")

    def headline(self) -> str:
        """"~ rule <id> (when, then) [file:line]": the edit without its texts."""
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        what = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{sign} rule {self.rule}{what} [{self.new_where or self.old_where}]"

    def __str__(self) -> str:
        return "\n    ".join([self.headline(), *map(str, self.texts)])


class CatalogueEdit(BaseModel):
    """One catalogue entry added, removed or changed, as "<catalogue>:<code>"."""

    model_config = ConfigDict(extra="forbid")

    entry: str
    kind: Literal["added", "removed", "changed", "reordered"]

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~", "reordered": "~"}[self.kind]
        return f"{sign} catalogue {self.entry}" + (" (order)" if self.kind == "reordered" else "")


class RuleBaseDiff(BaseModel):
    """Every edit from one rule base to another."""

    model_config = ConfigDict(extra="forbid")

    old_version: str
    new_version: str
    rules: list[RuleEdit]
    catalogue: list[CatalogueEdit]
    reordered: bool = Field(description="The rules both hold appear in another relative order (a tie-break).")

    @property
    def same(self) -> bool:
        """No edit that could change any recommendation (comments or layout only)."""
        return not self.rules and not self.catalogue and not self.reordered

    @property
    def edited(self) -> set[str]:
        return {e.rule for e in self.rules}

    def __str__(self) -> str:
        if self.same:
            return f"{self.old_version} -> {self.new_version}: no rule or catalogue edit"
        lines = [f"{self.old_version} -> {self.new_version}: {len(self.rules)} rule edit(s), "
                 f"{len(self.catalogue)} catalogue edit(s)" + (", rule order changed" if self.reordered else "")]
        lines += [f"  {e}" for e in [*self.rules, *self.catalogue]]
        return "\n".join(lines)


def authored(rule: Rule) -> dict[str, Any]:
    """A rule as written, without its location: what decides whether it was edited."""
    return {k: v for k, v in rule.as_authored().items() if k not in NOISE}


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _where(rule: Rule) -> str:
    return f"{rule.file}:{rule.line}"


def _clip(text: str | None, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit - 1]}…"'


def _shown(value: Any) -> str:
    """A value of a rule as its author would write it in flow YAML (strings bare)."""
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "(none)"
    return str(value)


def _conditions(when: Any, path: str = "when") -> list[tuple[str, str]]:
    """Each condition of a `when` with its place in the blocks: [("when.all[2]", "public.size >= large")...],
    numbered from 1 as an author counts."""
    if isinstance(when, list):
        return [c for i, item in enumerate(when, 1) for c in _conditions(item, f"{path}[{i}]")]
    if isinstance(when, dict):
        out = []
        for key, value in when.items():
            out += _conditions(value, f"{path}.{key}") if isinstance(value, (list, dict)) else \
                [(f"{path}.{key}", _shown(value))]
        return out
    return [(path, _shown(when))]


def _condition_edits(old: Any, new: Any) -> list[TextEdit]:
    """The conditions that differ between two `when`s: a condition replaced in place as old -> new, the
    others as removed or added."""
    a, b = _conditions(old), _conditions(new)
    out: list[TextEdit] = []
    ops = difflib.SequenceMatcher(a=[t for _, t in a], b=[t for _, t in b], autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            path = a[i1 + k][0] if a[i1 + k][0] == b[j1 + k][0] else f"{a[i1 + k][0]} -> {b[j1 + k][0]}"
            out.append(TextEdit(part=path, old=a[i1 + k][1], new=b[j1 + k][1]))
        out += [TextEdit(part=p, old=t) for p, t in a[i1 + pairs:i2]]
        out += [TextEdit(part=p, new=t) for p, t in b[j1 + pairs:j2]]
    return out


def text_edits(old: dict[str, Any], new: dict[str, Any], fields: list[str]) -> list[TextEdit]:
    """The old and new text of each changed field of a rule (authored(rule) of both versions)."""
    out: list[TextEdit] = []
    for name in fields:
        if name == "when":
            out += _condition_edits(old.get("when"), new.get("when"))
        elif name == "then":
            a, b = old.get("then") or {}, new.get("then") or {}
            for key in dict.fromkeys([*a, *b]):
                if _canon(a.get(key)) != _canon(b.get(key)):
                    out.append(TextEdit(part=f"then.{key}", old=_shown(a[key]) if key in a else None,
                                        new=_shown(b[key]) if key in b else None))
        else:
            out.append(TextEdit(part=name, old=_shown(old.get(name)), new=_shown(new.get(name))))
    return out


def rulebase_diff(old: RuleBase, new: RuleBase) -> RuleBaseDiff:
    """The rule and catalogue edits that turn `old` into `new`, in rule base order."""
    edits: list[RuleEdit] = []
    for rule in old.rules:
        if rule.id not in new.by_id:
            edits.append(RuleEdit(rule=rule.id, kind="removed", old_where=_where(rule)))
            continue
        a, b = authored(rule), authored(new.by_id[rule.id])
        fields = [k for k in dict.fromkeys([*a, *b]) if _canon(a.get(k)) != _canon(b.get(k))]
        if fields:
            edits.append(RuleEdit(rule=rule.id, kind="changed", fields=fields, texts=text_edits(a, b, fields),
                                  old_where=_where(rule), new_where=_where(new.by_id[rule.id])))
    edits += [RuleEdit(rule=r.id, kind="added", new_where=_where(r)) for r in new.rules if r.id not in old.by_id]
    common_old = [r.id for r in old.rules if r.id in new.by_id]
    common_new = [r.id for r in new.rules if r.id in old.by_id]
    return RuleBaseDiff(old_version=old.version, new_version=new.version, rules=edits,
                        catalogue=catalogue_diff(old, new), reordered=common_old != common_new)


def catalogue_diff(old: RuleBase, new: RuleBase) -> list[CatalogueEdit]:
    out: list[CatalogueEdit] = []
    for name in CATALOGUES:
        a, b = getattr(old.catalogue, name), getattr(new.catalogue, name)
        for code in dict.fromkeys([*a, *b]):
            if code not in b:
                out.append(CatalogueEdit(entry=f"{name}:{code}", kind="removed"))
            elif code not in a:
                out.append(CatalogueEdit(entry=f"{name}:{code}", kind="added"))
            elif _canon(a[code].model_dump(mode="json")) != _canon(b[code].model_dump(mode="json")):
                out.append(CatalogueEdit(entry=f"{name}:{code}", kind="changed"))
        if [c for c in a if c in b] != [c for c in b if c in a]:
            out.append(CatalogueEdit(entry=name, kind="reordered"))
    return out


# -- attribution ------------------------------------------------------------------------------------

class Cause(BaseModel):
    """Why one item changed: the rule (or catalogue) edits responsible, and how that was found."""

    model_config = ConfigDict(extra="forbid")

    item: str
    how: Literal["named", "fired_differently", "catalogue", "indirect"]
    rules: list[str] = Field(default_factory=list)
    catalogue: list[str] = Field(default_factory=list)


def firing_signatures(rec: Mapping[str, Any]) -> dict[str, set[str]]:
    """rule id -> what it did in this recommendation's explanation (subject and conclusion of each firing)."""
    out: dict[str, set[str]] = {}
    for f in (rec.get("explanation") or {}).get("firings") or ():
        out.setdefault(f["rule"], set()).add(_canon([f.get("subject"), f.get("concluded")]))
    return out


def fired_differently(old_rec: Mapping[str, Any], new_rec: Mapping[str, Any], rules: Iterable[str]) -> list[str]:
    """Those of `rules` whose firings differ between the two explanations."""
    a, b = firing_signatures(old_rec), firing_signatures(new_rec)
    return [r for r in rules if a.get(r, set()) != b.get(r, set())]


def attribute(change: Change, edits: RuleBaseDiff, old_rec: Mapping[str, Any], new_rec: Mapping[str, Any],
              differing: list[str] | None = None) -> Cause:
    """The edits behind one changed item. Pass `differing` (fired_differently over edits.edited)
    when attributing many changes of the same pair of recommendations."""
    edited = edits.edited
    named = [r for r in dict.fromkeys([*change.old_rules, *change.new_rules]) if r in edited]
    if named:
        return Cause(item=change.item, how="named", rules=named)
    if differing is None:
        differing = fired_differently(old_rec, new_rec, sorted(edited))
    if differing:
        return Cause(item=change.item, how="fired_differently", rules=list(differing))
    kind, _, code = change.item.partition(":")
    touched = [e.entry for e in edits.catalogue
               if e.entry == f"{ITEM_CATALOGUE.get(kind)}:{code}" or e.entry == ITEM_CATALOGUE.get(kind)]
    if touched:
        return Cause(item=change.item, how="catalogue", catalogue=touched)
    return Cause(item=change.item, how="indirect")


def attribute_all(changes: Iterable[Change], edits: RuleBaseDiff, old_rec: Mapping[str, Any],
                  new_rec: Mapping[str, Any]) -> list[Cause]:
    """attribute() for every change of one pair of recommendations."""
    differing = fired_differently(old_rec, new_rec, sorted(edits.edited))
    return [attribute(c, edits, old_rec, new_rec, differing) for c in changes]


# -- which decisions an edit can affect ------------------------------------------------------------

def final_state(subj: Subjects, rec: Mapping[str, Any], fact_scope: Mapping[str, str]) -> tuple[
        dict[str, dict[str, Any]], dict[str, set[str]]]:
    """The working memory a stored recommendation ended with: each subject's state (the context's
    facts, plus the approach on the project) and its derived facts (from the firings that derived them)."""
    project = dict(subj.project)
    approach = rec.get("approach") or {}
    if approach.get("code"):
        project["approach.code"], project["approach.level"] = approach["code"], approach.get("iap2_level")
    states = {PROJECT: project, **{s: {**project, **facts} for s, facts in subj.stakeholders.items()}}
    derived: dict[str, set[str]] = {s: set() for s in states}
    for f in (rec.get("explanation") or {}).get("firings") or ():
        for name in (f.get("concluded") or {}).get("derive") or ():
            owner = PROJECT if fact_scope.get(name) == "project" or not f.get("subject") else f["subject"]
            derived.setdefault(owner, set()).add(name)
    views = {s: derived[PROJECT] | derived.get(s, set()) if s != PROJECT else derived[PROJECT] for s in states}
    return states, views


@dataclass(frozen=True)
class Guard:
    """Which stored decisions a set of edits can change, decided without evaluating them.

    Sound when the two rule bases differ only in the edited rules: same
    catalogues, same relative order, every other rule in the same stratum,
    derived facts of the same scope (else `exact` is False and every decision
    may change). Then a decision in which no old version of an edited rule
    fired, and in whose final working memory no new version holds, comes out
    the same: its working memory is closed under the new rules (within a
    stratum conditions only grow true as facts are added, so a rule that does
    not hold at the end never held on the way), and every fact in it is
    derived by the same unchanged firings.
    """

    exact: bool
    edited: frozenset[str] = frozenset()
    new_rules: tuple[tuple[str, tuple[Term, ...]], ...] = ()
    fact_scope: tuple[tuple[str, str], ...] = ()

    def may_change(self, subj: Subjects, stored: Mapping[str, Any]) -> bool:
        if not self.exact or stored.get("unknowns"):
            return True        # with unknown answers, an edit may change which answers the approach was settled on
        firings = (stored.get("explanation") or {}).get("firings") or ()
        if any(f["rule"] in self.edited for f in firings):
            return True
        states, derived = final_state(subj, stored, dict(self.fact_scope))
        for key, lit in group_literals(t for _, terms in self.new_rules for t in terms).items():
            ids = groups_meeting(lit, {s: states[s] for s in subj.ids}, derived)   # a count of groups, final
            for state in states.values():
                state[key] = ids
        for scope, terms in self.new_rules:
            for subject in ([PROJECT] if scope == "project" else subj.ids):
                if any(all(holds(lit, states[subject], derived[subject]) for lit in term) for term in terms):
                    return True
        return False


def guard(old: RuleBase, new: RuleBase, edits: RuleBaseDiff) -> Guard:
    """The Guard for `edits` = rulebase_diff(old, new)."""
    edited = edits.edited
    same_strata = old.approach_stratum == new.approach_stratum and all(
        r.stratum == new.by_id[r.id].stratum for r in old.rules if r.id not in edited and r.id in new.by_id)
    same_scopes = all(new.fact_scope.get(k, v) == v for k, v in old.fact_scope.items())
    if edits.catalogue or edits.reordered or not same_strata or not same_scopes:
        return Guard(exact=False)
    return Guard(exact=True, edited=frozenset(edited),
                 new_rules=tuple((r.scope, tuple(r.terms)) for r in new.rules if r.id in edited),
                 fact_scope=tuple(sorted({**new.fact_scope, **old.fact_scope}.items())))
