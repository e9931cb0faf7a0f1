"""Rule-file errors in an author's words (issue 20, item 5): YAML structure errors say what to write instead
at the line to look at, schema errors name the entry by its id (one-based numbers where it has none) and the
key as written, a bad id says what an id may hold (never a regular expression), and every unknown code gets a
"did you mean". Each message keeps its file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import RuleBaseError, check_rulebase, load_rulebase, load_rulebase_files
from engine.yamlsource import YamlError, parse_yaml

RULE = """\
rules:
  - id: safety.volunteers
    title: Volunteers need safeguarding
    rationale: Volunteers who deliver a service face risks the city must insure and manage.
    sources: [thomas1993]
    for_each: stakeholder
    when: stakeholder.power == high
    then:
      warnings: [conflict]
"""


def _errors(root: Path) -> list:
    errs = check_rulebase(root)
    assert errs, "the rule base should have been refused"
    return errs


def _policy(tmp_path: Path, h, text: str) -> tuple[Path, list]:
    root = h.copy_mini(tmp_path)
    path = root / "policy" / "safety.yaml"
    path.write_text(text, encoding="utf-8")
    return path, _errors(root)


def _only(errs: list):
    assert len(errs) == 1, "\n".join(map(str, errs))
    return errs[0]


# ---- YAML structure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, needle, message", [
    ("    title: Volunteers", "\ttitle: Volunteers", "\ttitle", "tabs are not allowed for indentation; use spaces"),
    ("    title: Volunteers", "    title:\tVolunteers", "title:\t", "a tab after ':': use a space"),
    ("    title: Volunteers", "   title: Volunteers", "   title:", "this line is indented differently from the "
     "ones above it (3 spaces here, 4 on line 2): the keys of one block must line up"),
    ("    title: Volunteers need safeguarding", "    title: Safety: volunteers", "title: Safety",
     "a value holding ': ' must be put in quotes"),
    ("    title: Volunteers", "      title: Volunteers", "      title:", "this line is indented more than the "
     "one above it, which already has its value"),
    ("    sources: [thomas1993]", "    sources: [thomas1993", "for_each:",
     "the '[' opened on line 5 is not closed with ']' before this line"),
    ("    title: Volunteers need safeguarding", '    title: "Volunteers need safeguarding', "title:",
     "the quote opened on line 3 is never closed"),
    ("  - id: safety.volunteers", "  -id: safety.volunteers", "-id:", "a list item needs a space after its '-'"),
    ("    title: Volunteers need safeguarding", "    title: @volunteers", "@volunteers",
     "a value cannot start with '@', which YAML reserves: put the whole value in quotes"),
    ("      warnings: [conflict]", "      warnings: - conflict", "warnings: -",
     "a list cannot start on the line of its key"),
    ("    title: Volunteers need safeguarding\n", "    title: Volunteers need safeguarding\n    - oops\n", "- oops",
     "a list item ('- ...') where a key was expected"),
    ("    title: Volunteers need safeguarding", "    title Volunteers need safeguarding", "title Volunteers",
     "this line is neither 'key: value' nor a list item '- ...': add ': ' after the key"),
])
def test_yaml_structure_errors_are_said_in_words_at_the_line_to_look_at(tmp_path, h, old, new, needle, message):
    assert RULE.count(old) == 1
    path, errs = _policy(tmp_path, h, RULE.replace(old, new))
    err = _only(errs)
    assert (err.file, err.line) == ("policy/safety.yaml", h.line_of(path, needle))
    assert message in err.message
    assert err.message.startswith("invalid YAML: ")
    for jargon in ("<block", "token", "scanning", "mapping values", "expected ','"):
        assert jargon not in err.message
    assert str(err).startswith(f"policy/safety.yaml:{err.line}: ")


def test_an_unknown_parser_error_keeps_the_parsers_words():
    with pytest.raises(YamlError) as info:
        parse_yaml("a: !!binary |\n  x\n")
    assert "tags" in info.value.message      # refused before parsing, as before


# ---- the schema, by the entry's id -----------------------------------------------------------------------

@pytest.mark.parametrize("old, new, needle, message", [
    ("    then:\n      warnings: [conflict]\n", "    then:\n      - warnings: [conflict]\n", "then:",
     "`then` must hold the rule's conclusions as 'key: value' lines indented under it (e.g. techniques: "
     "[focus_group]), not a list"),
    ("    then:\n      warnings: [conflict]\n", "    then:\n    warnings: [conflict]\n", "warnings:",
     "'warnings' belongs under `then:`: indent it further than `then:`"),
    ("    then:\n      warnings: [conflict]\n", "    then:\n      warnings: [conflict]\n      sources: [x]\n",
     "sources: [x]", "'sources' is a key of the rule, not of `then`: indent it as far as `then:`"),
    ("    then:\n", "    thne:\n", "thne:", "unknown key 'thne' (did you mean then?)"),
    ("    for_each: stakeholder", "    for_each: stakeholders", "for_each:",
     "`for_each` must be stakeholder, not 'stakeholders' (did you mean stakeholder?)"),
    ("    for_each: stakeholder\n", "    for_each: stakeholder\n    priority: 5000\n", "priority:",
     "`priority` must be a whole number from 0 to 1000, not 5000"),
    ("    for_each: stakeholder\n", "    for_each: stakeholder\n    priority: high\n", "priority:",
     "`priority` must be a whole number from 0 to 1000, not 'high'"),
    ("    title: Volunteers need safeguarding\n", "    title:\n", "title:", "`title` is empty: write it after 'title:'"),
    ("    sources: [thomas1993]", "    sources: []", "sources:",
     "`sources` must not be empty: list at least one key of sources.yaml"),
    ("      warnings: [conflict]", "      participant: {role: informed, level: colaborate}", "participant:",
     "`then.participant.level` must be one of inform, consult, involve, collaborate or empower, not 'colaborate' "
     "(did you mean collaborate?)"),
])
def test_schema_errors_name_the_rule_by_its_id_and_say_what_to_write(tmp_path, h, old, new, needle, message):
    assert RULE.count(old) == 1
    path, errs = _policy(tmp_path, h, RULE.replace(old, new))
    err = _only(errs)
    assert (err.file, err.line, err.rule) == ("policy/safety.yaml", h.line_of(path, needle), "safety.volunteers")
    assert err.message == message or err.message.startswith(message), err.message
    assert "rules.0" not in err.message and "Input should" not in err.message
    assert str(err).startswith(f"policy/safety.yaml:{err.line}: [safety.volunteers] ")


def test_a_rule_without_an_id_is_numbered_from_one(tmp_path, h):
    second = RULE.split("rules:\n", 1)[1].replace("  - id: safety.volunteers\n    title:", "  - title:")
    path, errs = _policy(tmp_path, h, RULE + second)
    err = _only(errs)
    assert (err.line, err.rule) == (h.line_of(path, "- title:"), None)
    assert err.message == "rule #2 (it has no id): `id` is missing (every rule needs id, title, rationale, " \
                          "sources, when and then)"


def test_a_bad_id_says_what_an_id_may_hold_not_a_regular_expression(tmp_path, h):
    path, errs = _policy(tmp_path, h, RULE.replace("id: safety.volunteers", "id: Safety Volunteers"))
    err = _only(errs)
    assert err.line == h.line_of(path, "id: Safety")
    assert err.message == ("`id` 'Safety Volunteers' is not valid: a rule id holds lowercase letters, digits and '_', "
                           "in parts separated by dots, and starts with a letter (e.g. thomas.r1_information)")
    assert not any(c in err.message for c in "^$*[]\\")


def test_a_rules_key_that_is_not_a_list_says_how_rules_are_written(tmp_path, h):
    _, errs = _policy(tmp_path, h, "rules:\n  id: safety.volunteers\n")
    assert _only(errs).message == "`rules` must be a list of rules, each starting with '- id: ...', not a mapping " \
                                  "(key: value lines)"


# ---- catalogue entries, by their code --------------------------------------------------------------------

def _catalogue(tmp_path: Path, h, rel: str, old: str, new: str) -> tuple[Path, object]:
    root = h.copy_mini(tmp_path)
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, _only(_errors(root))


@pytest.mark.parametrize("rel, old, new, needle, message", [
    ("catalogue/techniques.yaml", "channel: offline, skills", "channel: by_post, skills", "by_post",
     "technique focus_group: `channel` must be one of online, offline or assisted, not 'by_post'"),
    ("catalogue/techniques.yaml", "{code: mediation, ", "{", "label: Mediation",
     "technique #4 (it has no code): `code` is missing (every technique needs code, label, sources, iap2_levels, "
     "group_size and channel)"),
    ("catalogue/techniques.yaml", "{code: mediation, ", "{code: mediation, colour: red, ", "colour",
     "technique mediation: unknown key 'colour'; a technique takes code, label, description, sources, iap2_levels, "
     "group_size, channel, skills and demands"),
    ("catalogue/techniques.yaml", "{code: mediation, ", "{code: Mediation, ", "Mediation,",
     "technique Mediation: `code` 'Mediation' is not valid: a code or fact name holds lowercase letters, digits and "
     "'_', starts with a letter and has at most 64 characters (e.g. focus_group)"),
    ("catalogue/techniques.yaml", "skills: [facilitation]", "skills: [facilitaton]", "facilitaton",
     "technique focus_group: unknown skill 'facilitaton' (did you mean facilitation?)"),
    ("catalogue/warnings.yaml", ", message: Conflict within the public is likely.", "", "code: conflict",
     "warning conflict: `message` is missing (every warning needs code, label and message)"),
    ("sources.yaml", "  thomas1993:", "  Thomas 1993:", "Thomas 1993",
     "source Thomas 1993: the key 'Thomas 1993' is not valid: a source key holds letters, digits, '_', '.' and '-'"),
])
def test_catalogue_errors_name_the_entry_by_its_code(tmp_path, h, rel, old, new, needle, message):
    path, err = _catalogue(tmp_path, h, rel, old, new)
    assert (err.file, err.line) == (rel, h.line_of(path, needle))
    assert err.message.startswith(message), err.message


# ---- "did you mean" for every code a rule names ----------------------------------------------------------

@pytest.mark.parametrize("then, message", [
    ({"techniques": ["focus_grup"]}, "unknown technique code 'focus_grup' (did you mean focus_group?)"),
    ({"avoid_techniques": ["online_platfrom"]}, "unknown technique code 'online_platfrom' "
                                                "(did you mean online_platform?)"),
    ({"arrangements": ["steering_groups"]}, "unknown arrangement code 'steering_groups' (did you mean steering_group?)"),
    ({"skills": ["facilitate"]}, "unknown skill code 'facilitate' (did you mean facilitation?)"),
    ({"skill_gaps": ["facilitaton"]}, "unknown skill code 'facilitaton' (did you mean facilitation?)"),
    ({"warnings": ["conflit"]}, "unknown warning code 'conflit' (did you mean conflict?)"),
    ({"participant": {"role": "advisr", "level": "consult"}}, "unknown role 'advisr' (did you mean advisor?)"),
    ({"eliminate": ["autonomus"]}, "unknown approach 'autonomus' (did you mean autonomous?)"),
    ({"prefer": "least_involved"}, "(did you mean least_involving?)"),
    ({"warnings": ["zzz"]}, "unknown warning code 'zzz' (not in the catalogue)"),
])
def test_every_unknown_code_gets_a_did_you_mean(tmp_path, h, then, message):
    root = h.copy_mini(tmp_path)
    path = h.write_policy(root, "more.yaml", h.rule("more.rule", "stakeholder.power == high", then, for_each=True))
    err = _only(_errors(root))
    assert (err.file, err.rule) == ("policy/more.yaml", "more.rule") and err.line >= 2
    assert message in err.message, err.message


def test_an_unknown_source_gets_a_did_you_mean(tmp_path, h):
    path, errs = _policy(tmp_path, h, RULE.replace("[thomas1993]", "[thomas1939]"))
    err = _only(errs)
    assert err.line == h.line_of(path, "thomas1939")
    assert err.message == "unknown source 'thomas1939' (did you mean thomas1993?)"


def test_the_shipped_catalogue_suggests_the_code_meant():
    shipped = Path(__file__).resolve().parents[1] / "rules"
    files = {p.relative_to(shipped).as_posix(): p.read_text(encoding="utf-8") for p in shipped.rglob("*.yaml")}
    rel = next(r for r, t in files.items() if r.startswith("policy/") and "[volunteer_programme]" in t)
    files[rel] = files[rel].replace("[volunteer_programme]", "[volunteer_programm]", 1)
    with pytest.raises(RuleBaseError) as info:
        load_rulebase_files(files)
    (err,) = info.value.errors
    assert err.file == rel and err.line
    assert err.message == "unknown technique code 'volunteer_programm' (did you mean volunteer_programme?)"


def test_a_misspelt_derived_fact_gets_a_did_you_mean(tmp_path, h):
    root = h.copy_mini(tmp_path)
    h.write_policy(root, "more.yaml", h.rule("more.rule", "derived.key_playr", {"warnings": ["conflict"]},
                                             for_each=True))
    err = _only(_errors(root))
    assert err.message == "derived.key_playr is never derived by any rule (did you mean derived.key_player?)"


def test_load_rulebase_and_check_agree_on_the_words(tmp_path, h):
    path, errs = _policy(tmp_path, h, RULE.replace("    then:\n", "    thne:\n"))
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(path.parents[1])
    assert info.value.errors == errs


def test_an_entry_of_terms_yaml_is_named_by_its_code():
    shipped = Path(__file__).resolve().parents[1] / "rules"
    files = {p.relative_to(shipped).as_posix(): p.read_text(encoding="utf-8") for p in shipped.rglob("*.yaml")}
    terms = files["catalogue/terms.yaml"]
    entry = next(line for line in terms.splitlines() if line.startswith("  - code: "))
    code = entry.split(": ", 1)[1]
    label = terms.splitlines()[terms.splitlines().index(entry) + 1]
    assert label.strip().startswith("label:")
    files["catalogue/terms.yaml"] = terms.replace(entry + "\n" + label + "\n", entry + "\n", 1)
    with pytest.raises(RuleBaseError) as info:
        load_rulebase_files(files)
    (err,) = info.value.errors
    assert err.file == "catalogue/terms.yaml" and err.line
    assert terms.index("approaches:") < terms.index(entry)             # the first entry is an approach's words
    assert err.message == f"approach {code}: `label` is missing (every approach needs code, label and description)"

