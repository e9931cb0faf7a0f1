"""Conditions over the stakeholder groups (issue 20, item 4): any_stakeholder, no_stakeholder, count_stakeholders.

A project rule says "some stakeholder group is X" once, instead of a per-group rule firing once per group.
Checked here: both backends agree (hand-made cases and generated contexts, unknown answers among them), a
firing reports which groups its condition matched and the explanations say so in words, why-not explains a
non-match, the loader refuses bad forms at their file:line with a did-you-mean, a count reading a derived fact
waits for it (a later stratum), the unknown answers stay sound, and the linter neither crashes on them nor
calls a reachable count unreachable.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from engine import Engine, RuleBaseError, load_rulebase, why_not
from engine import group_words
from engine.conditions import group_literals, parse_condition, parse_group_text, to_terms
from engine.facts import subjects, validate_context
from engine.impact import guard, rulebase_diff
from engine.words import Words, condition_words, literal_words, why_not_text
from test_agreement import CONTEXTS, assert_agree

GROUP_RULES = """\
rules:
  - id: g.any_key_player
    title: A key player among the groups
    rationale: Some group holds power and interest; conflict between the groups becomes likely.
    sources: [mendelow1991]
    when:
      any_stakeholder: derived.key_player
    then:
      warnings: [conflict]
  - id: g.no_hard_to_reach_and_weak
    title: Nobody hard to reach and weak
    rationale: When no group is both hard to reach and weak, an online platform reaches everyone who counts.
    sources: [mendelow1991]
    when:
      no_stakeholder:
        - stakeholder.hard_to_reach
        - stakeholder.power == low
    then:
      techniques: [online_platform]
  - id: g.interested_few
    title: Two or three interested groups
    rationale: A handful of interested groups fits around one table for a focus group discussion.
    sources: [mendelow1991]
    when:
      count_stakeholders:
        where: stakeholder.interest >= medium
        at_least: 2
        at_most: 3
    then:
      techniques: [focus_group]
  - id: g.not_any_organised
    title: No organised group
    rationale: Without any organised group someone must coordinate the people who take part.
    sources: [mendelow1991]
    when:
      all:
        - public.size >= medium
        - not:
            any_stakeholder: stakeholder.organised
    then:
      arrangements: [coordinator]
  - id: g.everyone_key
    title: Every group is a key player
    rationale: When no group is left without power and interest, a steering group can hold them all.
    sources: [mendelow1991]
    when:
      no_stakeholder:
        not: derived.key_player
    then:
      arrangements: [steering_group]
  - id: g.obstruction
    title: Conflict and a group that can block
    rationale: A likely conflict with a group able to block the decision rules out deciding alone.
    sources: [thomas1993]
    when:
      all:
        - decision.public_conflict_likely
        - any_stakeholder: stakeholder.can_obstruct
    then:
      eliminate: [autonomous]
  - id: g.media_alone
    title: Media when no citizens take part
    rationale: When no citizens' group is named, the media are the public's only voice in the process.
    sources: [mendelow1991]
    for_each: stakeholder
    priority: 90
    when:
      - stakeholder.kind == media
      - no_stakeholder: stakeholder.kind == citizens
    then:
      participant: {role: advisor, level: consult}
"""

UNKNOWNS = """\
unknown_answers:
  id: u.lean
  title: Lean to acceptance
  rationale: While answers are unknown, the most involving approach they can lead to is recommended.
  sources: [thomas1993]
  approach: most_involving
  assume:
    decision.quality_requirement: true
    decision.manager_has_information: false
    decision.problem_structured: false
    decision.acceptance_critical: true
    decision.acceptance_likely_if_autonomous: false
    decision.public_shares_goals: true
    decision.public_conflict_likely: true
    decision.legally_mandated_consultation: true
    decision.uses_personal_data: true
    decision.delegated_within_constraints: false
"""


@pytest.fixture(scope="module")
def rb(tmp_path_factory, h):
    """tests/fixtures/mini with the rules above, a policy for unknown answers and one more arrangement."""
    root = h.copy_mini(tmp_path_factory.mktemp("groups"))
    (root / "policy" / "groups.yaml").write_text(GROUP_RULES, encoding="utf-8")
    (root / "policy" / "unknowns.yaml").write_text(UNKNOWNS, encoding="utf-8")
    cat = root / "catalogue" / "arrangements.yaml"
    cat.write_text(cat.read_text(encoding="utf-8") + "  - {code: coordinator, label: A coordinator}\n",
                   encoding="utf-8")
    return load_rulebase(root)


@pytest.fixture(scope="module")
def engines(rb):
    pair = (Engine(rb, backend="durable"), Engine(rb, backend="python"))
    yield pair
    pair[0].close()
    pair[1].close()


def _firing(rec: dict, rule: str) -> dict | None:
    return next((f for f in rec["explanation"]["firings"] if f["rule"] == rule), None)


def _both(engines, ctx) -> dict:
    """The python backend's recommendation, after checking the durable one agrees with it."""
    assert_agree(engines, ctx)
    return engines[1].evaluate(ctx)


