"""engine/resolve.py: the documented, deterministic conflict policy."""
from __future__ import annotations

import pytest

from engine import Engine, ResolutionError, load_rulebase

BACKENDS = ["python", "durable"]


@pytest.fixture
def build(tmp_path, h):
    """build(*rules) -> a RuleBase of mini's catalogues (plus a few entries) and only these rules."""
    counter = iter(range(1000))

    def make(*rules):
        root = h.copy_mini(tmp_path, name=f"rb{next(counter)}", policy=False)
        cat = root / "catalogue"
        with open(cat / "techniques.yaml", "a") as f:
            f.write("  - {code: citizen_jury, label: Citizen jury, iap2_levels: [involve], group_size: [small], "
                    "channel: offline, sources: [thomas1993]}\n")
        with open(cat / "skills.yaml", "a") as f:
            f.write("  - {code: data_protection, label: Data protection}\n  - {code: mediation_skill, label: Mediation}\n")
        with open(cat / "warnings.yaml", "a") as f:
            f.write("  - {code: legal, label: Legal, message: Check the law.}\n")
        with open(cat / "arrangements.yaml", "a") as f:
            f.write("  - {code: advisory_board, label: Advisory board}\n")
        h.write_policy(root, "rules.yaml", *rules)
        return load_rulebase(root)
    return make


def evaluate(rb, ctx, backend="python"):
    eng = Engine(rb, backend=backend)
    try:
        return eng.evaluate(ctx)
    finally:
        eng.close()


def rules_of(because):
    return [b["rule"] for b in because]


def firing(rec, rule, subject=None):
    """seq of the firing of `rule` (for `subject`)."""
    (seq,) = [f["seq"] for f in rec["explanation"]["firings"] if f["rule"] == rule and f["subject"] == subject]
    return seq


ALWAYS = "public.size >= small"


