"""Then steps about the rest of the recommendation: techniques, governance, skills,
warnings, gaps, and the explanation (which rules fired, on which answers)."""
from __future__ import annotations

from pytest_bdd import parsers, then

from .world import (REASON, World, check_reasons, parse_reasons, parse_value, rule_ids, show, split_list,
                    table_pairs)


def _listing(items: list[dict]) -> str:
    if not items:
        return "    (none)"
    return "\n".join(f"    {i['code']}: because of {', '.join(rule_ids(i['because']))}" for i in items)


def _find(items: list[dict], code: str) -> dict | None:
    return next((i for i in items if i["code"] == code), None)


def _present(world: World, section: str, noun: str, code: str, reason: str | None) -> dict:
    items = world.rec()[section]
    item = _find(items, code)
    if item is None:
        raise AssertionError(f"expected {noun} {code}; the recommendation has:\n{_listing(items)}")
    check_reasons(f"{noun} {code}", parse_reasons(reason), item["because"])
    return item


def _absent(world: World, section: str, noun: str, code: str) -> None:
    item = _find(world.rec()[section], code)
    if item is not None:
        raise AssertionError(f"expected no {noun} {code}, but it is there because of "
                             f"{', '.join(rule_ids(item['because']))}")


# ---------------------------------------------------------------- techniques

@then(parsers.re(r"technique (?P<code>\w+) is recommended" + REASON))
def _(world: World, code: str, reason: str | None):
    avoided = _find(world.rec()["avoided_techniques"], code)
    if avoided is not None and _find(world.rec()["techniques"], code) is None:
        raise AssertionError(f"expected technique {code} to be recommended, but it is avoided because of "
                             f"{', '.join(rule_ids(avoided['because']))}")
    _present(world, "techniques", "technique", code, reason)


@then(parsers.re(r"technique (?P<code>\w+) is not recommended"))
def _(world: World, code: str):
    _absent(world, "techniques", "recommended technique", code)


@then(parsers.re(r"the recommended techniques include (?P<codes>.+)"))
def _(world: World, codes: str):
    have = [t["code"] for t in world.rec()["techniques"]]
    missing = [c for c in split_list(codes) if c not in have]
    if missing:
        raise AssertionError(f"missing techniques: {', '.join(missing)}; the recommendation has:\n"
                             f"{_listing(world.rec()['techniques'])}")


@then(parsers.re(r"technique (?P<code>\w+) is avoided" + REASON))
def _(world: World, code: str, reason: str | None):
    _present(world, "avoided_techniques", "avoided technique", code, reason)


@then(parsers.re(r"technique (?P<code>\w+) is not avoided"))
def _(world: World, code: str):
    _absent(world, "avoided_techniques", "avoided technique", code)


@then(parsers.re(r"avoiding technique (?P<code>\w+) overrides its recommendation by rule (?P<rule>\S+)"))
def _(world: World, code: str, rule: str):
    item = _present(world, "avoided_techniques", "avoided technique", code, None)
    if rule not in rule_ids(item["overrides"]):
        raise AssertionError(f"avoiding {code} overrides the recommendations of "
                             f"{', '.join(rule_ids(item['overrides'])) or '(no rule)'}, not of {rule}")


def _channels(text: str) -> list[str]:
    return [c for c in split_list(text.replace(" or ", ", ")) if c != "or"]


@then(parsers.re(r"an? (?P<channels>(?:online|offline|assisted)(?: or (?:online|offline|assisted))*) technique "
                 r"is recommended" + REASON))
def _(world: World, channels: str, reason: str | None):
    wanted = _channels(channels)
    techniques = world.rec()["techniques"]
    hits = [t for t in techniques if t["channel"] in wanted]
    if not hits:
        raise AssertionError(f"expected a technique with channel {' or '.join(wanted)}; recommended:\n"
                             + "\n".join(f"    {t['code']} [{t['channel']}]" for t in techniques))
    reasons = parse_reasons(reason)
    if reasons is not None:
        failures = []
        for t in hits:
            try:
                check_reasons(f"technique {t['code']} [{t['channel']}]", reasons, t["because"])
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError("no such technique has the expected reasons:\n" + "\n".join(failures))


@then(parsers.re(r"no (?P<channels>(?:online|offline|assisted)(?: or (?:online|offline|assisted))*) technique "
                 r"is recommended"))
def _(world: World, channels: str):
    wanted = _channels(channels)
    hits = [t for t in world.rec()["techniques"] if t["channel"] in wanted]
    if hits:
        raise AssertionError("expected no such technique, but these are recommended:\n"
                             + "\n".join(f"    {t['code']} [{t['channel']}] because of "
                                         f"{', '.join(rule_ids(t['because']))}" for t in hits))


@then("online techniques are not recommended alone")
def _(world: World):
    techniques = world.rec()["techniques"]
    online = [t["code"] for t in techniques if t["channel"] == "online"]
    other = [t["code"] for t in techniques if t["channel"] != "online"]
    if online and not other:
        raise AssertionError(f"only online techniques are recommended: {', '.join(online)}")


