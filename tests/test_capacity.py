"""Plans sized to capacity (issue 14, item 4): every recommended technique is core or extra.

Rules bound the plan (`then: plan: {core_at_most, cost_at_most, facilitation_at_most, time_at_most}`); the
tightest bound of each kind holds; a technique whose demands (catalogue) exceed a bound is extra; the others
fill the core up to core_at_most, most important first (priority, then lighter demands, then catalogue order).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine import RuleBaseError, load_rulebase
from engine.diff import diff
from engine.report import render_text

REPO = Path(__file__).resolve().parents[1]

TECHNIQUES = {   # code: (cost, facilitation, time) or None (not stated)
    "fact_sheet": ("low", "low", "low"),
    "focus_group": ("low", "medium", "low"),
    "online_platform": ("medium", "low", "medium"),
    "mediation": None,
}


def _mini(tmp_path, h, *rules: str) -> Path:
    """The mini rule base with demands on its techniques (mediation states none) and `rules` added."""
    root = h.copy_mini(tmp_path, policy=False)
    path = root / "catalogue" / "techniques.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for t in data["techniques"]:
        d = TECHNIQUES[t["code"]]
        if d:
            t["demands"] = dict(zip(("cost", "facilitation", "time"), d))
        t["group_size"] = ["small", "medium", "large", "city_wide"]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    if rules:
        h.write_policy(root, "plan.yaml", *rules)
    return root


def _recommend(h, codes: list[str], priority: int = 50, rid: str = "t.all") -> str:
    return h.rule(rid, "public.size >= small", {"techniques": codes}, priority=priority)


def _planned(rec: dict) -> tuple:
    """What both backends must agree on here: each technique's tier and reason, and the plan's core and extra."""
    return ([(t["code"], t["tier"], t["tier_reason"]) for t in rec["techniques"]],
            rec["plan"]["core"], rec["plan"]["extra"])


def _tiers(rec: dict) -> dict[str, str]:
    return {t["code"]: t["tier"] for t in rec["techniques"]}


def test_without_a_plan_rule_every_technique_is_core(tmp_path, h):
    root = _mini(tmp_path, h, _recommend(h, ["fact_sheet", "focus_group", "mediation"]))
    with h.both_backends(root, _planned) as e:
        rec = e.evaluate(h.make_context())
    assert set(_tiers(rec).values()) == {"core"}
    assert rec["plan"]["bounds"] == [] and rec["plan"]["extra"] == []
    assert rec["plan"]["sizing"] == "No rule bounds the plan: all 3 techniques are core."
    assert all(t["tier_reason"].startswith("core: no rule bounds the plan (priority 50: t.all)")
               for t in rec["techniques"])


def test_the_tightest_bound_holds_and_names_its_rules(tmp_path, h):
    root = _mini(tmp_path, h, _recommend(h, ["fact_sheet", "focus_group", "online_platform"]),
                 h.rule("p.six", "public.size >= small", {"plan": {"core_at_most": 6}}),
                 h.rule("p.two", "capacity.engagement_budget == medium", {"plan": {"core_at_most": 2}}),
                 h.rule("p.two_again", "public.size >= medium", {"plan": {"core_at_most": 2}}))
    with h.both_backends(root, _planned) as e:
        rec = e.evaluate(h.make_context())
    (bound,) = rec["plan"]["bounds"]
    assert (bound["bound"], bound["value"]) == ("core_at_most", 2)
    assert [b["rule"] for b in bound["because"]] == ["p.two", "p.two_again"]
    # equal priority: the lighter demands first (fact_sheet 0, focus_group 1, online_platform 2)
    assert rec["plan"]["core"] == ["fact_sheet", "focus_group"] and rec["plan"]["extra"] == ["online_platform"]
    platform = next(t for t in rec["techniques"] if t["code"] == "online_platform")
    assert platform["tier_reason"] == ("extra: the core holds at most 2 techniques (p.two, p.two_again) and more "
                                       "important or lighter ones come first")


def test_priority_comes_before_lightness(tmp_path, h):
    root = _mini(tmp_path, h, _recommend(h, ["fact_sheet", "focus_group"]),
                 _recommend(h, ["online_platform"], priority=60, rid="t.important"),
                 h.rule("p.one", "public.size >= small", {"plan": {"core_at_most": 1}}))
    with h.both_backends(root, _planned) as e:
        rec = e.evaluate(h.make_context())
    assert rec["plan"]["core"] == ["online_platform"]


def test_demands_above_a_bound_make_a_technique_extra_and_unstated_demands_count_as_high(tmp_path, h):
    root = _mini(tmp_path, h, _recommend(h, ["fact_sheet", "focus_group", "online_platform", "mediation"]),
                 h.rule("p.cheap", "capacity.engagement_budget == medium", {"plan": {"cost_at_most": "low"}}),
                 h.rule("p.simple", "public.size >= small", {"plan": {"facilitation_at_most": "medium"}}))
    with h.both_backends(root, _planned) as e:
        rec = e.evaluate(h.make_context())
    assert _tiers(rec) == {"fact_sheet": "core", "focus_group": "core", "online_platform": "extra",
                           "mediation": "extra"}
    reasons = {t["code"]: t["tier_reason"] for t in rec["techniques"]}
    assert reasons["online_platform"] == "extra: it demands medium cost and the plan allows at most low (p.cheap)"
    assert reasons["mediation"] == ("extra: it demands high cost and the plan allows at most low (p.cheap); it "
                                    "demands high facilitation and the plan allows at most medium (p.simple)")
    assert next(t for t in rec["techniques"] if t["code"] == "mediation")["demands"] is None
    text = render_text(rec)
    assert "  core (do these), most important first:\n    Fact sheet (fact_sheet)" in text
    assert "    cost at most low: because p.cheap#" in text


def test_a_plan_nothing_fits_is_a_gap(tmp_path, h):
    root = _mini(tmp_path, h, _recommend(h, ["online_platform"]),
                 h.rule("p.cheap", "public.size >= small", {"plan": {"cost_at_most": "low"}}))
    with h.both_backends(root, _planned) as e:
        rec = e.evaluate(h.make_context())
    assert "no recommended technique fits the team's capacity: the plan has no core" in rec["gaps"]


@pytest.mark.parametrize("then, for_each, message", [
    ({"plan": {"core_at_most": 3}}, True, "plan bounds the whole plan"),
    ({"plan": {}}, False, "plan needs at least one bound"),
    ({"plan": {"core_at_most": 0}}, False, "core_at_most` must be a whole number from 1 to 100"),
    ({"plan": {"cost_at_most": "cheap"}}, False, "cost_at_most"),
])
def test_bad_plan_conclusions_name_the_line(tmp_path, h, then, for_each, message):
    root = _mini(tmp_path, h)
    h.write_policy(root, "bad.yaml", h.rule("bad.plan", "stakeholder.power == high" if for_each
                                            else "public.size == large", then, for_each=for_each))
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase(root)
    text = "\n".join(map(str, exc.value.errors))
    assert message in text and "policy/bad.yaml:" in text


def test_every_shipped_technique_says_what_it_demands():
    rb = load_rulebase(REPO / "rules")
    assert all(t.demands is not None for t in rb.catalogue.techniques.values()), \
        [c for c, t in rb.catalogue.techniques.items() if t.demands is None]


# ---- the shipped rules ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped(h):
    with h.both_backends(REPO / "rules", _planned) as e:
        yield e


def _athens() -> dict:
    return json.loads((REPO / "examples" / "pilots" / "athens.json").read_text(encoding="utf-8"))


def test_an_all_assumed_low_capacity_context_is_not_a_full_scale_programme(shipped):
    rec = shipped.evaluate(_athens())
    assert len(rec["plan"]["core"]) <= 4
    assert {"citizen_jury", "participatory_budgeting", "citizen_panel"} <= set(rec["plan"]["extra"])
    assert {"facilitation_support", "capacity_partner", "phased_plan"} <= {g["code"] for g in rec["governance"]}


def test_capacity_growing_moves_techniques_into_the_core_and_a_diff_says_so(shipped):
    low = shipped.evaluate(_athens())
    richer = _athens()
    richer["capacity"].update(engagement_budget="high", facilitation_skills="high", prior_coproduction_experience=True)
    high = shipped.evaluate(richer)
    assert high["plan"]["extra"] == [] and len(high["plan"]["core"]) > len(low["plan"]["core"])
    changes = {c.item: (c.old, c.new) for c in diff(low, high).changes}
    assert changes["technique:citizen_jury"] == ("extra", "core")
