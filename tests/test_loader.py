"""engine/loader.py: every kind of rule-base error is located (file:line, rule id);
a rule base with any error is refused whole."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, LoadError, RuleBaseError, check_rulebase, load_rulebase


@pytest.fixture
def mini(tmp_path, h) -> Path:
    return h.copy_mini(tmp_path)


def edit(root: Path, rel: str, old: str, new: str) -> Path:
    """Replace the single occurrence of `old` in root/rel."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def errors_of(root: Path) -> list[LoadError]:
    errs = check_rulebase(root)
    assert errs, "the rule base should have been refused"
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    assert info.value.errors == errs
    return errs


def only_error(root: Path) -> LoadError:
    errs = errors_of(root)
    assert len(errs) == 1, "\n".join(map(str, errs))
    return errs[0]


# ---- the clean fixture ------------------------------------------------------------------

def test_mini_loads(h):
    rb = load_rulebase(h.MINI)
    assert rb.rule_count == 11
    assert [r.id for r in rb.rules][:3] == ["people.key_player", "people.others", "people.advisor_when_involving"]
    assert [r.order for r in rb.rules] == list(range(11))
    by = rb.by_id
    assert by["people.key_player"].line == 2 and by["people.key_player"].file == "policy/people.yaml"
    assert by["thomas.r4_acceptance"].line == 13 and by["thomas.r4_acceptance"].file == "policy/thomas.yaml"
    assert by["people.key_player"].scope == "stakeholder" and by["project.conflict"].scope == "project"
    assert rb.fact_scope == {"key_player": "stakeholder", "conflictual": "project"}
    assert check_rulebase(h.MINI) == []


def test_strata_put_negation_and_approach_readers_later(h):
    rb = load_rulebase(h.MINI)
    by = rb.by_id
    assert by["people.key_player"].stratum == 0
    assert by["people.others"].stratum == 1                 # not derived.key_player
    assert by["project.mediation"].stratum == 0             # positive derived: same stratum is fine
    assert rb.approach_stratum == 0
    assert by["people.advisor_when_involving"].stratum == 1  # reads approach.level
    assert by["people.advisor_when_involving"].reads_approach
    assert by["thomas.r1_information"].decides_approach
    assert rb.strata == 2


def test_version_depends_on_content_not_location(tmp_path, h):
    a = load_rulebase(h.copy_mini(tmp_path, "a"))
    b = load_rulebase(h.copy_mini(tmp_path, "b"))
    assert a.version == b.version == load_rulebase(h.MINI).version
    assert a.version.startswith("sha256:")
    edit(tmp_path / "b", "policy/thomas.yaml", "Time-efficient choice.", "Time-efficient choice!")
    assert load_rulebase(tmp_path / "b").version != a.version


def test_yml_files_count_and_other_files_do_not(mini, h):
    (mini / "policy" / "notes.txt").write_text("not yaml: [", encoding="utf-8")
    h.write_policy(mini, "extra.yml", h.rule("extra.one", "public.size == small", {"warnings": ["conflict"]}))
    rb = load_rulebase(mini)
    assert "extra.one" in rb.by_id and rb.by_id["extra.one"].file == "policy/extra.yml"


# ---- YAML errors ----------------------------------------------------------------------------

def test_yaml_syntax_error_is_located(mini, h):
    path = edit(mini, "policy/people.yaml", "    title: Key player\n", "    title: Key: player\n")
    err = only_error(mini)
    assert err.file == "policy/people.yaml"
    assert err.line == h.line_of(path, "title: Key: player")
    assert err.message.startswith("invalid YAML")
    assert err.rule is None


def test_yaml_error_in_one_file_does_not_hide_errors_in_others(mini, h):
    edit(mini, "policy/people.yaml", "    title: Key player\n", "    title: Key: player\n")
    path = edit(mini, "policy/thomas.yaml", "eliminate: [autonomous]", "eliminate: [autonomus]")
    errs = errors_of(mini)
    assert [(e.file, e.line) for e in errs] == [
        ("policy/people.yaml", 3), ("policy/thomas.yaml", h.line_of(path, "autonomus"))]