@then(parsers.re(r"every recommended technique suits a public of size (?P<size>\w+)"))
def _(world: World, size: str):
    bad = [f"{t['code']} (suits {', '.join(t['group_size'])})" for t in world.rec()["techniques"]
           if size not in t["group_size"]]
    if bad:
        raise AssertionError(f"techniques not suited to a {size} public: {'; '.join(bad)}")


# ---------------------------------------------------------------- governance, skills, warnings, gaps

@then(parsers.re(r"the governance arrangements include (?P<code>\w+)" + REASON))
def _(world: World, code: str, reason: str | None):
    _present(world, "governance", "governance arrangement", code, reason)


@then(parsers.re(r"the governance arrangements do not include (?P<code>\w+)"))
def _(world: World, code: str):
    _absent(world, "governance", "governance arrangement", code)


def _skills(world: World) -> str:
    return "\n".join(f"    {s['code']}{' (lacking)' if s['lacking'] else ''}: because of "
                     f"{', '.join(rule_ids(s['because']))}" for s in world.rec()["skills"]) or "    (none)"


@then(parsers.re(r"skill (?P<code>\w+) is needed" + REASON))
def _(world: World, code: str, reason: str | None):
    _present(world, "skills", "skill", code, reason)


@then(parsers.re(r"skill (?P<code>\w+) is needed but not lacking"))
def _(world: World, code: str):
    skill = _present(world, "skills", "skill", code, None)
    if skill["lacking"]:
        raise AssertionError(f"skill {code} is flagged lacking because of "
                             f"{', '.join(rule_ids(skill['lacking_because']))}")


@then(parsers.re(r"skill (?P<code>\w+) is (?:needed and )?lacking" + REASON))
def _(world: World, code: str, reason: str | None):
    skill = _find(world.rec()["skills"], code)
    if skill is None or not skill["lacking"]:
        raise AssertionError(f"expected skill {code} to be needed and lacking; the skills are:\n{_skills(world)}")
    check_reasons(f"lack of skill {code}", parse_reasons(reason), skill["lacking_because"])


@then(parsers.re(r"skill (?P<code>\w+) is not needed"))
def _(world: World, code: str):
    _absent(world, "skills", "skill", code)


@then(parsers.re(r"warning (?P<code>\w+) is given" + REASON))
def _(world: World, code: str, reason: str | None):
    _present(world, "warnings", "warning", code, reason)


@then(parsers.re(r"warning (?P<code>\w+) is not given"))
def _(world: World, code: str):
    _absent(world, "warnings", "warning", code)


@then(parsers.re(r'the warning (?P<code>\w+) says "(?P<text>[^"]+)"'))
def _(world: World, code: str, text: str):
    item = _present(world, "warnings", "warning", code, None)
    if text.lower() not in item["message"].lower():
        raise AssertionError(f"warning {code} says {item['message']!r}, which does not contain {text!r}")


@then(parsers.re(r"there are no gaps|the recommendation has no gaps"))
def _(world: World):
    gaps = world.rec()["gaps"]
    assert not gaps, "the rule base left these gaps:\n" + "\n".join(f"    {g}" for g in gaps)


@then(parsers.re(r'there is a gap about "(?P<text>[^"]+)"'))
def _(world: World, text: str):
    gaps = world.rec()["gaps"]
    if not any(text.lower() in g.lower() for g in gaps):
        raise AssertionError(f"no gap mentions {text!r}; the gaps are:\n"
                             + ("\n".join(f"    {g}" for g in gaps) or "    (none)"))


# ---------------------------------------------------------------- rule firings and the explanation

SUBJECT = r'(?: for stakeholder "(?P<sid>[^"]+)")?'


@then(parsers.re(r"rule (?P<rule>\S+) fired" + SUBJECT))
def _(world: World, rule: str, sid: str | None):
    firings = world.firings(rule, sid, any_subject=sid is None)
    if not firings:
        others = sorted({f["subject"] or "the project" for f in world.firings(rule)})
        raise AssertionError(f"rule {rule} did not fire{' for ' + repr(sid) if sid else ''}"
                             + (f" (it fired for {', '.join(others)})" if others else "")
                             + f"; the rules that fired: {world.firing_summary()}")


@then(parsers.re(r"rule (?P<rule>\S+) did not fire" + SUBJECT))
def _(world: World, rule: str, sid: str | None):
    firings = world.firings(rule, sid, any_subject=sid is None)
    if firings:
        raise AssertionError(f"rule {rule} fired (firings "
                             f"{', '.join('#%d%s' % (f['seq'], ' for ' + f['subject'] if f['subject'] else '') for f in firings)})")