# ---- syntax -----------------------------------------------------------------------------------------------

def test_group_blocks_parse_to_counts_with_their_negations():
    any_ = parse_condition({"any_stakeholder": "stakeholder.organised"})
    none = parse_condition({"no_stakeholder": "stakeholder.organised"})
    assert (any_.op, any_.n, none.op, none.n) == (">=", 1, "<=", 0)
    assert any_.where == none.where
    # not any = no; not (at least 2) = at most 1; an at_least/at_most pair is both
    assert to_terms(parse_condition({"not": {"any_stakeholder": "stakeholder.organised"}})) == [(none,)]
    two = {"count_stakeholders": {"where": "stakeholder.organised", "at_least": 2}}
    (neg,), = to_terms(parse_condition({"not": two}))
    assert (neg.op, neg.n) == ("<=", 1)
    both = to_terms(parse_condition({"count_stakeholders": {"where": "stakeholder.organised", "at_least": 2,
                                                            "at_most": 3}}))
    assert [(g.op, g.n) for g in both[0]] == [("<=", 3), (">=", 2)]
    for lit in (any_, none, neg, *both[0]):
        assert parse_group_text(str(lit)) == lit     # why-not answers carry the text: it reads back


# ---- both backends ----------------------------------------------------------------------------------------

def test_any_stakeholder_reports_the_groups_it_matched(engines, h):
    ctx = h.make_context(stakeholders=[h.stakeholder("residents", power="high", interest="high"),
                                       h.stakeholder("shops", power="high", interest="medium"),
                                       h.stakeholder("tenants")])
    rec = _both(engines, ctx)
    f = _firing(rec, "g.any_key_player")
    assert f is not None and f["subject"] is None      # once, for the project
    assert f["matched"] == {"stakeholders(derived.key_player)": ["residents", "shops"]}
    # it relied on the firing that made a group a key player
    used = {rec["explanation"]["firings"][u - 1]["rule"] for u in f["uses"]}
    assert used == {"people.key_player"}
    assert [w["code"] for w in rec["warnings"]].count("conflict") == 1
    quiet = _both(engines, h.make_context(stakeholders=[h.stakeholder("tenants")]))
    assert _firing(quiet, "g.any_key_player") is None


def test_no_stakeholder_holds_until_one_group_matches(engines, h):
    fine = h.make_context(stakeholders=[h.stakeholder("a", hard_to_reach=True, power="high"),
                                        h.stakeholder("b", power="low")])
    f = _firing(_both(engines, fine), "g.no_hard_to_reach_and_weak")
    assert f["matched"] == {"stakeholders(stakeholder.hard_to_reach == true and stakeholder.power == low)": []}
    spoilt = h.make_context(stakeholders=[*fine["stakeholders"], h.stakeholder("c", hard_to_reach=True)])
    assert _firing(_both(engines, spoilt), "g.no_hard_to_reach_and_weak") is None


@pytest.mark.parametrize("interested, fires", [(0, False), (1, False), (2, True), (3, True), (4, False)])
def test_count_stakeholders_bounds(engines, h, interested, fires):
    groups = [h.stakeholder(f"i{n}", interest="medium") for n in range(interested)] + [h.stakeholder("low")]
    rec = _both(engines, h.make_context(stakeholders=groups))
    f = _firing(rec, "g.interested_few")
    assert (f is not None) == fires
    if fires:
        assert f["matched"] == {"stakeholders(stakeholder.interest >= medium)": [f"i{n}" for n in range(interested)]}


def test_not_any_and_a_group_condition_in_a_per_group_rule(engines, h):
    ctx = h.make_context(public={"size": "large"},
                         stakeholders=[h.stakeholder("press", kind="media"), h.stakeholder("firm", kind="business")])
    rec = _both(engines, ctx)
    assert _firing(rec, "g.not_any_organised") is not None
    press = next(p for p in rec["participants"] if p["stakeholder"] == "press")
    assert (press["role"], press["iap2_level"]) == ("advisor", "consult")
    with_citizens = h.make_context(public={"size": "large"},
                                   stakeholders=[*ctx["stakeholders"], h.stakeholder("club", organised=True)])
    rec = _both(engines, with_citizens)
    assert _firing(rec, "g.not_any_organised") is None
    assert not any(f["rule"] == "g.media_alone" for f in rec["explanation"]["firings"])