# ---- approach -----------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_default_is_least_involving_when_no_preference_fired(build, h, backend):
    rb = build(h.rule("e.auto", ALWAYS, {"eliminate": ["autonomous"]}),
               h.rule("p.never", "decision.urgency == high", {"prefer": "most_involving"}))
    a = evaluate(rb, h.make_context(), backend)["approach"]
    assert a["code"] == "modified_autonomous"
    assert a["iap2_level"] == "consult" and a["thomas"] == "A-II"
    assert a["feasible"] == ["modified_autonomous", "segmented_consultation", "unitary_consultation",
                             "public_decision"]
    assert [(e["code"], rules_of(e["because"])) for e in a["eliminated"]] == [("autonomous", ["e.auto"])]
    assert a["policy"] == "least_involving (default: no preference rule fired)"
    assert rules_of(a["because"]) == ["e.auto"]
    assert a["overridden"] == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_least_involving_picks_the_first_feasible(build, h, backend):
    rb = build(h.rule("e.two", ALWAYS, {"eliminate": ["autonomous", "modified_autonomous"]}),
               h.rule("e.top", ALWAYS, {"eliminate": ["public_decision"]}),
               h.rule("p.least", ALWAYS, {"prefer": "least_involving"}))
    a = evaluate(rb, h.make_context(), backend)["approach"]
    assert a["code"] == "segmented_consultation"
    assert a["policy"] == "least_involving (preference of p.least)"
    # the eliminations that pushed the choice up, and the preference; not the irrelevant one
    assert sorted(rules_of(a["because"])) == ["e.two", "p.least"]
    assert [e["code"] for e in a["eliminated"]] == ["autonomous", "modified_autonomous", "public_decision"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_most_involving_picks_the_last_feasible(build, h, backend):
    rb = build(h.rule("e.auto", ALWAYS, {"eliminate": ["autonomous"]}),
               h.rule("e.top", ALWAYS, {"eliminate": ["public_decision"]}),
               h.rule("p.most", ALWAYS, {"prefer": "most_involving"}))
    a = evaluate(rb, h.make_context(), backend)["approach"]
    assert a["code"] == "unitary_consultation"
    assert a["iap2_level"] == "involve"
    assert a["policy"] == "most_involving (preference of p.most)"
    assert sorted(rules_of(a["because"])) == ["e.top", "p.most"]


def test_highest_priority_preference_wins(build, h):
    rb = build(h.rule("p.least", ALWAYS, {"prefer": "least_involving"}, priority=50),
               h.rule("p.most", ALWAYS, {"prefer": "most_involving"}, priority=80))
    a = evaluate(rb, h.make_context())["approach"]
    assert a["code"] == "public_decision"
    assert a["policy"] == "most_involving (preference of p.most)"


def test_equal_priority_preferences_go_by_rule_order(build, h):
    rb = build(h.rule("p.most", ALWAYS, {"prefer": "most_involving"}),
               h.rule("p.least", ALWAYS, {"prefer": "least_involving"}))
    assert evaluate(rb, h.make_context())["approach"]["code"] == "public_decision"
    rb = build(h.rule("p.least", ALWAYS, {"prefer": "least_involving"}),
               h.rule("p.most", ALWAYS, {"prefer": "most_involving"}))
    assert evaluate(rb, h.make_context())["approach"]["code"] == "autonomous"


@pytest.mark.parametrize("backend", BACKENDS)
def test_specific_preferred_approach(build, h, backend):
    rb = build(h.rule("p.unitary", ALWAYS, {"prefer": "unitary_consultation"}, priority=90),
               h.rule("p.least", ALWAYS, {"prefer": "least_involving"}))
    a = evaluate(rb, h.make_context(), backend)["approach"]
    assert a["code"] == "unitary_consultation"
    assert a["policy"] == "preferred approach (rule p.unitary)"
    assert "p.unitary" in rules_of(a["because"])
    assert a["overridden"] == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_specific_preferred_approach_overridden_when_eliminated(build, h, backend):
    rb = build(h.rule("p.segmented", ALWAYS, {"prefer": "segmented_consultation"}, priority=90),
               h.rule("e.seg", "decision.quality_requirement", {"eliminate": ["segmented_consultation"]}),
               h.rule("e.seg2", "public.size == large", {"eliminate": ["segmented_consultation", "autonomous"]}),
               h.rule("p.most", ALWAYS, {"prefer": "most_involving"}, priority=40))
    rec = evaluate(rb, h.make_context(decision={"quality_requirement": True}), backend)
    a = rec["approach"]
    assert a["code"] == "public_decision"
    assert a["policy"] == "most_involving (preference of p.most)"
    (ov,) = a["overridden"]
    assert ov["rule"] == "p.segmented" and ov["firing"] == firing(rec, "p.segmented")
    assert ov["value"] == "segmented_consultation"
    assert sorted(rules_of(ov["by"])) == ["e.seg", "e.seg2"]
    assert ov["reason"] == "preferred approach is not feasible"
    # without the eliminations the specific preference stands
    rec = evaluate(rb, h.make_context(public={"size": "medium"}), backend)
    assert rec["approach"]["code"] == "segmented_consultation"
    assert rec["approach"]["overridden"] == []


def test_overridden_specific_preference_falls_back_to_least_involving(build, h):
    rb = build(h.rule("p.auto", ALWAYS, {"prefer": "autonomous"}),
               h.rule("e.auto", ALWAYS, {"eliminate": ["autonomous"]}))
    a = evaluate(rb, h.make_context())["approach"]
    assert a["code"] == "modified_autonomous"
    assert a["policy"].startswith("least_involving")
    assert [(o["rule"], o["value"], rules_of(o["by"])) for o in a["overridden"]] == [
        ("p.auto", "autonomous", ["e.auto"])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_feasible_approach_fails_loudly(build, h, backend):
    rb = build(h.rule("e.low", ALWAYS, {"eliminate": ["autonomous", "modified_autonomous",
                                                      "segmented_consultation"]}),
               h.rule("e.high", "decision.quality_requirement",
                      {"eliminate": ["unitary_consultation", "public_decision"]}))
    with pytest.raises(ResolutionError) as info:
        evaluate(rb, h.make_context(decision={"quality_requirement": True}), backend)
    assert "eliminated every approach" in str(info.value)
    assert "public_decision" in str(info.value)
    assert evaluate(rb, h.make_context(), backend)["approach"]["code"] == "unitary_consultation"


@pytest.mark.parametrize("backend", BACKENDS)
def test_rules_reading_the_approach_see_the_decided_one(build, h, backend):
    rb = build(h.rule("e.auto", ALWAYS, {"eliminate": ["autonomous", "modified_autonomous"]}),
               h.rule("p.most", "project.objective == capacity_building", {"prefer": "most_involving"}),
               h.rule("r.public", "approach.code == public_decision", {"warnings": ["legal"]}),
               h.rule("r.involve", "approach.level >= involve", {"arrangements": ["advisory_board"]}),
               h.rule("r.consult", "approach.level == consult", {"arrangements": ["steering_group"]}))
    rec = evaluate(rb, h.make_context(project={"objective": "capacity_building"}), backend)
    assert rec["approach"]["code"] == "public_decision"
    fired = {f["rule"]: f for f in rec["explanation"]["firings"]}
    assert {"r.public", "r.involve"} <= set(fired) and "r.consult" not in fired
    assert fired["r.public"]["matched"] == {"approach.code": "public_decision"}
    # the approach reader's firing uses the firings that decided the approach
    assert sorted(fired["r.public"]["uses"]) == sorted(b["firing"] for b in rec["approach"]["because"])
    rec = evaluate(rb, h.make_context(), backend)
    assert rec["approach"]["code"] == "segmented_consultation"
    assert [g["code"] for g in rec["governance"]] == ["steering_group"]


# ---- participants ---------------------------------------------------------------------------------

def participant(rec, sid):
    (p,) = [p for p in rec["participants"] if p["stakeholder"] == sid]
    return p


@pytest.mark.parametrize("backend", BACKENDS)
def test_higher_priority_wins_even_at_a_lower_level(build, h, backend):
    rb = build(h.rule("s.partner", "stakeholder.power == high",
                      {"participant": {"role": "decision_partner", "level": "collaborate"}}, for_each=True),
               h.rule("s.inform", "stakeholder.kind == citizens",
                      {"participant": {"role": "informed", "level": "inform"}}, for_each=True, priority=80))
    rec = evaluate(rb, h.make_context(), backend)
    p = participant(rec, "alpha")
    assert (p["role"], p["role_label"], p["iap2_level"], p["excluded"]) == ("informed", "Kept informed", "inform",
                                                                            False)
    assert rules_of(p["because"]) == ["s.inform"]
    (ov,) = p["overridden"]
    assert (ov["rule"], ov["value"], rules_of(ov["by"]), ov["reason"]) == (
        "s.partner", "decision_partner (collaborate)", ["s.inform"], "higher priority")
    assert ov["firing"] == firing(rec, "s.partner", "alpha")


@pytest.mark.parametrize("backend", BACKENDS)
def test_equal_priority_higher_level_wins_whatever_the_order(build, h, backend):
    rb = build(h.rule("s.advisor", "stakeholder.kind == citizens",
                      {"participant": {"role": "advisor", "level": "consult"}}, for_each=True),
               h.rule("s.partner", "stakeholder.power == high",
                      {"participant": {"role": "decision_partner", "level": "collaborate"}}, for_each=True))
    p = participant(evaluate(rb, h.make_context(), backend), "alpha")
    assert (p["role"], p["iap2_level"]) == ("decision_partner", "collaborate")
    assert [(o["rule"], o["reason"]) for o in p["overridden"]] == [("s.advisor", "same priority, higher IAP2 level")]


def test_equal_priority_and_level_earlier_rule_wins(build, h):
    rb = build(h.rule("s.first", "stakeholder.kind == citizens",
                      {"participant": {"role": "advisor", "level": "consult"}}, for_each=True),
               h.rule("s.second", "stakeholder.power == high",
                      {"participant": {"role": "informed", "level": "consult"}}, for_each=True))
    p = participant(evaluate(rb, h.make_context()), "alpha")
    assert p["role"] == "advisor"
    assert [(o["rule"], o["value"], o["reason"]) for o in p["overridden"]] == [
        ("s.second", "informed (consult)", "same priority and level, earlier rule")]


def test_agreeing_rules_are_all_reasons_and_not_overridden(build, h):
    rb = build(h.rule("s.a", "stakeholder.kind == citizens",
                      {"participant": {"role": "advisor", "level": "consult"}}, for_each=True),
               h.rule("s.b", "stakeholder.power == high",
                      {"participant": {"role": "advisor", "level": "consult"}}, for_each=True, priority=20),
               h.rule("s.c", "stakeholder.interest == high",
                      {"participant": {"role": "informed", "level": "inform"}}, for_each=True, priority=10))
    p = participant(evaluate(rb, h.make_context()), "alpha")
    assert p["role"] == "advisor"
    assert sorted(rules_of(p["because"])) == ["s.a", "s.b"]
    assert [o["rule"] for o in p["overridden"]] == ["s.c"]
    assert p["overridden"][0]["reason"] == "higher priority"


@pytest.mark.parametrize("backend", BACKENDS)
def test_exclusion_loses_at_equal_priority_and_wins_at_higher(build, h, backend):
    rb = build(h.rule("s.out", "stakeholder.kind == business", {"exclude": "Commercial interest only"},
                      for_each=True),
               h.rule("s.inform", "stakeholder.interest == low",
                      {"participant": {"role": "informed", "level": "inform"}}, for_each=True),
               h.rule("s.out_hard", "stakeholder.kind == media", {"exclude": "Press is informed separately"},
                      for_each=True, priority=90))
    ctx = h.make_context(stakeholders=[h.stakeholder("biz", kind="business"), h.stakeholder("press", kind="media")])
    rec = evaluate(rb, ctx, backend)
    biz = participant(rec, "biz")
    assert (biz["role"], biz["iap2_level"], biz["excluded"], biz["reason"]) == ("informed", "inform", False, None)
    assert [(o["rule"], o["value"], o["reason"]) for o in biz["overridden"]] == [
        ("s.out", "excluded", "same priority, higher IAP2 level")]
    press = participant(rec, "press")
    assert (press["role"], press["role_label"], press["iap2_level"]) == (None, None, None)
    assert press["excluded"] is True and press["reason"] == "Press is informed separately"
    assert rules_of(press["because"]) == ["s.out_hard"]
    assert [(o["rule"], o["value"], o["reason"]) for o in press["overridden"]] == [
        ("s.inform", "informed (inform)", "higher priority")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stakeholders_with_no_role_are_gaps(build, h, backend):
    rb = build(h.rule("s.key", "stakeholder.power == high",
                      {"participant": {"role": "decision_partner", "level": "collaborate"}}, for_each=True),
               h.rule("t.sheet", ALWAYS, {"techniques": ["fact_sheet"]}))
    ctx = h.make_context(stakeholders=[h.stakeholder("zeta"), h.stakeholder("alpha", power="high"),
                                       h.stakeholder("mid")])
    rec = evaluate(rb, ctx, backend)
    assert [(p["stakeholder"], p["name"], p["role"]) for p in rec["participants"]] == [
        ("alpha", "Alpha", "decision_partner"), ("mid", "Mid", None), ("zeta", "Zeta", None)]
    assert participant(rec, "mid")["because"] == [] and participant(rec, "mid")["excluded"] is False
    assert rec["gaps"] == ["stakeholder mid: no rule gave it a role or excluded it",
                           "stakeholder zeta: no rule gave it a role or excluded it"]


# ---- techniques, skills, arrangements, warnings ------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_avoided_technique_beats_recommended(build, h, backend):
    rb = build(h.rule("t.rec1", ALWAYS, {"techniques": ["online_platform", "fact_sheet"]}),
               h.rule("t.rec2", "public.size == large", {"techniques": ["online_platform", "citizen_jury"]}),
               h.rule("t.avoid", "public.digital_access <= mixed", {"avoid_techniques": ["online_platform"]}),
               h.rule("t.avoid_unrec", "public.digital_access <= mixed", {"avoid_techniques": ["mediation"]}))
    rec = evaluate(rb, h.make_context(), backend)
    assert [t["code"] for t in rec["techniques"]] == ["fact_sheet", "citizen_jury"]   # catalogue order
    sheet = rec["techniques"][0]
    assert sheet["label"] == "Fact sheet" and sheet["channel"] == "offline" and sheet["iap2_levels"] == ["inform"]
    assert [(a["code"], rules_of(a["because"]), sorted(rules_of(a["overrides"]))) for a in rec["avoided_techniques"]] == [
        ("online_platform", ["t.avoid"], ["t.rec1", "t.rec2"]),
        ("mediation", ["t.avoid_unrec"], [])]
    # with good digital access nothing is avoided
    rec = evaluate(rb, h.make_context(public={"digital_access": "high"}), backend)
    assert [t["code"] for t in rec["techniques"]] == ["fact_sheet", "online_platform", "citizen_jury"]
    assert sorted(rules_of(rec["techniques"][1]["because"])) == ["t.rec1", "t.rec2"]
    assert rec["avoided_techniques"] == []


def test_every_technique_avoided_is_a_gap(build, h):
    rb = build(h.rule("t.rec", ALWAYS, {"techniques": ["online_platform"]}),
               h.rule("t.avoid", ALWAYS, {"avoid_techniques": ["online_platform"]}))
    rec = evaluate(rb, h.make_context(stakeholders=[h.stakeholder("a")]))
    assert rec["techniques"] == []
    assert "no technique is recommended for this context" in rec["gaps"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_skill_lacking_flag(build, h, backend):
    rb = build(h.rule("k.need_fac", ALWAYS, {"skills": ["facilitation", "data_protection"]}),
               h.rule("k.gap_fac", "capacity.facilitation_skills == low", {"skill_gaps": ["facilitation"]}),
               h.rule("k.gap_med", "capacity.facilitation_skills == low", {"skill_gaps": ["mediation_skill"]}))
    rec = evaluate(rb, h.make_context(capacity={"facilitation_skills": "low"}), backend)
    got = [(s["code"], s["lacking"], rules_of(s["because"]), rules_of(s["lacking_because"])) for s in rec["skills"]]
    # a gap flags a needed skill; a gap in a skill no rule needs is not listed
    assert got == [("facilitation", True, ["k.need_fac"], ["k.gap_fac"]),
                   ("data_protection", False, ["k.need_fac"], [])]
    rec = evaluate(rb, h.make_context(), backend)
    assert [(s["code"], s["lacking"]) for s in rec["skills"]] == [("facilitation", False), ("data_protection", False)]


def test_arrangements_and_warnings_accumulate_in_catalogue_order(build, h):
    rb = build(h.rule("w.legal", ALWAYS, {"warnings": ["legal"], "arrangements": ["advisory_board"]}),
               h.rule("w.conflict", ALWAYS, {"warnings": ["conflict", "legal"]}),
               h.rule("w.steer", ALWAYS, {"arrangements": ["steering_group", "advisory_board"]}))
    rec = evaluate(rb, h.make_context())
    assert [(w["code"], w["message"], rules_of(w["because"])) for w in rec["warnings"]] == [
        ("conflict", "Conflict within the public is likely.", ["w.conflict"]),
        ("legal", "Check the law.", ["w.legal", "w.conflict"])]
    assert [(g["code"], rules_of(g["because"])) for g in rec["governance"]] == [
        ("steering_group", ["w.steer"]), ("advisory_board", ["w.legal", "w.steer"])]


# ---- explanation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_firings_link_to_the_firings_they_used(build, h, backend):
    rb = build(h.rule("d.conflict", "decision.public_conflict_likely", {"derive": ["conflictual"]}),
               h.rule("d.key", "stakeholder.power == high", {"derive": ["key"]}, for_each=True),
               h.rule("u.mediate", ["derived.conflictual", "derived.key"],
                      {"participant": {"role": "advisor", "level": "consult"}}, for_each=True),
               h.rule("u.calm", "not derived.conflictual", {"warnings": ["legal"]}))
    rec = evaluate(rb, h.make_context(decision={"public_conflict_likely": True}), backend)
    fired = {(f["rule"], f["subject"]): f for f in rec["explanation"]["firings"]}
    use = fired[("u.mediate", "alpha")]
    assert use["matched"] == {"derived.conflictual": True, "derived.key": True}
    assert sorted(use["uses"]) == sorted([fired[("d.conflict", None)]["seq"], fired[("d.key", "alpha")]["seq"]])
    assert ("u.mediate", "beta") not in fired and ("u.calm", None) not in fired
    assert use["file"] == "policy/rules.yaml" and use["line"] == 15
    assert use["concluded"] == {"participant": {"role": "advisor", "level": "consult"}}
    assert rec["explanation"]["sources"] == {"thomas1993": rb.catalogue.sources["thomas1993"].citation}
    assert [f["seq"] for f in rec["explanation"]["firings"]] == list(range(1, len(fired) + 1))
    rec = evaluate(rb, h.make_context(), backend)
    calm = [f for f in rec["explanation"]["firings"] if f["rule"] == "u.calm"]
    assert calm and calm[0]["matched"] == {"derived.conflictual": False} and calm[0]["uses"] == []
