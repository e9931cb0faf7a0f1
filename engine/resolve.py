"""The conflict policy: from firings to one recommendation (the approach itself is chosen during
inference, by engine/approach_policy.py, because later rules may read it).

Documented for authors in docs/AUTHORING.md ("How conflicts are settled").
Deterministic: every tie is broken by priority, then IAP2 level where it
applies, then rule-base order, then firing sequence.
"""
from __future__ import annotations

from typing import Any

from . import approaches
from .context import IAP2Level
from .errors import ResolutionError
from .facts import PROJECT
from .memory import Firing, WorkingMemory
from .recommendation import Recommendation
from .plan import build_plan
from .rulebase import RuleBase, rulebase_cache
from .sentences import SENTENCES

POLICY = ("approach: feasible = all minus eliminated, chosen by the highest-priority preference; "
          "participants: highest priority, then higher IAP2 level, then rule order; "
          "recruitment and mode: highest priority, then rule order (mode otherwise from the role, then the level); "
          "avoided techniques beat recommended ones; "
          "plan: the tightest bound of each kind holds, techniques past a demand bound are extra, the core is "
          "filled by priority, then lighter demands, then catalogue order")


def _b(f: Firing) -> dict:
    return {"rule": f.rule.id, "firing": f.seq, "subject": None if f.subject == PROJECT else f.subject}


def _bs(fs) -> list[dict]:
    seen: dict[int, Firing] = {f.seq: f for f in fs}
    return [_b(seen[k]) for k in sorted(seen)]


_LEVEL_RANKS = {level.value: IAP2Level.rank(level.value) for level in IAP2Level}


def _level_rank(level: str | None) -> int:
    return _LEVEL_RANKS[level] if level else 0


def _same_participation(f: Firing, other: Firing) -> bool:
    """Both firings give a participant role, the same role at the same IAP2 level (an exclusion never agrees)."""
    p, q = f.rule.then.participant, other.rule.then.participant
    return bool(p and q and (p.role, p.level) == (q.role, q.level))


def _choice(firings: list[Firing], key: str, labels: dict[str, Any]) -> dict | None:
    """The winning `recruitment` or `mode` conclusion about one group: highest priority, then rule order."""
    if not firings:
        return None
    ranked = sorted(firings, key=lambda f: (-f.rule.priority, f.rule.order, f.seq))
    win = ranked[0]
    code = getattr(win.rule.then, key)
    overridden = [dict(rule=f.rule.id, firing=f.seq, value=getattr(f.rule.then, key), by=[_b(win)],
                       reason="higher priority" if f.rule.priority < win.rule.priority else
                       "same priority, earlier rule")
                  for f in ranked[1:] if getattr(f.rule.then, key) != code]
    agree = [f for f in ranked if getattr(f.rule.then, key) == code]
    return dict(code=code, label=labels[code].label, via="rule", because=_bs(agree), overridden=overridden)


def _default_mode(wm: WorkingMemory, role: str, level: str, because: list[dict]) -> dict | None:
    """A group no mode rule spoke about takes part as its role says (catalogue), else as its IAP2 level does."""
    cat = wm.rb.catalogue
    mode = cat.roles[role].mode
    via = "role"
    if mode is None:
        via = "level"
        mode = next((m.code for m in cat.modes.values() if level in m.levels), None)
    if mode is None:
        return None
    return dict(code=mode, label=cat.modes[mode].label, via=via, because=list(because), overridden=[])


