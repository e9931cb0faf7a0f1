"""The explained recommendation in two forms: full (what `Engine.evaluate` answers) and compact (what the
decision log stores).

Most of a full recommendation repeats its rule base: each firing's title, file, line, conclusions and
sources, the citations, every item's catalogue label and attributes, the approaches' names. The compact form
keeps only what the evaluation decided: the items by code with their tiers and `because` references, who
takes part and how, the plan in words, the unknown answers, the gaps, and the compact trace (per firing: the
rule, the subject, the values it matched, the firings it used). `expand` renders the rest from the rule base
version the recommendation was made with, so that

    expand(compact(rec), rulebase) == rec        (byte for byte as JSON, key order included)

for every recommendation the engine makes (tests/test_explanation.py: the pilots and the Thomas contexts, on
both backends). Both functions are pure: no rule runs, nothing is read but their arguments.

The compact form has the full form's shape with keys left out (a `because` reference that names exactly its
firing's rule and subject is kept as the firing's number), so a JSON pointer into the stored record
(service/log/privacy.py: /recommendation/participants/*/name, /recommendation/explanation/firings/*/matched)
names the same value in both forms. Words the engine's code writes (the plan, tier reasons, the policies,
the gaps) are kept as made, so a later engine's wording never re-renders an old decision.
"""
from __future__ import annotations

from typing import Any

from . import approaches
from .errors import ExpansionError
from .resolve import _concluded
from .rulebase import RuleBase, rulebase_cache

COMPACT = 1          # the compact form's version, stored in it as "compact"
_REFS = ("because", "overrides", "lacking_because")


# -- compact -------------------------------------------------------------------------------------------------
def compact(rec: dict[str, Any]) -> dict[str, Any]:
    """The compact form of a full recommendation (the engine's JSON-ready data)."""
    firings = rec["explanation"]["firings"]
    for i, f in enumerate(firings):
        if f["seq"] != i + 1:
            raise ExpansionError(f"explanation.firings[{i}] has seq {f['seq']}, not {i + 1}: cannot compact",
                                 field=f"explanation.firings[{i}].seq")
    refs = _Refs(firings)
    a = rec["approach"]
    out: dict[str, Any] = {
        "compact": COMPACT,
        "plan": {**rec["plan"], "steps": [{**s, "because": refs.out(s["because"])} for s in rec["plan"]["steps"]],
                 "bounds": [{**b, "because": refs.out(b["because"])} for b in rec["plan"]["bounds"]]},
        "approach": {"code": a["code"], "thomas": a["thomas"], "label": a["label"], "iap2_level": a["iap2_level"],
                     "meaning": a["meaning"],     # the engine's words for Thomas's approaches, kept as made
                     "constraints": a["constraints"], "feasible": a["feasible"],
                     "eliminated": [{"code": e["code"], "label": e["label"], "because": refs.out(e["because"])}
                                    for e in a["eliminated"]],
                     "policy": a["policy"], "because": refs.out(a["because"]),
                     "overridden": [refs.overridden(o) for o in a["overridden"]]},
        "unknowns": rec["unknowns"],
        "participants": [_compact_participant(p, refs) for p in rec["participants"]],
        "techniques": [{"code": t["code"], "because": refs.out(t["because"]), "tier": t["tier"],
                        "tier_reason": t["tier_reason"]} for t in rec["techniques"]],
        "avoided_techniques": [{"code": t["code"], "because": refs.out(t["because"]),
                                "overrides": refs.out(t["overrides"])} for t in rec["avoided_techniques"]],
        "governance": [{"code": g["code"], "because": refs.out(g["because"])} for g in rec["governance"]],
        "skills": [{"code": s["code"], "because": refs.out(s["because"]), "lacking": s["lacking"],
                    "lacking_because": refs.out(s["lacking_because"])} for s in rec["skills"]],
        "warnings": [{"code": w["code"], "because": refs.out(w["because"])} for w in rec["warnings"]],
        "gaps": rec["gaps"],
        "explanation": {"firings": [{"rule": f["rule"], "subject": f["subject"], "matched": f["matched"],
                                     "uses": f["uses"]} for f in firings],
                        "policy": rec["explanation"]["policy"],
                        "unknowns_policy": rec["explanation"]["unknowns_policy"]},
        "rulebase": rec["rulebase"],
        "engine": rec["engine"],
    }
    return out