@given(ctx=CONTEXTS)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
def test_backends_agree_on_group_conditions(engines, ctx):
    """Generated contexts, unknown answers among them (the rule base states a policy for them)."""
    assert_agree(engines, ctx)


def test_every_group_as_no_group_without(engines, h):
    keys = [h.stakeholder("a", power="high", interest="high"), h.stakeholder("b", power="high", interest="medium")]
    f = _firing(_both(engines, h.make_context(stakeholders=keys)), "g.everyone_key")
    assert f["matched"] == {"stakeholders(not derived.key_player)": []}
    rec = _both(engines, h.make_context(stakeholders=[*keys, h.stakeholder("c")]))
    assert _firing(rec, "g.everyone_key") is None


def test_group_facts_carry_the_counts_within_the_engine_limits(rb):
    """Each group condition is one property of the group facts that test it (checked against the engine's
    per-fact limit when the rule base loads, like every property)."""
    from engine.compiler import GROUP_PROPERTIES, count_key, plan
    conditions = group_literals(t for r in rb.rules for t in r.terms)
    laid = plan(rb)
    assert {key for g in laid.groups for key in g.counts} == set(conditions)
    for g in laid.groups:
        assert all(prop == count_key(conditions[key]) and prop in g.keys for key, prop in g.counts.items())
        assert len(g.keys) <= GROUP_PROPERTIES


# ---- unknown answers --------------------------------------------------------------------------------------

def test_an_unknown_answer_beside_a_group_condition_settles_as_brute_force_says(engines, h):
    """g.obstruction eliminates deciding alone when conflict is likely and some group can block: with the
    conflict unknown, the approach under each answer is what evaluating that answer gives."""
    answers = {"quality_requirement": False, "acceptance_critical": False}
    project = {"objective": "efficiency"}
    for blockers in (True, False):
        groups = [h.stakeholder("owners", can_obstruct=blockers), h.stakeholder("tenants")]
        known = {v: engines[1].evaluate(h.make_context(decision={**answers, "public_conflict_likely": v},
                                                       project=project, stakeholders=groups))
                 ["approach"]["code"] for v in (True, False)}
        ctx = h.make_context(decision={**answers, "public_conflict_likely": "unknown"}, project=project,
                             stakeholders=groups)
        rec = _both(engines, ctx)
        entry, = rec["unknowns"]
        assert entry["field"] == "decision.public_conflict_likely"
        assert entry["changes_approach"] == (known[True] != known[False])
        assert entry["changes_approach"] == blockers
        if blockers:
            assert entry["approaches"] == {"yes": known[True], "no": known[False]}


# ---- explanations and why-not in words ------------------------------------------------------------------

def test_a_firing_says_which_groups_matched_in_words(engines, rb, h):
    ctx = h.make_context(stakeholders=[h.stakeholder("residents", name="Riverside residents", power="high",
                                                     interest="high"), h.stakeholder("tenants")])
    f = _firing(_both(engines, ctx), "g.any_key_player")
    words = Words(rb.catalogue)
    (key, ids), = f["matched"].items()
    names = {"residents": "Riverside residents"}
    said = group_words.matched(words, key, ids, literal_words, names)
    assert said == "the stakeholder group where the rules concluded “key player” (Riverside residents)"
    assert words.field(key).startswith("Stakeholder groups where ")
    assert words.value(key, ids) == "residents"            # ids only where no names are at hand
    assert words.value(key, []) == "none"


def test_why_not_explains_a_non_match_in_words(rb, h):
    words = Words(rb.catalogue)
    nobody = h.make_context(stakeholders=[h.stakeholder("tenants")])
    answer = why_not(rb, nobody, "warning:conflict")
    check = next(p for p in answer.producers if p.rule == "g.any_key_player")
    failed, = check.alternatives[0].failed
    assert failed.condition == "any_stakeholder(derived.key_player)" and failed.actual == []
    text = why_not_text(words, answer.model_dump(mode="json"), nobody)
    assert ("It needs at least one stakeholder group where the rules concluded “key player”, and no stakeholder "
            "group does.") in text

    spoilt = h.make_context(stakeholders=[h.stakeholder("a", name="Allotment holders", hard_to_reach=True),
                                          h.stakeholder("b", name="Boaters", hard_to_reach=True)])
    text = why_not_text(words, why_not(rb, spoilt, "technique:online_platform").model_dump(mode="json"), spoilt)
    assert ("It needs no stakeholder group where Hard to reach: yes and Power is low, and 2 do: "
            "Allotment holders and Boaters.") in text

    one = h.make_context(stakeholders=[h.stakeholder("i", name="Island", interest="high"), h.stakeholder("z")])
    text = why_not_text(words, why_not(rb, one, "technique:focus_group").model_dump(mode="json"), one)
    assert "It needs at least 2 stakeholder groups where Interest is " in text
    assert ", and only 1 does: Island." in text