def _participants(wm: WorkingMemory) -> tuple[list[dict], list[str]]:
    cat = wm.rb.catalogue
    roles = cat.roles
    out: list[dict] = []
    gaps: list[str] = []
    by_subject: dict[str, list[Firing]] = {}
    recruiting: dict[str, list[Firing]] = {}
    modes: dict[str, list[Firing]] = {}
    for f in wm.firings:
        then = f.rule.then
        if then.participant or then.exclude:
            by_subject.setdefault(f.subject, []).append(f)
        if then.recruitment:
            recruiting.setdefault(f.subject, []).append(f)
        if then.mode:
            modes.setdefault(f.subject, []).append(f)
    for sid in wm.subjects.ids:
        cands = by_subject.get(sid, [])
        name = wm.subjects.names[sid]
        if not cands:
            gaps.append(f"stakeholder {sid}: no rule gave it a role or excluded it")
            out.append(dict(stakeholder=sid, name=name, role=None, role_label=None, iap2_level=None,
                            recruitment=None, mode=None, excluded=False, reason=None, because=[], overridden=[]))
            continue

        def key(f: Firing) -> tuple:
            p = f.rule.then.participant
            return (-f.rule.priority, -_level_rank(p.level if p else None), f.rule.order, f.seq)
        cands.sort(key=key)
        win = cands[0]
        overridden = []
        for f in cands[1:]:
            p = f.rule.then.participant
            value = f"{p.role} ({p.level})" if p else "excluded"
            if _same_participation(f, win):
                continue
            reason = ("higher priority" if f.rule.priority < win.rule.priority else
                      "same priority, higher IAP2 level" if _level_rank(p.level if p else None) < _level_rank(
                          win.rule.then.participant.level if win.rule.then.participant else None)
                      else "same priority and level, earlier rule")
            overridden.append(dict(rule=f.rule.id, firing=f.seq, value=value, by=[_b(win)], reason=reason))
        agree = [f for f in cands if f is win or _same_participation(f, win)]
        p = win.rule.then.participant
        if p:
            because = _bs(agree)
            recruitment = _choice(recruiting.get(sid, []), "recruitment", cat.recruitment)
            mode = _choice(modes.get(sid, []), "mode", cat.modes) or _default_mode(wm, p.role, p.level, because)
            # a rule base with no recruitment or mode vocabulary (roles.yaml) does not speak about them
            if recruitment is None and cat.recruitment:
                gaps.append(f"stakeholder {sid}: no rule said how its people are selected (recruitment)")
            if mode is None and cat.modes:
                gaps.append(f"stakeholder {sid}: no rule, role or IAP2 level says how its people take part (mode)")
            out.append(dict(stakeholder=sid, name=name, role=p.role, role_label=roles[p.role].label,
                            iap2_level=p.level, recruitment=recruitment, mode=mode, excluded=False, reason=None,
                            because=because, overridden=overridden))
        else:
            out.append(dict(stakeholder=sid, name=name, role=None, role_label=None, iap2_level=None,
                            recruitment=None, mode=None, excluded=True, reason=win.rule.then.exclude,
                            because=[_b(win)], overridden=overridden))
    return out, gaps


_LEVELS = ("low", "medium", "high")
_BOUNDS = ("core_at_most", "cost_at_most", "facilitation_at_most", "time_at_most")
_DEMAND_OF = {"cost_at_most": "cost", "facilitation_at_most": "facilitation", "time_at_most": "time"}


def _plan_bounds(wm: WorkingMemory) -> dict[str, tuple[int | str, list[Firing]]]:
    """The tightest value of each bound the fired `plan` conclusions set, with the firings that set it."""
    found: dict[str, tuple[int, int | str, list[Firing]]] = {}
    for f in wm.firings:
        plan = f.rule.then.plan
        if plan is None:
            continue
        for name, value in plan.bounds().items():
            rank = value if name == "core_at_most" else _LEVELS.index(value)
            held = found.get(name)
            if held is None or rank < held[0]:
                found[name] = (rank, value, [f])
            elif rank == held[0]:
                held[2].append(f)
    return {name: (found[name][1], found[name][2]) for name in _BOUNDS if name in found}