def test_unsafe_yaml_in_a_policy_file(mini, h):
    path = edit(mini, "policy/thomas.yaml", "rationale: Time-efficient choice.",
                "rationale: !!python/object/apply:os.system [echo]")
    err = only_error(mini)
    assert (err.file, err.line) == ("policy/thomas.yaml", h.line_of(path, "!!python"))
    assert "tags" in err.message


def test_duplicate_key_in_a_rule(mini, h):
    path = edit(mini, "policy/thomas.yaml", "    title: Least involving\n",
                "    title: Least involving\n    title: Again\n")
    err = only_error(mini)
    assert (err.file, err.line) == ("policy/thomas.yaml", h.line_of(path, "title: Again"))
    assert err.message == "duplicate key 'title'"


def test_non_utf8_policy_file(mini):
    (mini / "policy" / "latin.yaml").write_bytes("rules: []\ndescription: caf\u00e9\n".encode("latin-1"))
    err = only_error(mini)
    assert err.file == "policy/latin.yaml"
    assert "UTF-8" in err.message


def test_policy_file_that_is_not_a_mapping(mini):
    (mini / "policy" / "list.yaml").write_text("- id: a\n", encoding="utf-8")
    err = only_error(mini)
    assert (err.file, err.line) == ("policy/list.yaml", 1)
    assert err.message == "expected a mapping at the top of the file"


# ---- schema errors ------------------------------------------------------------------------------

def test_unknown_key_in_a_rule(mini, h):
    path = edit(mini, "policy/thomas.yaml", "    title: Most involving\n", "    title: Most involving\n    colour: red\n")
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/thomas.yaml", h.line_of(path, "colour: red"),
                                              "thomas.choice_capacity")
    assert err.message == ("unknown key 'colour'; a rule takes id, title, rationale, sources, priority, for_each, "
                           "when and then")


def test_unknown_key_in_then(mini, h):
    path = edit(mini, "policy/people.yaml", "      derive: [conflictual]\n",
                "      derive: [conflictual]\n      warning: [conflict]\n")
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "warning: [conflict]"), "project.conflict")
    assert err.message == "unknown key 'warning' in `then` (did you mean warnings?)"


def test_unknown_top_level_key(mini, h):
    path = edit(mini, "policy/thomas.yaml", "description:", "descripton:")
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "descripton"), None)
    assert "unknown key" in err.message


def test_missing_key_is_reported_at_the_rule(mini, h):
    path = edit(mini, "policy/thomas.yaml", "    title: Acceptance needed and not assured\n", "")
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/thomas.yaml", h.line_of(path, "id: thomas.r4_acceptance"),
                                              "thomas.r4_acceptance")
    assert err.message == "`title` is missing (every rule needs id, title, rationale, sources, when and then)"


def test_missing_then(mini, h):
    path = edit(mini, "policy/thomas.yaml", "    then: {prefer: most_involving}\n", "")
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "id: thomas.choice_capacity"), "thomas.choice_capacity")
    assert "then" in err.message and "missing" in err.message


@pytest.mark.parametrize("old, new, needle, fragment", [
    ("    priority: 10\n", "    priority: high\n", "priority: high", "priority"),
    ("    priority: 10\n", "    priority: 5000\n", "priority: 5000", "priority"),
    ("    priority: 10\n", "    priority: -1\n", "priority: -1", "priority"),
    ("    for_each: stakeholder\n    priority: 10\n", "    for_each: stakeholders\n    priority: 10\n",
     "for_each: stakeholders", "for_each"),
    ("      participant: {role: informed, level: inform}", "      participant: {role: informed, level: tell}",
     "level: tell", "participant.level"),
    ("      participant: {role: informed, level: inform}", "      participant: informed", "participant: informed",
     "participant"),
])
def test_wrong_type_is_located(mini, h, old, new, needle, fragment):
    path = edit(mini, "policy/people.yaml", old, new)
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/people.yaml", h.line_of(path, needle), "people.others")
    assert fragment in err.message


