"""Readable explanations of a recommendation: the text report.

Works on the JSON form of a Recommendation so it can render stored
decisions as well as fresh ones. Its headings and frames are sentences of
engine/sentences.py (`report.*`), so the report reads in the language the
recommendation was localized to (engine/localize.py); codes, rule ids,
firing numbers and file:line stay as they are, for the auditor.
"""
from __future__ import annotations

from typing import Any

from .catalogue import Catalogue
from .sentences import SENTENCES
from .translations import ENGLISH
from .words import Words

# the reasons engine/resolve.py gives for setting a conclusion aside, and their sentences
_REASONS = {"same priority, earlier rule": "report.same_priority",
            "preferred approach is not feasible": "report.not_feasible"}


def _refs(because: list[dict[str, Any]]) -> str:
    return ", ".join(f"{b['rule']}#{b['firing']}" for b in because) or "-"


class _Report:
    """The report's lines, said in one language."""

    def __init__(self, words: Words):
        self.words = words
        self.lines: list[str] = []

    def say(self, key: str, **values: Any) -> str:
        return self.words.say(key, **values)

    def w(self, line: str = "") -> None:
        self.lines.append(line)

    def because(self, because: list[dict[str, Any]]) -> str:
        return self.say("report.because", rules=_refs(because))

    def value(self, v: Any) -> str:
        if isinstance(v, bool):
            return self.say("report.yes" if v else "report.no")
        if isinstance(v, (list, tuple)):      # a list field such as project.activities
            return "[" + ", ".join(str(x) for x in v) + "]"
        return self.say("report.not_given") if v is None else str(v)

    def answer(self, word: str) -> str:
        """An unknown answer's 'yes' or 'no' (engine/unknowns.py's words) in this language."""
        return self.say(f"report.{word}") if word in ("yes", "no") else word

    def winner(self, o: dict[str, Any]) -> str:
        """Which rule won over an overridden conclusion, and why: "(higher priority)" alone read as if the
        conclusion set aside had the higher priority."""
        if o.get("reason") == "higher priority" and o.get("by"):
            return self.say("report.has_priority" if len(o["by"]) == 1 else "report.have_priority",
                            rules=_refs(o["by"]))
        reason = self.say(_REASONS[o["reason"]]) if o.get("reason") in _REASONS else f"{o['reason']}"
        return reason + (f" ({_refs(o['by'])})" if o.get("by") else "")

    def set_aside(self, o: dict[str, Any]) -> str:
        return self.say("report.set_aside", value=o["value"], rule=f"{o['rule']}#{o['firing']}", why=self.winner(o))

    def via(self, choice: dict[str, Any]) -> str:
        """Where a recruitment or mode came from."""
        if choice["via"] == "rule":
            return self.say("report.via_rule", rules=_refs(choice["because"]))
        return self.say("report.via_role" if choice["via"] == "role" else "report.via_level")