def _plan(wm: WorkingMemory, recommended: dict[str, list[Firing]], codes: list[str]) -> tuple[dict, dict]:
    """Core and extra techniques (the plan's policy, docs/AUTHORING.md): a technique whose demands exceed a
    bound is extra; the others, most important first (the highest priority among the rules recommending
    it, then the lightest demands, then catalogue order), are core up to core_at_most; the rest are extra."""
    cat = wm.rb.catalogue
    bounds = _plan_bounds(wm)
    order = cat.order("techniques")

    def demand(code: str, what: str) -> str:
        d = cat.techniques[code].demands
        return getattr(d, what) if d is not None else "high"

    def rules(fs: list[Firing]) -> str:    # in rule-base order: the same whichever engine fired them first
        return ", ".join(dict.fromkeys(f.rule.id for f in sorted(fs, key=lambda f: (f.rule.order, f.seq))))

    tiers: dict[str, tuple[str, str]] = {}
    fitting: list[str] = []
    for code in codes:
        over = [SENTENCES["tier.demand"].format(demand=demand(code, what), what=SENTENCES[f"demand.{what}"],
                                                value=value, rules=rules(fs))
                for name, (value, fs) in bounds.items() if (what := _DEMAND_OF.get(name))
                and _LEVELS.index(demand(code, what)) > _LEVELS.index(value)]
        if over:
            tiers[code] = ("extra", SENTENCES["tier.extra_demands"].format(reasons="; ".join(over)))
        else:
            fitting.append(code)
    fitting.sort(key=lambda c: (-max(f.rule.priority for f in recommended[c]),
                                sum(_LEVELS.index(demand(c, d)) for d in ("cost", "facilitation", "time")),
                                order.get(c, 1 << 30)))
    limit = bounds.get("core_at_most")
    core = fitting if limit is None else fitting[:limit[0]]
    for code in core:
        top = max(f.rule.priority for f in recommended[code])
        why = {"priority": top, "rules": rules([f for f in recommended[code] if f.rule.priority == top])}
        tiers[code] = ("core", SENTENCES["tier.core_bounded" if bounds else "tier.core_unbounded"].format(**why))
    for code in fitting[len(core):]:
        tiers[code] = ("extra", SENTENCES["tier.extra_core_full"].format(limit=limit[0], rules=rules(limit[1])))
    extra = [c for c in codes if tiers[c][0] == "extra"]
    shown = "; ".join(SENTENCES[f"bound.{name}"].format(value=value) for name, (value, _) in bounds.items())
    summary = (SENTENCES["plan.sizing_bounded"].format(bounds=shown, core=len(core), extra=len(extra)) if bounds
               else SENTENCES["plan.sizing_unbounded"].format(core=len(core)))
    plan = dict(bounds=[dict(bound=name, value=value, because=_bs(fs)) for name, (value, fs) in bounds.items()],
                core=list(core), extra=extra, sizing=summary)
    return plan, tiers


_COLLECTED = ("techniques", "avoid_techniques", "arrangements", "skills", "skill_gaps", "warnings")