def is_compact(data: Any) -> bool:
    """Whether `data` is a compact recommendation (else a full one)."""
    return isinstance(data, dict) and "compact" in data


def _compact_participant(p: dict[str, Any], refs: "_Refs") -> dict[str, Any]:
    def choice(c: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if c is None else {"code": c["code"], "via": c["via"], "because": refs.out(c["because"]),
                                       "overridden": [refs.overridden(o) for o in c["overridden"]]}
    return {"stakeholder": p["stakeholder"], "name": p["name"], "role": p["role"], "iap2_level": p["iap2_level"],
            "recruitment": choice(p["recruitment"]), "mode": choice(p["mode"]), "excluded": p["excluded"],
            "reason": p["reason"], "because": refs.out(p["because"]),
            "overridden": [refs.overridden(o) for o in p["overridden"]]}


class _Refs:
    """`because` references to and from their compact form: the firing's number when the reference names
    exactly that firing's rule and subject (as every reference the engine makes does), else as it is."""

    def __init__(self, firings: list[dict[str, Any]]):
        self.firings = firings

    def out(self, refs: list[dict[str, Any]]) -> list[Any]:
        return [self._one(r) for r in refs]

    def _one(self, r: dict[str, Any]) -> Any:
        n = r.get("firing")
        if type(n) is int and 1 <= n <= len(self.firings) and list(r) == ["rule", "firing", "subject"]:
            f = self.firings[n - 1]
            if f["rule"] == r["rule"] and f["subject"] == r["subject"]:
                return n
        return r

    def overridden(self, o: dict[str, Any]) -> dict[str, Any]:
        return {**o, "by": self.out(o["by"])}

    def back(self, refs: list[Any], where: str) -> list[dict[str, Any]]:
        out = []
        for r in refs:
            if isinstance(r, int):
                if not 1 <= r <= len(self.firings):
                    raise ExpansionError(f"{where} names firing {r}, which the trace does not hold", field=where)
                f = self.firings[r - 1]
                if not isinstance(f, dict):
                    raise ExpansionError(f"{where} names firing {r}, which was redacted whole", field=where)
                out.append({"rule": f["rule"], "firing": r, "subject": f["subject"]})
            else:
                out.append(r)
        return out

    def overridden_back(self, o: dict[str, Any], where: str) -> dict[str, Any]:
        return {**o, "by": self.back(o["by"], f"{where}.by")}


# -- brief ---------------------------------------------------------------------------------------------------
def brief(rec: dict[str, Any]) -> dict[str, Any]:
    """The recommendation as the API answers it by default (engine.recommendation.RecommendationBrief): the plan
    in words, the items and their `because` references. Left to the full explanation (`explain=full`, GET
    /decisions/{id}/explanation): the trace and its sources, what each item overrode, why each technique is in
    its tier and what the catalogue says of it, why the other approaches were eliminated, the plan steps'
    firings and the warnings' messages (the plan states each warning as an action)."""
    a, p = rec["approach"], rec["plan"]

    def choice(c: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if c is None else {"code": c["code"], "label": c["label"], "via": c["via"],
                                       "because": c["because"]}
    return {
        "plan": {"summary": p["summary"], "steps": [{"text": s["text"]} for s in p["steps"]], "bounds": p["bounds"],
                 "core": p["core"], "extra": p["extra"], "sizing": p["sizing"]},
        "approach": {"code": a["code"], "thomas": a["thomas"], "label": a["label"], "iap2_level": a["iap2_level"],
                     "constraints": a["constraints"], "because": a["because"]},
        "unknowns": rec["unknowns"],
        "participants": [{"stakeholder": x["stakeholder"], "name": x["name"], "role": x["role"],
                          "role_label": x["role_label"], "iap2_level": x["iap2_level"],
                          "recruitment": choice(x["recruitment"]), "mode": choice(x["mode"]),
                          "excluded": x["excluded"], "reason": x["reason"], "because": x["because"]}
                         for x in rec["participants"]],
        "techniques": [{"code": t["code"], "label": t["label"], "tier": t["tier"], "because": t["because"]}
                       for t in rec["techniques"]],
        "avoided_techniques": rec["avoided_techniques"],
        "governance": rec["governance"],
        "skills": rec["skills"],
        "warnings": [{"code": w["code"], "label": w["label"], "because": w["because"]} for w in rec["warnings"]],
        "gaps": rec["gaps"],
        "rulebase": rec["rulebase"],
        "engine": rec["engine"],
    }


# -- expand --------------------------------------------------------------------------------------------------
def expand(data: dict[str, Any], rulebase: RuleBase) -> dict[str, Any]:
    """The full recommendation a compact one stands for, rendered from `rulebase`, the rule base version it was
    made with (ExpansionError when it is another version, or names a rule or catalogue entry it lacks).
    A full recommendation is returned as it is."""
    if not is_compact(data):
        return data
    if data["compact"] != COMPACT:
        raise ExpansionError(f"compact recommendation form {data['compact']!r} is not known (this engine "
                             f"reads form {COMPACT})", field="compact")
    made_with = (data.get("rulebase") or {}).get("version")
    if made_with != rulebase.version:
        raise ExpansionError(f"the recommendation was made with rule base {made_with}, not {rulebase.version}: "
                             "it can only be rendered from the version that made it", field="rulebase.version")
    return _Expander(data, rulebase).run()


class _Expander:
    def __init__(self, data: dict[str, Any], rb: RuleBase):
        self.data, self.rb, self.cat = data, rb, rb.catalogue
        self.firings = [self._firing(i, f) if isinstance(f, dict) else f
                        for i, f in enumerate(data["explanation"]["firings"])]
        self.refs = _Refs(self.firings)

    def _lookup(self, kind: str, code: str, where: str) -> Any:
        entry = getattr(self.cat, kind).get(code)
        if entry is None:
            raise ExpansionError(f"{where}: {code!r} is not in the {kind} catalogue of rule base {self.rb.version}",
                                 field=where)
        return entry

    def _firing(self, i: int, f: dict[str, Any]) -> dict[str, Any]:
        rule = self.rb.by_id.get(f["rule"])
        if rule is None:
            raise ExpansionError(f"explanation.firings[{i}]: rule {f['rule']!r} is not in rule base "
                                 f"{self.rb.version}", field=f"explanation.firings[{i}].rule")
        concluded = rulebase_cache(self.rb, "resolve.concluded", _concluded)[rule.id]
        return {"seq": i + 1, "rule": rule.id, "title": rule.title, "file": rule.file, "line": rule.line,
                "subject": f["subject"], "matched": f["matched"], "uses": f["uses"],
                "concluded": {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                              for k, v in concluded.items()},
                "sources": list(rule.sources)}

    def _approach(self) -> dict[str, Any]:
        a, back = self.data["approach"], self.refs.back
        known = approaches.BY_CODE.get(a["code"])
        if known is None:
            raise ExpansionError(f"approach.code: {a['code']!r} is not an approach", field="approach.code")
        eliminated = []
        for i, e in enumerate(a["eliminated"]):
            if e["code"] not in approaches.BY_CODE:
                raise ExpansionError(f"approach.eliminated[{i}]: {e['code']!r} is not an approach",
                                     field=f"approach.eliminated[{i}].code")
            eliminated.append({"code": e["code"], "label": e.get("label", approaches.BY_CODE[e["code"]].label),
                               "because": back(e["because"], f"approach.eliminated[{i}].because")})
        # the words stored with the record; a record without them (stored before they were kept) reads the engine's
        said = {name: a.get(name, getattr(known, name)) for name in ("thomas", "label", "iap2_level", "meaning")}
        return {"code": known.code, **said, "constraints": a["constraints"], "feasible": a["feasible"],
                "eliminated": eliminated, "policy": a["policy"], "because": back(a["because"], "approach.because"),
                "overridden": [self.refs.overridden_back(o, f"approach.overridden[{i}]")
                               for i, o in enumerate(a["overridden"])]}

    def _choice(self, c: dict[str, Any] | None, kind: str, where: str) -> dict[str, Any] | None:
        if not isinstance(c, dict):
            return c
        return {"code": c["code"], "label": self._lookup(kind, c["code"], f"{where}.code").label, "via": c["via"],
                "because": self.refs.back(c["because"], f"{where}.because"),
                "overridden": [self.refs.overridden_back(o, f"{where}.overridden[{i}]")
                               for i, o in enumerate(c["overridden"])]}

    def _participant(self, i: int, p: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(p, dict):          # redacted whole (service/log/privacy.py): its commitment
            return p
        where = f"participants[{i}]"
        role = p["role"]
        return {"stakeholder": p["stakeholder"], "name": p["name"], "role": role,
                "role_label": self._lookup("roles", role, f"{where}.role").label if role is not None else None,
                "iap2_level": p["iap2_level"],
                "recruitment": self._choice(p["recruitment"], "recruitment", f"{where}.recruitment"),
                "mode": self._choice(p["mode"], "modes", f"{where}.mode"), "excluded": p["excluded"],
                "reason": p["reason"], "because": self.refs.back(p["because"], f"{where}.because"),
                "overridden": [self.refs.overridden_back(o, f"{where}.overridden[{j}]")
                               for j, o in enumerate(p["overridden"])]}

    def _technique(self, i: int, t: dict[str, Any]) -> dict[str, Any]:
        where = f"techniques[{i}]"
        c = self._lookup("techniques", t["code"], f"{where}.code")
        return {"code": c.code, "label": c.label, "because": self.refs.back(t["because"], f"{where}.because"),
                "iap2_levels": list(c.iap2_levels), "group_size": list(c.group_size), "channel": c.channel,
                "skills": list(c.skills), "demands": c.demands.model_dump() if c.demands is not None else None,
                "tier": t["tier"], "tier_reason": t["tier_reason"]}

    def _plan(self) -> dict[str, Any]:
        p, back = self.data["plan"], self.refs.back
        return {**p, "steps": [{**s, "because": back(s["because"], f"plan.steps[{i}].because")}
                               for i, s in enumerate(p["steps"])],
                "bounds": [{**b, "because": back(b["because"], f"plan.bounds[{i}].because")}
                           for i, b in enumerate(p["bounds"])]}

    def run(self) -> dict[str, Any]:
        d, back, look = self.data, self.refs.back, self._lookup
        followed = d["explanation"]["unknowns_policy"]
        cited = sorted({s for f in self.firings if isinstance(f, dict) for s in f["sources"]} | set(followed["sources"] if followed else ()))
        sources = {k: look("sources", k, "explanation.sources").citation for k in cited}
        return {
            "plan": self._plan(),
            "approach": self._approach(),
            "unknowns": d["unknowns"],
            "participants": [self._participant(i, p) for i, p in enumerate(d["participants"])],
            "techniques": [self._technique(i, t) for i, t in enumerate(d["techniques"])],
            "avoided_techniques": [{"code": t["code"],
                                    "label": look("techniques", t["code"], f"avoided_techniques[{i}].code").label,
                                    "because": back(t["because"], f"avoided_techniques[{i}].because"),
                                    "overrides": back(t["overrides"], f"avoided_techniques[{i}].overrides")}
                                   for i, t in enumerate(d["avoided_techniques"])],
            "governance": [{"code": g["code"], "label": look("arrangements", g["code"], f"governance[{i}].code").label,
                            "because": back(g["because"], f"governance[{i}].because")}
                           for i, g in enumerate(d["governance"])],
            "skills": [{"code": s["code"], "label": look("skills", s["code"], f"skills[{i}].code").label,
                        "because": back(s["because"], f"skills[{i}].because"), "lacking": s["lacking"],
                        "lacking_because": back(s["lacking_because"], f"skills[{i}].lacking_because")}
                       for i, s in enumerate(d["skills"])],
            "warnings": [self._warning(i, w) for i, w in enumerate(d["warnings"])],
            "gaps": d["gaps"],
            "explanation": {"firings": self.firings, "sources": sources, "policy": d["explanation"]["policy"],
                            "unknowns_policy": followed},
            "rulebase": d["rulebase"],
            "engine": d["engine"],
        }

    def _warning(self, i: int, w: dict[str, Any]) -> dict[str, Any]:
        c = self._lookup("warnings", w["code"], f"warnings[{i}].code")
        return {"code": c.code, "label": c.label, "because": self.refs.back(w["because"], f"warnings[{i}].because"),
                "message": c.message}
