"""Recruitment and mode of each participant, after Fung's democracy cube (issue 14, item 2).

Rules conclude `recruitment` and `mode` per group; the highest priority wins, then rule order; a group no
mode rule speaks about takes the mode of its role (catalogue), else of its IAP2 level. The shipped rules
choose them from the activity and the nature of the decision, not from the size of the public alone.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import RuleBaseError, load_rulebase
from engine.diff import diff
from engine.lint import lint, load_lint_config

REPO = Path(__file__).resolve().parents[1]

VOCABULARY = """
recruitment:
  - {code: open_self_selection, label: Open self-selection}
  - {code: random_selection, label: Random selection}
modes:
  - {code: listen, label: Listen, levels: [inform]}
  - {code: express, label: Express, levels: [consult]}
  - {code: deliberate, label: Deliberate, levels: [collaborate]}
  - {code: vote, label: Vote}
  - {code: expertise, label: Expertise}
"""


def _mini(tmp_path, h, *rules: str, informed_mode: str | None = "expertise") -> Path:
    """The mini rule base with a recruitment and mode vocabulary; its role `informed` says its own mode."""
    root = h.copy_mini(tmp_path)
    roles = root / "catalogue" / "roles.yaml"
    text = roles.read_text(encoding="utf-8")
    if informed_mode:
        text = text.replace("{code: informed, label: Kept informed}",
                            f"{{code: informed, label: Kept informed, mode: {informed_mode}}}")
    roles.write_text(text + VOCABULARY, encoding="utf-8")
    if rules:
        h.write_policy(root, "who.yaml", *rules)
    return root


def _participant(rec: dict, sid: str) -> dict:
    return next(p for p in rec["participants"] if p["stakeholder"] == sid)


OPEN = dict(rid="who.open", when="stakeholder.power >= low", then={"recruitment": "open_self_selection"},
            for_each=True, priority=10)


def test_rule_then_role_then_level(tmp_path, h):
    root = _mini(tmp_path, h, h.rule(**OPEN),
                 h.rule("who.vote", "stakeholder.kind == business", {"mode": "vote"}, for_each=True))
    ctx = h.make_context(stakeholders=[h.stakeholder("alpha", power="high", interest="high"),
                                       h.stakeholder("beta", kind="business"),
                                       h.stakeholder("gamma", kind="research")],
                         decision={"public_conflict_likely": False}, public={"size": "small"})
    with h.both_backends(root, _participants) as engine:
        rec = engine.evaluate(ctx)
    alpha, beta, gamma = (_participant(rec, s) for s in ("alpha", "beta", "gamma"))
    assert (alpha["iap2_level"], alpha["mode"]["code"], alpha["mode"]["via"]) == ("collaborate", "deliberate", "level")
    assert alpha["mode"]["because"] == alpha["because"]          # the level's mode: the role's reasons
    assert (beta["mode"]["code"], beta["mode"]["via"]) == ("vote", "rule")
    assert [b["rule"] for b in beta["mode"]["because"]] == ["who.vote"]
    # gamma is kept informed, and that role says how it takes part (beta's rule beats the same role)
    assert (gamma["role"], gamma["mode"]["code"], gamma["mode"]["via"]) == ("informed", "expertise", "role")
    assert beta["role"] == "informed"
    assert all(p["recruitment"]["code"] == "open_self_selection" for p in (alpha, beta, gamma))
    assert not rec["gaps"]


def _participants(rec: dict) -> list:
    """What both backends must agree on here: the participants, without firing numbers."""
    return _unnumbered(rec["participants"])


def _unnumbered(value):
    """Without firing numbers, which differ between the engines (they fire in different orders)."""
    if isinstance(value, dict):
        return {k: _unnumbered(v) for k, v in value.items() if k != "firing"}
    if isinstance(value, list):
        return [_unnumbered(v) for v in value]
    return value


def test_highest_priority_wins_and_the_loser_is_listed(tmp_path, h):
    root = _mini(tmp_path, h, h.rule(**OPEN),
                 h.rule("who.lot", "public.size >= large", {"recruitment": "random_selection"}, for_each=True,
                        priority=20))
    with h.both_backends(root, _participants) as engine:
        rec = engine.evaluate(h.make_context(public={"size": "large"}))
    chosen = _participant(rec, "alpha")["recruitment"]
    assert (chosen["code"], [b["rule"] for b in chosen["because"]]) == ("random_selection", ["who.lot"])
    assert [(o["rule"], o["value"], o["reason"]) for o in chosen["overridden"]] == [
        ("who.open", "open_self_selection", "higher priority")]


def test_a_group_without_recruitment_is_a_gap_and_excluded_groups_have_none(tmp_path, h):
    root = _mini(tmp_path, h, h.rule("who.some", "stakeholder.kind == business",
                                      {"recruitment": "open_self_selection"}, for_each=True))
    with h.both_backends(root, _participants) as engine:
        rec = engine.evaluate(h.make_context())
    assert "stakeholder alpha: no rule said how its people are selected (recruitment)" in rec["gaps"]
    assert _participant(rec, "beta")["recruitment"]["code"] == "open_self_selection"


def test_a_rule_base_without_the_vocabulary_has_no_recruitment_and_no_gap(h):
    with h.both_backends(h.MINI, _participants) as engine:
        rec = engine.evaluate(h.make_context())
    assert all(p["recruitment"] is None and p["mode"] is None for p in rec["participants"])
    assert not [g for g in rec["gaps"] if "recruitment" in g or "mode" in g]


@pytest.mark.parametrize("then, for_each, message", [
    ({"recruitment": "lottery"}, True, "unknown recruitment 'lottery' (one of open_self_selection, random_selection)"),
    ({"mode": "shout"}, True, "unknown mode 'shout'"),
    ({"recruitment": "open_self_selection"}, False, "recruitment is about a stakeholder group"),
    ({"exclude": "not part of it", "mode": "vote"}, True, "a rule that excludes the group cannot say its mode"),
])
def test_bad_recruitment_or_mode_conclusions_name_the_line(tmp_path, h, then, for_each, message):
    root = _mini(tmp_path, h)
    path = h.write_policy(root, "bad.yaml", h.rule("bad.rule", "stakeholder.power == high" if for_each
                                                   else "public.size == large", then, for_each=for_each))
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase(root)
    text = "\n".join(map(str, exc.value.errors))
    assert message in text and f"policy/{path.name}:" in text


def test_a_role_naming_an_unknown_mode_is_refused_at_its_line(tmp_path, h):
    root = _mini(tmp_path, h, informed_mode="shout")
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase(root)
    assert "catalogue/roles.yaml:4: role informed: unknown mode 'shout'" in "\n".join(map(str, exc.value.errors))


def test_lint_finds_equal_priority_contradictions_redundant_modes_and_gaps(tmp_path, h):
    root = _mini(tmp_path, h,
                 h.rule("who.open", "stakeholder.power >= low", {"recruitment": "open_self_selection"},
                        for_each=True),
                 h.rule("who.lot", "public.size >= large", {"recruitment": "random_selection"}, for_each=True),
                 h.rule("who.deliberate", "derived.key_player", {"mode": "deliberate"}, for_each=True),
                 h.rule("who.buried", "stakeholder.power == high", {"recruitment": "random_selection"},
                        for_each=True, priority=5))
    report = lint(load_rulebase(root), load_lint_config(root))
    found = {(f.kind, f.rule) for f in report.findings}
    assert ("contradiction_participant", "who.lot") in found           # same priority, different recruitment
    assert ("redundant", "who.deliberate") in found                    # key players collaborate: level says so
    assert ("shadowed", "who.buried") in found                         # who.open always beats it
    gaps = [f for f in report.findings if f.kind == "gap_role"]
    assert not gaps, gaps                                              # every group gets a recruitment and mode
    assert all(f.confirmed is not False for f in report.findings)
    root2 = _mini(tmp_path / "two", h, h.rule("who.some", "stakeholder.kind == business",
                                               {"recruitment": "open_self_selection"}, for_each=True))
    report = lint(load_rulebase(root2), load_lint_config(root2))
    gap = next(f for f in report.findings if f.kind == "gap_role" and "recruitment" in f.message)
    assert gap.confirmed is True


# ---- the shipped rules: Fung, not size alone ----------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped(h):
    with h.both_backends(REPO / "rules", _participants) as engine:
        yield engine


def _pb(h, **decision):
    """A city-wide participatory budget: co-commissioning shared with residents."""
    return h.make_context(
        project={"activities": ["co_commissioning"], "objective": "capacity_building"},
        decision={"quality_requirement": False, "acceptance_critical": True, "acceptance_likely_if_autonomous": False,
                  **decision},
        public={"size": "city_wide", "organisation": "unorganised"},
        stakeholders=[h.stakeholder("residents", interest="high", affected=True),
                      h.stakeholder("council", kind="public_authority", power="high", interest="high"),
                      h.stakeholder("association", kind="civil_society", interest="high", organised=True)])


def test_a_city_wide_participatory_budget_is_open_and_decided_by_voting(shipped, h):
    rec = shipped.evaluate(_pb(h))
    residents = _participant(rec, "residents")
    assert rec["approach"]["code"] == "public_decision"
    assert residents["role"] != "citizen_evaluator"
    assert (residents["recruitment"]["code"], residents["mode"]["code"]) == ("open_self_selection", "vote")
    assert {t["code"] for t in rec["techniques"]} >= {"participatory_budgeting"}
    assert "citizen_jury" not in {t["code"] for t in rec["techniques"]}
    assert "random_selection" not in {g["code"] for g in rec["governance"]}
    assert _participant(rec, "council")["recruitment"]["code"] == "professional_stakeholders"
    assert _participant(rec, "association")["recruitment"]["code"] == "organised_representatives"


def test_a_large_public_deliberating_on_a_conflict_is_a_random_mini_public(shipped, h):
    ctx = _pb(h, public_conflict_likely=True)
    ctx["project"]["activities"] = ["co_assessment"]
    ctx["stakeholders"][0].update(affected=False, interest="medium", can_obstruct=True)   # no default co-assessor
    rec = shipped.evaluate(ctx)
    residents = _participant(rec, "residents")
    assert (residents["role"], residents["recruitment"]["code"], residents["mode"]["code"]) == (
        "citizen_evaluator", "random_selection", "deliberate")
    assert "random_selection" in {g["code"] for g in rec["governance"]}


def test_self_selected_volunteers_are_not_randomly_selected(shipped, h):
    ctx = _pb(h, public_conflict_likely=True)
    ctx["project"]["activities"] = ["co_commissioning", "co_assessment"]
    ctx["stakeholders"][0]["co_produces"] = [{"activity": "co_assessment", "contributes": "time"}]
    rec = shipped.evaluate(ctx)
    residents = _participant(rec, "residents")
    assert residents["role"] == "co_assessor"
    assert residents["recruitment"]["code"] == "open_self_selection"


def test_recruitment_and_mode_changes_show_in_a_diff(shipped, h):
    before = shipped.evaluate(_pb(h))
    after = shipped.evaluate(_pb(h, public_conflict_likely=True))
    changes = {c.item: (c.old, c.new) for c in diff(before, after).changes}
    assert changes["recruitment:residents"] == ("open_self_selection", "random_selection")
    assert changes["mode:residents"] == ("vote", "deliberate")


def test_every_pilot_participant_says_who_and_how(shipped):
    for path in sorted((REPO / "examples" / "pilots").glob("*.json")):
        rec = shipped.evaluate(json.loads(path.read_text(encoding="utf-8")))
        for p in rec["participants"]:
            if p["excluded"]:
                assert p["recruitment"] is None and p["mode"] is None
            else:
                assert p["recruitment"] and p["mode"], (path.name, p["stakeholder"])