def test_empty_sources_list(mini, h):
    path = edit(mini, "policy/thomas.yaml", "    sources: [thomas1993]\n    when: project.objective == efficiency",
                "    sources: []\n    when: project.objective == efficiency")
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "sources: []"), "thomas.choice_efficiency")


def test_bad_rule_id(mini, h):
    path = edit(mini, "policy/thomas.yaml", "id: thomas.choice_capacity", "id: Thomas Choice")
    err = only_error(mini)
    assert err.line == h.line_of(path, "id: Thomas Choice")
    assert err.message == ("`id` 'Thomas Choice' is not valid: a rule id holds lowercase letters, digits and '_', "
                           "in parts separated by dots, and starts with a letter (e.g. thomas.r1_information)")


# ---- references --------------------------------------------------------------------------------

def test_duplicate_rule_id_across_files(mini, h):
    path = h.write_policy(mini, "zz_more.yaml",
                          h.rule("zz.fine", "public.size == small", {"warnings": ["conflict"]}),
                          h.rule("thomas.r1_information", "public.size == large", {"warnings": ["conflict"]}))
    err = only_error(mini)
    assert err.file == "policy/zz_more.yaml"
    assert err.line == h.line_of(path, "id: thomas.r1_information")
    assert err.rule == "thomas.r1_information"
    assert err.message == "duplicate rule id (first in policy/thomas.yaml:3)"


def test_duplicate_rule_id_in_one_file(mini, h):
    path = h.write_policy(mini, "more.yaml",
                          h.rule("more.same", "public.size == small", {"warnings": ["conflict"]}),
                          h.rule("more.same", "public.size == large", {"warnings": ["conflict"]}))
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/more.yaml", h.line_of(path, "id: more.same", 2), "more.same")
    assert err.message == f"duplicate rule id (first in policy/more.yaml:{h.line_of(path, 'id: more.same')})"


def test_unknown_source(mini, h):
    path = edit(mini, "policy/thomas.yaml", "    title: Most involving\n    rationale: Development-oriented choice.\n"
                "    sources: [thomas1993]", "    title: Most involving\n    rationale: Development-oriented choice.\n"
                "    sources:\n      - thomas1993\n      - arnstein1969")
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/thomas.yaml", h.line_of(path, "- arnstein1969"),
                                              "thomas.choice_capacity")
    assert err.message == "unknown source 'arnstein1969' (add it to sources.yaml)"


@pytest.mark.parametrize("rel, old, new, needle, rid, message", [
    ("policy/people.yaml", "techniques: [mediation, focus_group]", "techniques: [mediation, world_cafe]",
     "world_cafe", "project.mediation", "unknown technique code 'world_cafe' (not in the catalogue)"),
    ("policy/people.yaml", "avoid_techniques: [online_platform]", "avoid_techniques: [online_forum]",
     "online_forum", "project.no_online", "unknown technique code 'online_forum' (did you mean online_platform?)"),
    ("policy/people.yaml", "arrangements: [steering_group]", "arrangements: [steering_grp]",
     "steering_grp", "project.facilitation_gap",
     "unknown arrangement code 'steering_grp' (did you mean steering_group?)"),
    ("policy/people.yaml", "      skills: [facilitation]", "      skills: [mediation_skills]",
     "mediation_skills", "project.mediation", "unknown skill code 'mediation_skills' (not in the catalogue)"),
    ("policy/people.yaml", "skill_gaps: [facilitation]", "skill_gaps: [facilitator]",
     "facilitator", "project.facilitation_gap", "unknown skill code 'facilitator' (did you mean facilitation?)"),
    ("policy/people.yaml", "role: advisor", "role: adviser", "adviser", "people.advisor_when_involving",
     "unknown role 'adviser' (did you mean advisor?)"),
    ("policy/thomas.yaml", "eliminate: [autonomous, modified_autonomous]", "eliminate: [autonomous, modified]",
     "modified]", "thomas.r4_acceptance", "unknown approach 'modified' (one of autonomous, modified_autonomous, "
     "segmented_consultation, unitary_consultation, public_decision)"),
    ("policy/thomas.yaml", "{prefer: most_involving}", "{prefer: most_involved}", "most_involved",
     "thomas.choice_capacity", "prefer takes least_involving, most_involving or an approach, not 'most_involved' "
     "(did you mean most_involving?)"),
])
def test_unknown_codes(mini, h, rel, old, new, needle, rid, message):
    path = edit(mini, rel, old, new)
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == (rel, h.line_of(path, needle), rid)
    assert err.message == message