def _conclusions(rb: RuleBase) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Per rule, the non-empty lists of codes it concludes that `_collect_all` gathers."""
    return {r.id: tuple((attr, tuple(getattr(r.then, attr))) for attr in _COLLECTED if getattr(r.then, attr))
            for r in rb.rules}


def _collect_all(wm: WorkingMemory) -> dict[str, dict[str, list[Firing]]]:
    """Per kind of conclusion (`_COLLECTED`), each code with the firings that concluded it, in firing order."""
    found: dict[str, dict[str, list[Firing]]] = {attr: {} for attr in _COLLECTED}
    conclusions = rulebase_cache(wm.rb, "resolve.conclusions", _conclusions)
    for f in wm.firings:
        for attr, codes in conclusions[f.rule.id]:     # a firing's rule is one of wm.rb's, as for `_concluded`
            by_code = found[attr]
            for code in codes:
                if code in by_code:
                    by_code[code].append(f)
                else:
                    by_code[code] = [f]
    return found


def _ordered(found: dict[str, list[Firing]], order: dict[str, int]) -> list[str]:
    return sorted(found, key=lambda c: order.get(c, 1 << 30))


def _concluded(rb: RuleBase) -> dict[str, dict[str, Any]]:
    """What each rule concludes, as authored (dumped once per rule base)."""
    return {r.id: r.then.model_dump(mode="json", exclude_defaults=True) for r in rb.rules}


def _copy(concluded: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for k, v in concluded.items()}


def resolve(wm: WorkingMemory, engine_version: str) -> Recommendation:
    """The explained recommendation as the output model."""
    return Recommendation.model_validate(recommendation_data(wm, engine_version))


def recommendation_data(wm: WorkingMemory, engine_version: str) -> dict[str, Any]:
    """The explained recommendation as JSON-ready data, exactly
    `resolve(...).model_dump(mode="json")`: every field of the output models, in
    their order, defaults included, plain JSON types only.

    Validating and dumping the ~55 KB tree through pydantic on every evaluation
    cost more than running the rules, so it is built in its final form here;
    tests/test_output_contract.py holds this to the models (the single source of
    the schema) over many contexts on both backends.
    """
    rb, cat = wm.rb, wm.rb.catalogue
    gaps: list[str] = []
    decision = wm.approach
    if decision is None or decision.code is None:
        raise ResolutionError("the rule base eliminated every approach for this context "
                              f"(eliminations: {', '.join(sorted(decision.eliminated)) if decision else '-'})")
    a = approaches.BY_CODE[decision.code]
    approach = dict(
        code=a.code, thomas=a.thomas, label=a.label, iap2_level=a.iap2_level, meaning=a.meaning,
        constraints=wm.subjects.constraints,
        feasible=list(decision.feasible),
        eliminated=[dict(code=c, label=approaches.BY_CODE[c].label, because=_bs(decision.eliminated[c]))
                    for c in approaches.ORDER if c in decision.eliminated],
        policy=decision.policy, because=[_b(wm.firings[s - 1]) for s in decision.because],
        overridden=[dict(rule=f.rule.id, firing=f.seq, value=str(f.rule.then.prefer), by=_bs(by),
                               reason="preferred approach is not feasible") for f, by in decision.overridden])
    settled = getattr(wm, "unknowns", None)
    unknowns = [dict(a) for a in settled.answers] if settled is not None else []
    if unknowns:
        approach["policy"] = f"{approach['policy']}; {settled.note}"
    participants, pgaps = _participants(wm)
    gaps += pgaps

    collected = _collect_all(wm)
    recommended, avoided = collected["techniques"], collected["avoid_techniques"]
    torder = cat.order("techniques")
    codes = [c for c in _ordered(recommended, torder) if c not in avoided]
    plan, tiers = _plan(wm, recommended, codes)
    techniques = []
    for code in codes:
        t = cat.techniques[code]
        techniques.append(dict(code=code, label=t.label, because=_bs(recommended[code]),
                               iap2_levels=list(t.iap2_levels), group_size=list(t.group_size),
                               channel=t.channel, skills=list(t.skills),
                               demands=t.demands.model_dump() if t.demands is not None else None,
                               tier=tiers[code][0], tier_reason=tiers[code][1]))
    avoided_out = [dict(code=c, label=cat.techniques[c].label, because=_bs(avoided[c]),
                                    overrides=_bs(recommended.get(c, [])))
                   for c in _ordered(avoided, torder)]
    if not techniques:
        gaps.append("no technique is recommended for this context")
    elif not plan["core"]:
        gaps.append("no recommended technique fits the team's capacity: the plan has no core")

    arr = collected["arrangements"]
    governance = [dict(code=c, label=cat.arrangements[c].label, because=_bs(arr[c]))
                  for c in _ordered(arr, cat.order("arrangements"))]
    needed, lacking = collected["skills"], collected["skill_gaps"]
    skills = [dict(code=c, label=cat.skills[c].label, because=_bs(needed[c]), lacking=c in lacking,
                       lacking_because=_bs(lacking.get(c, [])))
              for c in _ordered(needed, cat.order("skills"))]
    warns = collected["warnings"]
    warnings = [dict(code=c, label=cat.warnings[c].label, because=_bs(warns[c]),
                     message=cat.warnings[c].message)
                for c in _ordered(warns, cat.order("warnings"))]

    concluded = rulebase_cache(rb, "resolve.concluded", _concluded)
    firings = [{"seq": f.seq, "rule": f.rule.id, "title": f.rule.title, "file": f.rule.file, "line": f.rule.line,
                "subject": None if f.subject == PROJECT else f.subject, "matched": f.matched, "uses": f.uses,
                "concluded": _copy(concluded[f.rule.id]), "sources": list(f.rule.sources)}
               for f in wm.firings]
    followed = settled.policy.described() if unknowns else None
    cited = sorted({s for f in wm.firings for s in f.rule.sources} | set(followed["sources"] if followed else ()))
    explanation = dict(firings=firings, sources={k: cat.sources[k].citation for k in cited}, policy=POLICY,
                       unknowns_policy=followed)
    rec = dict(approach=approach, unknowns=unknowns, participants=participants, techniques=techniques,
                avoided_techniques=avoided_out, plan=plan, governance=governance, skills=skills, warnings=warnings, gaps=gaps,
                explanation=explanation, rulebase=rb.summary(), engine={"version": engine_version})
    rec["plan"] = {**build_plan(rec, cat), **plan}   # the plan in words (engine/plan.py), then its sizing
    return {"plan": rec.pop("plan"), **rec}           # first: what to do
