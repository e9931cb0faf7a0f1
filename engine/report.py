"""Readable explanations of a recommendation: the text report.

Works on the JSON form of a Recommendation so it can render stored
decisions as well as fresh ones.
"""
from __future__ import annotations

from typing import Any


def _refs(because: list[dict[str, Any]]) -> str:
    return ", ".join(f"{b['rule']}#{b['firing']}" for b in because) or "-"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):      # a list field such as project.activities
        return "[" + ", ".join(str(x) for x in v) + "]"
    return "(not given)" if v is None else str(v)


def _winner(o: dict[str, Any]) -> str:
    """Which rule won over an overridden conclusion, and why: "(higher priority)" alone read as if the conclusion
    set aside had the higher priority."""
    if o.get("reason") == "higher priority" and o.get("by"):
        return f"{_refs(o['by'])} {'has' if len(o['by']) == 1 else 'have'} a higher priority"
    return f"{o['reason']}" + (f" ({_refs(o['by'])})" if o.get("by") else "")


def _via(choice: dict[str, Any]) -> str:
    """Where a recruitment or mode came from, for the text report."""
    if choice["via"] == "rule":
        return f", because {_refs(choice['because'])}"
    return f", as its {'role' if choice['via'] == 'role' else 'IAP2 level'} says"


def render_text(rec: dict[str, Any], context: dict[str, Any] | None = None) -> str:
    out: list[str] = []
    w = out.append
    title = (context or {}).get("project", {}).get("name")
    w(f"cogov recommendation{f' for {title}' if title else ''}")
    w(f"rule base {rec['rulebase']['version']} ({rec['rulebase']['rule_count']} rules), "
      f"engine {rec['engine']['version']}")
    w("")
    steps = (rec.get("plan") or {}).get("steps") or []
    if steps:   # what to do first, in words (engine/plan.py); every section below explains it
        w("PLAN")
        w(f"  {rec['plan']['summary']}")
        for n, step in enumerate(steps, 1):
            w(f"  {n}. {step['text']}")
            w(f"      because {_refs(step['because'])}")
        w("")
    a = rec["approach"]
    w(f"APPROACH: {a['label']} ({a['code']}, Thomas {a['thomas']}), IAP2 level {a['iap2_level']}")
    w(f"  {a['meaning']}")
    if a.get("constraints"):
        w(f"  within these constraints, stated up front: {a['constraints']}")
    w(f"  chosen by: {a['policy']}; because {_refs(a['because'])}")
    w(f"  feasible: {', '.join(a['feasible'])}")
    for e in a["eliminated"]:
        w(f"  ruled out {e['code']}: {_refs(e['because'])}")
    unknowns = rec.get("unknowns") or []
    if unknowns:
        policy = rec["explanation"].get("unknowns_policy") or {}
        w("")
        w("UNKNOWN ANSWERS (worked with as assumed until they are known)")
        w(f"  policy {policy.get('id')}: {policy.get('title')}  [{policy.get('file')}:{policy.get('line')}]")
        for u in unknowns:
            flag = "  << FIND OUT FIRST" if u["first"] else ""
            w(f"  {u['field']}: assumed {_value(u['assumed'])}{flag}")
            if u["changes_approach"]:
                under = ", ".join(f"{answer}: {code or 'no approach'}" for answer, code in u["approaches"].items())
                w(f"      changes the approach ({under}), in {u['changes_in']} of {u['combinations']} combination(s) "
                  "of the other unknown answers")
            else:
                w("      does not change the approach")
    w("")
    w("PARTICIPANTS")
    for p in rec["participants"]:
        if p["excluded"]:
            w(f"  {p['name']} [{p['stakeholder']}]: excluded: {p['reason']} (because {_refs(p['because'])})")
        elif p["role"] is None:
            w(f"  {p['name']} [{p['stakeholder']}]: NO ROLE ASSIGNED (rule base gap)")
        else:
            w(f"  {p['name']} [{p['stakeholder']}]: {p['role_label']} at IAP2 level {p['iap2_level']} "
              f"(because {_refs(p['because'])})")
        for o in p["overridden"]:
            w(f"      set aside: {o['value']} from {o['rule']}#{o['firing']}; {_winner(o)}")
        for what, choice in (("selected by", p.get("recruitment")), ("takes part by", p.get("mode"))):
            if choice:
                w(f"      {what}: {choice['label']} ({choice['code']}){_via(choice)}")
                for o in choice["overridden"]:
                    w(f"        set aside: {o['value']} from {o['rule']}#{o['firing']}; {_winner(o)}")
    w("")
    w("TECHNIQUES")
    plan = rec.get("plan")
    if plan:
        w(f"  {plan.get('sizing') or plan.get('summary')}")
        for b in plan["bounds"]:
            w(f"    {b['bound'].replace('_', ' ')} {b['value']}: because {_refs(b['because'])}")
    for tier, title in (("core", "core (do these), most important first"), ("extra", "extra (if capacity allows)")):
        chosen = [t for t in rec["techniques"] if t.get("tier", "core") == tier]
        if plan:
            order = {code: i for i, code in enumerate(plan[tier])}
            chosen.sort(key=lambda t: order.get(t["code"], len(order)))
        if chosen and plan:
            w(f"  {title}:")
        pad = "    " if plan else "  "
        for t in chosen:
            w(f"{pad}{t['label']} ({t['code']}) [{t['channel']}]: because {_refs(t['because'])}")
            if tier == "extra":
                w(f"{pad}    {t['tier_reason']}")
    if rec["avoided_techniques"]:
        w("  ruled out:")
        for t in rec["avoided_techniques"]:
            w(f"    {t['label']} ({t['code']}): because {_refs(t['because'])}")
    w("")
    w("GOVERNANCE ARRANGEMENTS")
    for t in rec["governance"]:
        w(f"  {t['label']} ({t['code']}): because {_refs(t['because'])}")
    w("")
    w("SKILLS NEEDED")
    for s in rec["skills"]:
        flag = "  << LACKING (" + _refs(s["lacking_because"]) + ")" if s["lacking"] else ""
        w(f"  {s['label']} ({s['code']}): because {_refs(s['because'])}{flag}")
    w("")
    w("WARNINGS")
    for x in rec["warnings"]:
        w(f"  {x['label']}: {x['message']} (because {_refs(x['because'])})")
    if rec["gaps"]:
        w("")
        w("GAPS IN THE RULE BASE")
        for g in rec["gaps"]:
            w(f"  {g}")
    w("")
    w("HOW THE RULES FIRED (in firing order)")
    assumed = {u["field"] for u in rec.get("unknowns") or ()}
    for f in rec["explanation"]["firings"]:
        who = f" for {f['subject']}" if f["subject"] else ""
        w(f"  #{f['seq']} {f['rule']}{who}: {f['title']}  [{f['file']}:{f['line']}]")
        matched = ", ".join(f"{k} = {_value(v)}{' (unknown, assumed)' if k in assumed else ''}"
                            for k, v in f["matched"].items())
        w(f"      matched: {matched}")
        if f["uses"]:
            w(f"      relied on: {', '.join('#' + str(u) for u in f['uses'])}")
        concluded = "; ".join(f"{k}: {v}" for k, v in f["concluded"].items())
        w(f"      concluded: {concluded}")
        w(f"      sources: {', '.join(f['sources'])}")
    w("")
    w("SOURCES")
    for key, citation in rec["explanation"]["sources"].items():
        w(f"  [{key}] {citation}")
    return "\n".join(out) + "\n"