def test_unknown_warning_code(mini, h):
    path = h.write_policy(mini, "more.yaml", h.rule("more.warn", "public.size == small", {"warnings": ["conflicts"]}))
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/more.yaml", h.line_of(path, "conflicts"), "more.warn")
    assert err.message == "unknown warning code 'conflicts' (did you mean conflict?)"


def test_error_in_a_deriving_rule_does_not_cascade(mini, h):
    # One typo in project.conflict (which derives `conflictual`) must give one error; the rule
    # is dropped before fact checking, so project.mediation is wrongly told that
    # derived.conflictual "is never derived by any rule".
    path = edit(mini, "policy/people.yaml", "warnings: [conflict]", "warnings: [conflicts]")
    errs = errors_of(mini)
    assert [(e.file, e.line, e.rule, e.message) for e in errs] == [
        ("policy/people.yaml", h.line_of(path, "conflicts"), "project.conflict",
         "unknown warning code 'conflicts' (did you mean conflict?)")]


def test_unknown_code_in_a_block_list_points_at_its_item(mini, h):
    path = edit(mini, "policy/people.yaml", "      techniques: [mediation, focus_group]\n",
                "      techniques:\n        - mediation\n        - focus_groups\n")
    err = only_error(mini)
    assert err.line == h.line_of(path, "- focus_groups")


def test_preferring_a_specific_approach_is_allowed(mini):
    edit(mini, "policy/thomas.yaml", "{prefer: most_involving}", "{prefer: unitary_consultation}")
    assert load_rulebase(mini).by_id["thomas.choice_capacity"].then.prefer == "unitary_consultation"


# ---- scope errors ------------------------------------------------------------------------------

def test_participant_without_for_each(mini, h):
    path = edit(mini, "policy/people.yaml", "    for_each: stakeholder\n    priority: 10\n", "    priority: 10\n")
    err = only_error(mini)
    then_line = h.line_of(path, "then:", 2)
    assert (err.file, err.line, err.rule) == ("policy/people.yaml", then_line, "people.others")
    assert err.message == "participant and exclude need 'for_each: stakeholder'"


def test_exclude_without_for_each(mini, h):
    path = h.write_policy(mini, "more.yaml", h.rule("more.exclude", "public.size == small",
                                                    {"exclude": "Not relevant"}))
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/more.yaml", h.line_of(path, "then:"), "more.exclude")
    assert err.message == "participant and exclude need 'for_each: stakeholder'"


def test_participant_and_exclude_together(mini, h):
    path = h.write_policy(mini, "more.yaml", h.rule(
        "more.both", "stakeholder.power == low",
        {"participant": {"role": "informed", "level": "inform"}, "exclude": "No"}, for_each=True))
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "then:"), "more.both")
    assert err.message == "a rule cannot both give a participant role and exclude the group"


def test_stakeholder_field_in_project_rule(mini, h):
    path = edit(mini, "policy/people.yaml", "when: public.size in [small, medium]",
                "when:\n      all:\n        - public.size in [small, medium]\n        - stakeholder.can_obstruct")
    err = only_error(mini)
    assert err.file == "policy/people.yaml" and err.rule == "project.no_online"
    # the `when:` of the rule, or the condition itself
    assert err.line in (h.line_of(path, "when:", 6), h.line_of(path, "- stakeholder.can_obstruct"))
    assert err.message == "reads stakeholder.can_obstruct but has no 'for_each: stakeholder'"