def render_text(rec: dict[str, Any], context: dict[str, Any] | None = None,
                catalogue: Catalogue | None = None, lang: str | None = None) -> str:
    """The full explained report of `rec`; `lang` (with the rule base's `catalogue`, whose translations it
    reads): the language of its frames, English by default."""
    r = _Report(Words(catalogue, lang))
    say, w = r.say, r.w
    title = (context or {}).get("project", {}).get("name")
    w(say("report.title", title=title) if title else say("report.title_none"))
    w(say("report.rulebase", version=rec["rulebase"]["version"], count=rec["rulebase"]["rule_count"],
          engine=rec["engine"]["version"]))
    w()
    steps = (rec.get("plan") or {}).get("steps") or []
    if steps:   # what to do first, in words (engine/plan.py); every section below explains it
        w(say("report.plan"))
        w(f"  {rec['plan']['summary']}")
        for n, step in enumerate(steps, 1):
            w(f"  {n}. {step['text']}")
            w(f"      {r.because(step['because'])}")
        w()
    a = rec["approach"]
    w(say("report.approach", label=a["label"], code=a["code"], thomas=a["thomas"], level=a["iap2_level"]))
    w(f"  {a['meaning']}")
    if a.get("constraints"):
        w("  " + say("report.constraints", constraints=a["constraints"]))
    policy = a["policy"] if r.words.lang == ENGLISH else f"{r.words.policy(a['policy'])} [{a['policy']}]"
    w("  " + say("report.chosen_by", policy=policy, rules=_refs(a["because"])))
    w("  " + say("report.feasible", codes=", ".join(a["feasible"])))
    for e in a["eliminated"]:
        w("  " + say("report.ruled_out_approach", code=e["code"], rules=_refs(e["because"])))
    unknowns = rec.get("unknowns") or []
    if unknowns:
        policy = rec["explanation"].get("unknowns_policy") or {}
        w()
        w(say("report.unknowns"))
        w("  " + say("report.unknowns_policy", id=policy.get("id"), title=policy.get("title"),
                     where=f"{policy.get('file')}:{policy.get('line')}"))
        for u in unknowns:
            flag = say("report.find_out_first") if u["first"] else ""
            w("  " + say("report.assumed", field=u["field"], value=r.value(u["assumed"])) + flag)
            if u["changes_approach"]:
                under = ", ".join(f"{r.answer(answer)}: {code or say('report.no_approach')}"
                                  for answer, code in u["approaches"].items())
                w("      " + say("report.changes_approach", outcomes=under, count=u["changes_in"],
                                 combinations=u["combinations"]))
            else:
                w("      " + say("report.keeps_approach"))
    w()
    w(say("report.participants"))
    for p in rec["participants"]:
        who = dict(name=p["name"], id=p["stakeholder"])
        if p["excluded"]:
            w("  " + say("report.excluded", **who, reason=p["reason"], rules=_refs(p["because"])))
        elif p["role"] is None:
            w("  " + say("report.no_role", **who))
        else:
            w("  " + say("report.participant", **who, role=p["role_label"], level=p["iap2_level"],
                         rules=_refs(p["because"])))
        for o in p["overridden"]:
            w("      " + r.set_aside(o))
        for what, choice in (("report.selected_by", p.get("recruitment")), ("report.takes_part_by", p.get("mode"))):
            if choice:
                w("      " + say(what, label=choice["label"], code=choice["code"], via=r.via(choice)))
                for o in choice["overridden"]:
                    w("        " + r.set_aside(o))
    w()
    w(say("report.techniques"))
    plan = rec.get("plan")
    if plan:
        w(f"  {plan.get('sizing') or plan.get('summary')}")
        for b in plan["bounds"]:
            key = f"bound.{b['bound']}"
            bound = say(key, value=b["value"]) if key in SENTENCES else \
                f"{b['bound'].replace('_', ' ')} {b['value']}"
            w("    " + say("report.bound", bound=bound, rules=_refs(b["because"])))
    for tier, heading in (("core", "report.core"), ("extra", "report.extra")):
        chosen = [t for t in rec["techniques"] if t.get("tier", "core") == tier]
        if plan:
            order = {code: i for i, code in enumerate(plan[tier])}
            chosen.sort(key=lambda t: order.get(t["code"], len(order)))
        if chosen and plan:
            w("  " + say(heading))
        pad = "    " if plan else "  "
        for t in chosen:
            w(pad + say("report.technique", label=t["label"], code=t["code"], channel=t["channel"],
                        rules=_refs(t["because"])))
            if tier == "extra":
                w(f"{pad}    {t['tier_reason']}")
    if rec["avoided_techniques"]:
        w("  " + say("report.avoided"))
        for t in rec["avoided_techniques"]:
            w("    " + say("report.item", label=t["label"], code=t["code"], rules=_refs(t["because"])))
    w()
    w(say("report.arrangements"))
    for t in rec["governance"]:
        w("  " + say("report.item", label=t["label"], code=t["code"], rules=_refs(t["because"])))
    w()
    w(say("report.skills"))
    for s in rec["skills"]:
        flag = say("report.lacking", rules=_refs(s["lacking_because"])) if s["lacking"] else ""
        w("  " + say("report.item", label=s["label"], code=s["code"], rules=_refs(s["because"])) + flag)
    w()
    w(say("report.warnings"))
    for x in rec["warnings"]:
        w("  " + say("report.warning", label=x["label"], message=x["message"], rules=_refs(x["because"])))
    if rec["gaps"]:
        w()
        w(say("report.gaps"))
        for g in rec["gaps"]:
            w(f"  {g}")
    w()
    w(say("report.firings"))
    assumed = {u["field"] for u in rec.get("unknowns") or ()}
    for f in rec["explanation"]["firings"]:
        where = f"{f['file']}:{f['line']}"
        if f["subject"]:
            w("  " + say("report.firing_for", seq=f["seq"], rule=f["rule"], subject=f["subject"], title=f["title"],
                         where=where))
        else:
            w("  " + say("report.firing", seq=f["seq"], rule=f["rule"], title=f["title"], where=where))
        matched = ", ".join(say("report.unknown_assumed", field=k, value=r.value(v)) if k in assumed
                            else f"{k} = {r.value(v)}" for k, v in f["matched"].items())
        w("      " + say("report.matched", answers=matched))
        if f["uses"]:
            w("      " + say("report.relied_on", firings=", ".join("#" + str(u) for u in f["uses"])))
        concluded = "; ".join(f"{k}: {v}" for k, v in f["concluded"].items())
        w("      " + say("report.concluded", conclusions=concluded))
        w("      " + say("report.sources", keys=", ".join(f["sources"])))
    w()
    w(say("report.sources_heading"))
    for key, citation in rec["explanation"]["sources"].items():
        w(f"  [{key}] {citation}")
    return "\n".join(r.lines) + "\n"