def test_an_elimination_by_a_group_condition_names_the_groups(rb, h):
    ctx = h.make_context(decision={"public_conflict_likely": True, "quality_requirement": False,
                                   "acceptance_critical": False}, project={"objective": "efficiency"},
                         stakeholders=[h.stakeholder("owners", name="Home owners", can_obstruct=True),
                                       h.stakeholder("tenants")])
    text = why_not_text(Words(rb.catalogue), why_not(rb, ctx, "approach:autonomous").model_dump(mode="json"), ctx)
    assert "ruled it out, because of these answers: Public conflict likely: yes; the stakeholder group where " \
           "Can obstruct: yes (Home owners)." in text


def test_why_not_says_why_each_other_group_lacks_the_fact_a_count_needs(rb, h):
    ctx = h.make_context(stakeholders=[h.stakeholder("shops", power="high"), h.stakeholder("tenants")])
    answer = why_not(rb, ctx, "warning:conflict")
    check = next(p for p in answer.producers if p.rule == "g.any_key_player")
    failed, = check.alternatives[0].failed
    assert [(d.rule, d.subject, d.fired) for d in failed.derived_by] == [("people.key_player", "shops", False),
                                                                         ("people.key_player", "tenants", False)]
    text = answer.text()
    assert "derived by people.key_player did not apply: stakeholder.interest >= medium (actual: low) failed " \
           "(for shops)" in text


def test_rule_pages_say_a_group_block_in_words(rb):
    words = Words(rb.catalogue)
    said = condition_words(words, rb.by_id["g.interested_few"].when_raw)
    assert said["text"].startswith("at least 2 and at most 3 stakeholder groups where Interest is ")
    said = condition_words(words, rb.by_id["g.obstruction"].when_raw)
    assert said["op"] == "all"
    assert said["items"][1]["text"] == "at least one stakeholder group where Can obstruct: yes"


# ---- loading ----------------------------------------------------------------------------------------------

BAD = [
    ("any_stakeholders: stakeholder.organised", "unknown block 'any_stakeholders' (did you mean any_stakeholder?)"),
    ("any_stakeholder: stakeholder.organized", "unknown field 'stakeholder.organized' (did you mean "
                                                "stakeholder.organised?)"),
    ("any_stakeholder: {power: high}", "inside any_stakeholder, write a group's condition as a line, e.g. "
                                       "'stakeholder.power == high'"),
    ("any_stakeholder: public.size == large", "not public.size: write it beside the any_stakeholder block"),
    ("any_stakeholder: {no_stakeholder: stakeholder.organised}", "no_stakeholder inside any_stakeholder: group "
                                                                  "conditions do not nest"),
    ("count_stakeholders: {where: stakeholder.organised, at_leest: 2}",
     "unknown key 'at_leest' in count_stakeholders (did you mean at_least?)"),
    ("count_stakeholders: {where: stakeholder.organised}", "count_stakeholders needs 'at_least:' or 'at_most:'"),
    ("count_stakeholders: {at_least: 2}", "count_stakeholders needs 'where:'"),
    ("count_stakeholders: {where: stakeholder.organised, at_least: 3, at_most: 1}",
     "at_least (3) is more than at_most (1)"),
    ("count_stakeholders: {where: stakeholder.organised, at_least: two}", "'at_least' must be a whole number"),
    ("count_stakeholders: {where: stakeholder.organised, at_least: 0}", "'at_least: 0' always holds"),
    ("count_stakeholders: stakeholder.organised", "count_stakeholders needs 'where:'"),
    ("any_stakeholder: stakeholder.power == hihg", "'hihg' is not a value of stakeholder.power"),
]


@pytest.mark.parametrize("block, message", BAD)
def test_bad_group_conditions_are_refused_at_their_line(tmp_path, h, block, message):
    root = h.copy_mini(tmp_path)
    path = root / "policy" / "bad.yaml"
    path.write_text("rules:\n  - id: g.bad\n    title: Bad\n    rationale: A rule with a bad group condition.\n"
                    "    sources: [thomas1993]\n    when:\n      all:\n        - decision.quality_requirement\n"
                    f"        - {block}\n    then:\n      warnings: [conflict]\n", encoding="utf-8")
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    err, = info.value.errors
    assert message in err.message, err.message
    assert (err.file, err.line, err.rule) == ("policy/bad.yaml", h.line_of(path, block.split(":")[0]), "g.bad")