def test_stakeholder_field_in_project_rule_is_reported_once(mini, h):
    # the literal appears in both alternatives of the DNF; the author made one mistake
    h.write_policy(mini, "more.yaml", h.rule(
        "more.sh", ["stakeholder.power == high", {"any": ["public.size == small", "decision.quality_requirement"]}],
        {"warnings": ["conflict"]}))
    errs = errors_of(mini)
    assert [e.message for e in errs] == ["reads stakeholder.power but has no 'for_each: stakeholder'"]


def test_derived_fact_never_derived(mini, h):
    path = edit(mini, "policy/people.yaml", "when: [derived.conflictual, public.size == small]",
                "when: [derived.conflict, public.size == small]")
    err = only_error(mini)
    assert err.file == "policy/people.yaml" and err.rule == "project.mediation"
    assert err.line in (h.line_of(path, "id: project.mediation"), h.line_of(path, "derived.conflict,"))
    assert err.message == "derived.conflict is never derived by any rule (did you mean derived.conflictual?)"


def test_project_rule_reading_a_stakeholder_fact(mini, h):
    path = edit(mini, "policy/people.yaml", "when: [derived.conflictual, public.size == small]",
                "when: [derived.key_player, public.size == small]")
    err = only_error(mini)
    assert err.rule == "project.mediation"
    assert err.line in (h.line_of(path, "id: project.mediation"), h.line_of(path, "derived.key_player,"))
    assert err.message == ("derived.key_player belongs to stakeholder groups; "
                           "this rule needs 'for_each: stakeholder' to read it")


def test_stakeholder_rule_may_read_project_facts(mini, h):
    h.write_policy(mini, "more.yaml", h.rule("more.ok", ["derived.conflictual", "stakeholder.power == low"],
                                             {"participant": {"role": "advisor", "level": "consult"}},
                                             for_each=True))
    assert load_rulebase(mini).by_id["more.ok"].stratum == 0


def test_fact_derived_per_project_and_per_stakeholder(mini, h):
    path = h.write_policy(mini, "zz.yaml", h.rule("zz.key", "public.size == small", {"derive": ["key_player"]}))
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/zz.yaml", h.line_of(path, "id: zz.key"), "zz.key")
    assert err.message == "fact 'key_player' is derived both per stakeholder and per project"


def test_negation_cycle(mini, h):
    path = h.write_policy(mini, "cycle.yaml",
                          h.rule("cycle.a", "not derived.fact_b", {"derive": ["fact_a"]}),
                          h.rule("cycle.b", "derived.fact_a", {"derive": ["fact_b"]}))
    errs = errors_of(mini)
    assert {(e.file, e.line, e.rule) for e in errs} == {
        ("policy/cycle.yaml", h.line_of(path, "id: cycle.a"), "cycle.a"),
        ("policy/cycle.yaml", h.line_of(path, "id: cycle.b"), "cycle.b")}
    assert all("depends on its own negation" in e.message for e in errs)


def test_self_negation(mini, h):
    path = h.write_policy(mini, "cycle.yaml", h.rule("cycle.self", "not derived.me", {"derive": ["me"]}))
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "id: cycle.self"), "cycle.self")
    assert "depends on its own negation" in err.message


def test_negation_cycle_does_not_blame_rules_outside_the_cycle(mini, h):
    # cycle.c only reads the cycle's fact; it is not part of the cycle and is not wrong
    h.write_policy(mini, "cycle.yaml",
                   h.rule("cycle.a", "not derived.fact_b", {"derive": ["fact_a"]}),
                   h.rule("cycle.b", "derived.fact_a", {"derive": ["fact_b"]}),
                   h.rule("cycle.c", "derived.fact_a", {"warnings": ["conflict"]}))
    errs = errors_of(mini)
    assert sorted(e.rule for e in errs) == ["cycle.a", "cycle.b"]