@then(parsers.re(r"rule (?P<rule>\S+) fired" + SUBJECT + r" matching:"))
def _(world: World, rule: str, sid: str | None, datatable: list[list[str]]):
    firings = world.firings(rule, sid, any_subject=sid is None)
    if not firings:
        raise AssertionError(f"rule {rule} did not fire; the rules that fired: {world.firing_summary()}")
    expected = {name: parse_value(value) for name, value in table_pairs(datatable)}
    for f in firings:
        if all(f["matched"].get(k, object()) == v for k, v in expected.items()):
            return
    shown = "\n".join(f"    #{f['seq']}{' for ' + f['subject'] if f['subject'] else ''}: "
                      + ", ".join(f"{k} = {show(v)}" for k, v in f["matched"].items()) for f in firings)
    want = ", ".join(f"{k} = {show(v)}" for k, v in expected.items())
    raise AssertionError(f"no firing of {rule} matched {want}; it matched:\n{shown}")


def _because_lists(rec: dict):
    a = rec["approach"]
    yield f"approach {a['code']}", a["because"]
    for e in a["eliminated"]:
        yield f"elimination of {e['code']}", e["because"]
    for p in rec["participants"]:
        if p["role"] is not None or p["excluded"]:
            yield f"participant {p['stakeholder']}", p["because"]
    for section in ("techniques", "avoided_techniques", "governance", "skills", "warnings"):
        for item in rec[section]:
            yield f"{section} {item['code']}", item["because"]
    for s in rec["skills"]:
        if s["lacking"]:
            yield f"lacking skill {s['code']}", s["lacking_because"]


@then("every line of the recommendation is explained")
def _(world: World):
    rec = world.rec()
    firings = {f["seq"]: f for f in rec["explanation"]["firings"]}
    problems = []
    for what, because in _because_lists(rec):
        if not because:
            problems.append(f"{what}: no reason given")
        for b in because:
            f = firings.get(b["firing"])
            if f is None or f["rule"] != b["rule"] or f["subject"] != b["subject"]:
                problems.append(f"{what}: reason {b['rule']}#{b['firing']} is not a firing of that rule")
    for f in firings.values():
        for used in f["uses"]:
            if used not in firings or used >= f["seq"]:
                problems.append(f"firing #{f['seq']} {f['rule']} uses #{used}, which is not an earlier firing")
        if not f["matched"] and not f["uses"]:
            problems.append(f"firing #{f['seq']} {f['rule']} matched no answer")
        if not f["sources"]:
            problems.append(f"firing #{f['seq']} {f['rule']} cites no source")
    if problems:
        raise AssertionError("unexplained lines:\n" + "\n".join(f"    {p}" for p in problems))


# ---------------------------------------------------------------- the plan sized to capacity

def _technique(world: World, code: str) -> dict:
    item = _find(world.rec()["techniques"], code)
    if item is None:
        raise AssertionError(f"expected technique {code}; the recommendation has:\n{_listing(world.rec()['techniques'])}")
    return item


def _tiers(world: World) -> str:
    return "\n".join(f"    {t['code']}: {t['tier']} ({t['tier_reason']})" for t in world.rec()["techniques"]) or \
        "    (none)"


@then(parsers.re(r"technique (?P<code>\w+) is (?P<tier>core|extra)"))
def _(world: World, code: str, tier: str):
    item = _technique(world, code)
    if item["tier"] != tier:
        raise AssertionError(f"expected technique {code} to be {tier}; the techniques' tiers are:\n{_tiers(world)}")


@then(parsers.re(r"the core techniques are (?P<codes>.+)"))
def _(world: World, codes: str):
    want = sorted(split_list(codes))
    have = sorted(world.rec()["plan"]["core"])
    if want != have:
        raise AssertionError(f"expected the core techniques {', '.join(want)}; the tiers are:\n{_tiers(world)}")


@then("every recommended technique is core")
def _(world: World):
    extra = world.rec()["plan"]["extra"]
    if extra:
        raise AssertionError(f"expected no extra technique; the tiers are:\n{_tiers(world)}")


@then(parsers.re(r"the plan allows at most (?P<value>\w+) (?P<what>core techniques|cost|facilitation|time)" + REASON))
def _(world: World, value: str, what: str, reason: str | None):
    bound = "core_at_most" if what == "core techniques" else f"{what}_at_most"
    found = next((b for b in world.rec()["plan"]["bounds"] if b["bound"] == bound), None)
    shown = "; ".join(f"{b['bound']} {b['value']}" for b in world.rec()["plan"]["bounds"]) or "no bounds"
    if found is None or str(found["value"]) != value:
        raise AssertionError(f"expected the plan to allow at most {value} {what}; the plan has {shown}")
    check_reasons(f"the bound {bound}", parse_reasons(reason), found["because"])


@then(parsers.re(r"the plan does not bound (?P<what>core techniques|cost|facilitation|time)"))
def _(world: World, what: str):
    bound = "core_at_most" if what == "core techniques" else f"{what}_at_most"
    found = next((b for b in world.rec()["plan"]["bounds"] if b["bound"] == bound), None)
    if found is not None:
        raise AssertionError(f"expected no bound on {what}, but the plan allows at most {found['value']} because of "
                             f"{', '.join(rule_ids(found['because']))}")