def test_a_misspelt_fact_inside_a_group_condition_is_named(tmp_path, h):
    root = h.copy_mini(tmp_path)
    h.write_policy(root, "bad.yaml", h.rule("g.bad", {"any_stakeholder": "derived.key_playr"},
                                            {"warnings": ["conflict"]}))
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    assert "derived.key_playr is never derived by any rule (did you mean derived.key_player?)" in str(info.value)


def test_a_count_waits_for_the_facts_it_reads_and_a_cycle_through_it_is_refused(tmp_path, rb, h):
    deriver = rb.by_id["people.key_player"]
    assert rb.by_id["g.any_key_player"].stratum > deriver.stratum
    root = h.copy_mini(tmp_path)
    h.write_policy(root, "loop.yaml",
                   h.rule("g.loop", {"no_stakeholder": "derived.chosen"}, {"derive": ["picked"]}),
                   h.rule("g.choose", "derived.picked", {"derive": ["chosen"]}, for_each=True))
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    assert "on a count of groups it changes" in str(info.value)


# ---- the rest of the engine -------------------------------------------------------------------------------

def test_lint_reads_group_conditions(tmp_path, rb, h):
    from engine.lint import lint
    found = {(f.rule, f.kind) for f in lint(rb).findings}
    assert not any(kind == "unreachable" and rule and rule.startswith("g.") for rule, kind in found)
    root = h.copy_mini(tmp_path)
    h.write_policy(root, "dead.yaml", h.rule("g.dead", {"all": [{"any_stakeholder": "stakeholder.organised"},
                                                                {"no_stakeholder": "stakeholder.organised"}]},
                                             {"warnings": ["conflict"]}))
    h.write_policy(root, "dead2.yaml", h.rule("g.nobody", {"any_stakeholder": ["stakeholder.power == high",
                                                                               "stakeholder.power == low"]},
                                              {"warnings": ["conflict"]}))
    found = {(f.rule, f.kind) for f in lint(load_rulebase(root)).findings}
    assert ("g.dead", "unreachable") in found
    assert ("g.nobody", "unreachable") in found     # no group, however many, meets its condition


def test_the_impact_guard_evaluates_group_conditions(tmp_path, engines, rb, h):
    """An edited rule with a group condition: a stored decision in which it now holds may change."""
    root = h.copy_mini(tmp_path)
    old = load_rulebase(root)
    h.write_policy(root, "new.yaml", h.rule("g.new", {"no_stakeholder": "stakeholder.organised"},
                                            {"warnings": ["conflict"]}))
    new = load_rulebase(root)
    g = guard(old, new, rulebase_diff(old, new))
    assert g.exact
    for organised, changes in ((True, False), (False, True)):
        ctx = h.make_context(decision={"public_conflict_likely": False, "urgency": "low"},
                             stakeholders=[h.stakeholder("a", organised=organised)])
        stored = Engine(old, backend="python").evaluate(ctx)
        assert g.may_change(subjects(validate_context(ctx)), stored) == changes


def test_the_guides_example_loads_beside_the_shipped_rules_and_both_backends_agree_on_the_pilots(h):
    """docs/AUTHORING.md's example of group blocks, as a rule added to the shipped rule base: it loads,
    and the two backends agree on every pilot with it."""
    import json
    import re

    import yaml

    from engine import load_rulebase_files
    guide = (h.REPO / "docs" / "AUTHORING.md").read_text(encoding="utf-8")
    section = guide[guide.index("### Conditions over the stakeholder groups"):]
    when = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL)[1])["when"]
    rule = {"id": "example.groups", "title": "The guide's example", "rationale": "Conditions over the groups, "
            "as the authoring guide shows them.", "sources": ["thomas1993"], "when": when,
            "then": {"warnings": ["dependent_stakeholder"]}}
    files = {str(p.relative_to(h.REPO / "rules")): p.read_text(encoding="utf-8")
             for p in (h.REPO / "rules").rglob("*.yaml")}
    files["policy/zz_example.yaml"] = yaml.safe_dump({"rules": [rule]}, sort_keys=False)
    rb = load_rulebase_files(files)
    pair = (Engine(rb, backend="durable"), Engine(rb, backend="python"))
    try:
        for pilot in sorted((h.REPO / "examples" / "pilots").glob("*.json")):
            assert_agree(pair, json.loads(pilot.read_text(encoding="utf-8")))
    finally:
        pair[0].close()
        pair[1].close()