def test_rule_that_eliminates_and_reads_approach(mini, h):
    path = h.write_policy(mini, "zz.yaml", h.rule("zz.loop", "approach.level >= involve",
                                                  {"eliminate": ["public_decision"]}))
    errs = errors_of(mini)
    # exactly this rule is blamed, with the specific message; people.advisor_when_involving
    # merely reads the approach and is innocent
    assert [(e.file, e.line, e.rule) for e in errs] == [("policy/zz.yaml", h.line_of(path, "id: zz.loop"), "zz.loop")]
    assert errs[0].message == "a rule that eliminates or prefers approaches cannot read approach.*"


def test_approach_cycle_through_a_derived_fact(mini, h):
    h.write_policy(mini, "zz.yaml",
                   h.rule("zz.reader", "approach.code == public_decision", {"derive": ["full_power"]}),
                   h.rule("zz.decider", "derived.full_power", {"eliminate": ["autonomous"]}))
    errs = errors_of(mini)
    assert {"zz.reader", "zz.decider"} <= {e.rule for e in errs}
    assert all("approach" in e.message or "negation" in e.message for e in errs)


def test_empty_then(mini, h):
    path = edit(mini, "policy/thomas.yaml", "then: {prefer: most_involving}", "then: {}")
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/thomas.yaml", h.line_of(path, "then: {}"),
                                              "thomas.choice_capacity")
    assert err.message == "concludes nothing"


def test_then_with_only_empty_lists(mini, h):
    path = edit(mini, "policy/thomas.yaml", "then: {prefer: most_involving}", "then: {techniques: [], warnings: []}")
    err = only_error(mini)
    assert (err.line, err.message) == (h.line_of(path, "then: {techniques"), "concludes nothing")


# ---- condition errors are located ---------------------------------------------------------------

def test_typo_in_field_name_is_located(mini, h):
    path = edit(mini, "policy/thomas.yaml", "        - decision.quality_requirement\n",
                "        - decision.quality_requirment\n")
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/thomas.yaml", h.line_of(path, "quality_requirment"),
                                              "thomas.r1_information")
    assert err.message.startswith("unknown field 'decision.quality_requirment'")
    assert str(err).startswith(f"policy/thomas.yaml:{err.line}: [thomas.r1_information] unknown field")


def test_condition_error_in_nested_block_is_located(mini, h):
    path = edit(mini, "policy/people.yaml", "            - stakeholder.kind in [research, civil_society]\n",
                "            - stakeholder.kind in [research, academia]\n")
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "academia"), "people.advisor_when_involving")
    assert "'academia' is not a value of stakeholder.kind" in err.message


def test_ordered_op_on_nominal_field_is_located(mini, h):
    path = edit(mini, "policy/thomas.yaml", "when: project.objective == efficiency",
                "when: project.objective >= efficiency")
    err = only_error(mini)
    assert (err.line, err.rule) == (h.line_of(path, "objective >="), "thomas.choice_efficiency")


def test_too_many_alternatives_is_a_load_error(mini, h):
    when = {"all": [{"any": ["decision.quality_requirement", "public.size == small"]} for _ in range(1)] +
            [{"any": [f"capacity.facilitation_skills {op} medium", f"capacity.engagement_budget {op} medium"]}
             for op in ("==", "!=", "<", "<=", ">", ">=")]}
    path = h.write_policy(mini, "zz.yaml", h.rule("zz.wide", when, {"warnings": ["conflict"]}))
    err = only_error(mini)
    assert (err.file, err.line, err.rule) == ("policy/zz.yaml", h.line_of(path, "when:"), "zz.wide")
    assert "alternatives" in err.message


# ---- catalogues -------------------------------------------------------------------------------

def test_duplicate_catalogue_code(mini, h):
    path = mini / "catalogue" / "roles.yaml"
    path.write_text(path.read_text() + "  - {code: advisor, label: Advisor again}\n")
    err = only_error(mini)
    assert (err.file, err.line) == ("catalogue/roles.yaml", h.line_of(path, "Advisor again"))
    assert err.message == "duplicate roles code 'advisor'"


def test_technique_with_unknown_skill_and_source(mini, h):
    path = edit(mini, "catalogue/techniques.yaml", "skills: [facilitation], sources: [thomas1993]",
                "skills: [facilitatoin], sources: [thomas1993, nobody]")
    errs = errors_of(mini)
    line = h.line_of(path, "facilitatoin")
    assert [(e.file, e.line, e.message) for e in errs] == [
        ("catalogue/techniques.yaml", line, "technique focus_group: unknown source 'nobody' (add it to sources.yaml)"),
        ("catalogue/techniques.yaml", line,
         "technique focus_group: unknown skill 'facilitatoin' (did you mean facilitation?)")]


def test_catalogue_schema_error_is_one_error(mini, h):
    # One bad entry (focus_group's channel) must not empty the whole techniques catalogue:
    # every rule citing mediation, fact_sheet, ... would be told the code is unknown.
    path = edit(mini, "catalogue/techniques.yaml", "group_size: [small], channel: offline, skills",
                "group_size: [small], channel: by_post, skills")
    err = only_error(mini)
    assert (err.file, err.line) == ("catalogue/techniques.yaml", h.line_of(path, "by_post"))
    assert "channel" in err.message


def test_missing_catalogue_file(mini):
    (mini / "catalogue" / "warnings.yaml").unlink()
    err = only_error(mini)
    assert err.file == "catalogue/warnings.yaml"
    assert "cannot read" in err.message


def test_broken_sources_file_does_not_flood_unknown_source_errors(mini, h):
    path = edit(mini, "sources.yaml", "  mendelow1991:\n", "  mendelow1991: oops:\n")
    errs = errors_of(mini)
    assert [(e.file, e.line) for e in errs] == [("sources.yaml", h.line_of(path, "oops"))]


def test_not_a_directory(tmp_path):
    errs = check_rulebase(tmp_path / "nowhere")
    assert [e.message for e in errs] == ["not a directory"]


# ---- refused whole ------------------------------------------------------------------------------

def test_any_error_refuses_the_whole_rule_base(mini, h):
    edit(mini, "policy/people.yaml", "skill_gaps: [facilitation]", "skill_gaps: [facilitator]")
    with pytest.raises(RuleBaseError) as info:
        Engine(mini)
    with pytest.raises(RuleBaseError):
        Engine(mini, backend="python")
    assert len(info.value.errors) == 1
    assert "policy/people.yaml:65: [project.facilitation_gap] unknown skill code" in str(info.value)


def test_all_errors_are_collected_in_file_order(mini, h):
    p1 = edit(mini, "policy/people.yaml", "skill_gaps: [facilitation]", "skill_gaps: [facilitator]")
    p2 = edit(mini, "policy/thomas.yaml", "eliminate: [autonomous]", "eliminate: [autonomus]")
    p3 = h.write_policy(mini, "extra.yaml", h.rule("extra.bad", "public.size == enormous", {"warnings": ["conflict"]}))
    errs = errors_of(mini)
    assert [(e.file, e.line, e.rule) for e in errs] == [
        ("policy/extra.yaml", h.line_of(p3, "when:"), "extra.bad"),
        ("policy/people.yaml", h.line_of(p1, "facilitator"), "project.facilitation_gap"),
        ("policy/thomas.yaml", h.line_of(p2, "autonomus"), "thomas.r1_information"),
    ]


def test_load_error_formats():
    err = LoadError("policy/a.yaml", 7, "boom", "a.rule")
    assert str(err) == "policy/a.yaml:7: [a.rule] boom"
    assert str(LoadError("policy", None, "too many")) == "policy: too many"
    assert err.as_dict() == {"file": "policy/a.yaml", "line": 7, "rule": "a.rule", "message": "boom"}
