"""Rule analysis (`engine.lint`): the symbolic model agrees with the engine, every finding kind is found
where it is, with an example the engine confirms, and lint.yaml decides what is an error."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import approaches, load_rulebase
from engine.conditions import FIELDS
from engine.lint import KINDS, LintConfig, lint, lint_directory, load_lint_config
from engine.lint.examples import run
from engine.lint.symbolic import MISSING, PROJECT, SymbolicRuleBase
from engine.rulebase import RuleBaseError

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FLAWED = TESTS / "fixtures" / "lint" / "flawed"
BASES = {"shipped": REPO / "rules", "flawed": FLAWED, "mini": TESTS / "fixtures" / "mini",
         "agree": TESTS / "fixtures" / "agree"}


def _values(path: str) -> list:
    info = FIELDS[path]
    if info.kind == "set":   # the empty list, each single member, a pair, and every member
        members = list(info.values)
        return [[], *[[v] for v in members], members[:2], members]
    values = list(info.values) if info.values else [True, False]
    return values + [MISSING] if info.optional else values


def _subject(scope: str) -> st.SearchStrategy:
    paths = [p for p, i in FIELDS.items() if i.scope == scope]
    return st.fixed_dictionaries({p: st.sampled_from(_values(p)) for p in paths}).map(_valid)


def _valid(d: dict) -> dict:
    """Drop missing fields; what a group contributes needs an activity to contribute in (as in the schema)."""
    d = {k: v for k, v in d.items() if v != MISSING}
    if d.get("stakeholder.contributes") and not d.get("stakeholder.co_produces"):
        d["stakeholder.contributes"] = []
    if "project.phase" in d and d["project.phase"] not in d["project.activities"]:   # a phase is one activity
        d["project.activities"] = [v for v in FIELDS["project.activities"].values
                                   if v in d["project.activities"] or v == d["project.phase"]]
    return d


def _within(project: dict, groups: list[dict]) -> list[dict]:
    """Groups co-produce only in the project's activities (as the schema requires)."""
    known = project.get("project.activities", [])
    out = []
    for g in groups:
        co = [a for a in g.get("stakeholder.co_produces", []) if a in known]
        out.append({**g, "stakeholder.co_produces": co,
                    "stakeholder.contributes": g.get("stakeholder.contributes", []) if co else []})
    return out


def _context(project: dict, groups: list[dict]) -> dict:
    from engine.lint.examples import context_from
    return context_from({PROJECT: project, **{f"g{i + 1}": g for i, g in enumerate(groups)}})


@pytest.fixture(scope="module")
def models():
    return {(name, n): SymbolicRuleBase(load_rulebase(path), groups=n) for name, path in BASES.items()
            for n in (1, 2)}


@pytest.mark.parametrize("name", list(BASES))
@pytest.mark.parametrize("groups", [1, 2])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_symbolic_model_agrees_with_the_engine(models, name, groups, data):
    """For any context: the same rules fire for the same subjects, the same approach, the same winners."""
    sym = models[(name, groups)]
    project = data.draw(_subject("project"))
    people = _within(project, [data.draw(_subject("stakeholder")) for _ in range(groups)])
    outcome = run(sym.rb, _context(project, people))
    model = sym.find(*sym.pin({PROJECT: project, **{f"g{i + 1}": g for i, g in enumerate(people)}}))
    assert model is not None, "the solver finds no model of a valid context"
    predicted = {(r.id, s) for r in sym.rb.rules for s in sym.subjects(r)
                 if z3.is_true(model.eval(sym.fires(r, s), model_completion=True))}
    actual = {(rid, PROJECT if s == "_project" else s) for rid, s in outcome.wm.fired}
    assert predicted == actual
    code = model.eval(sym.approach).as_long()
    expected = outcome.recommendation.approach.code if outcome.recommendation else None
    assert (None if code < 0 else approaches.ORDER[code]) == expected
    if outcome.recommendation is not None:
        for p in outcome.recommendation.participants:
            order = model.eval(sym.winning_rule(p.stakeholder)).as_long()
            winner = next((r.id for r in sym.rb.rules if r.order == order), None)
            if winner is None:
                assert p.role is None and not p.excluded
            else:
                assert winner in {b.rule for b in p.because}
            if p.role is not None:   # how its people are selected and take part
                for key, codes in (("recruitment", sym.rb.catalogue.recruitment), ("mode", sym.rb.catalogue.modes)):
                    index = model.eval(sym.winning_choice(key, p.stakeholder)).as_long()
                    choice = getattr(p, key)
                    assert (list(codes)[index] if index >= 0 else None) == (choice.code if choice else None)


# ---- every finding kind, where it is, with a confirmed example ------------------------------------------------

EXPECTED = [  # (kind, rule, file, line)
    ("gap_approach", None, "policy/approach.yaml", 1),
    ("contradiction_approach", "approach.prefer_public_decision", "policy/approach.yaml", 15),
    ("unreachable", "facts.small_and_large", "policy/facts.yaml", 7),
    ("unreachable", "facts.uses_impossible", "policy/facts.yaml", 13),
    ("unreachable_alternative", "facts.dead_branch", "policy/facts.yaml", 22),
    ("unused_fact", "facts.unused", "policy/facts.yaml", 29),
    ("chaining_cycle", "facts.loop_a", "policy/facts.yaml", 30),
    ("weak_rationale", "facts.weak", "policy/facts.yaml", 45),
    ("unknown_conclusion", None, "catalogue/terms.yaml", 7),     # at the words' label
    ("gap_role", None, "policy/people.yaml", 1),
    ("contradiction_participant", "people.advisor_if_informed", "policy/people.yaml", 18),
    ("shadowed", "people.never_wins", "policy/people.yaml", 41),
    ("redundant", "people.informed_again", "policy/people.yaml", 43),
    ("gap_technique", None, "policy/techniques.yaml", 1),
    ("contradiction_technique", "techniques.platform_small", "policy/techniques.yaml", 9),
    ("shadowed", "techniques.platform_small", "policy/techniques.yaml", 14),
    # translations/de: the fact sheet's translated from an older English, a key of nothing, the rest missing
    ("translation_stale", None, "translations/de/catalogue/techniques.yaml", 1),
    ("translation_orphan", None, "translations/de/catalogue/techniques.yaml", 9),
    ("translation_missing", None, "catalogue/techniques.yaml", 4),
]


@pytest.fixture(scope="module")
def flawed():
    return lint_directory(FLAWED)


def test_the_flawed_fixture_shows_every_kind(flawed):
    assert {k for k, *_ in EXPECTED} == set(KINDS)
    found = {(f.kind, f.rule, f.file, f.line) for f in flawed.findings}
    missing = [e for e in EXPECTED if e not in found]
    assert not missing, "\n".join(str(f) for f in flawed.findings)


def test_no_false_findings_in_the_flawed_fixture(flawed):
    """Nothing beyond the planted problems (the loop's second fact is also in the cycle; one contradiction
    per eliminating rule)."""
    expected = {(k, r) for k, r, *_ in EXPECTED}
    extra = [f for f in flawed.findings if (f.kind, f.rule) not in expected]
    assert not extra, "\n".join(map(str, extra))


@pytest.mark.parametrize("kind", [k for k in KINDS])
def test_examples_really_show_the_finding(flawed, kind):
    """Each finding with an example context: the context is valid and the engine shows the problem."""
    for f in (f for f in flawed.findings if f.kind == kind):
        if kind in ("unreachable", "unreachable_alternative", "chaining_cycle", "unused_fact", "weak_rationale",
                    "unknown_conclusion", "translation_missing", "translation_stale", "translation_orphan"):
            assert f.example is None  # nothing to show: these are proofs or facts about the text
        else:
            assert f.example is not None and f.confirmed is True, str(f)


def test_gap_example_is_a_context_cogov_accepts(flawed):
    gap = next(f for f in flawed.findings if f.kind == "gap_role")
    outcome = run(load_rulebase(FLAWED), gap.example)
    assert any(p.role is None and not p.excluded for p in outcome.recommendation.participants)
    assert "group g1" in gap.example_text


def test_unreachable_says_why(flawed):
    msgs = {f.rule: f.message for f in flawed.findings if f.kind == "unreachable"}
    assert "public.size == large and public.size == small" in msgs["facts.small_and_large"]
    assert "derived.impossible" in msgs["facts.uses_impossible"]


# ---- the shipped rule base ---------------------------------------------------------------------------------------

def test_shipped_rule_base_lints_without_errors():
    report = lint_directory(REPO / "rules")
    assert not report.errors, "\n".join(map(str, report.errors))
    assert all(f.confirmed is not False for f in report.findings), "an example the engine does not confirm"


def test_two_group_model_finds_no_more_errors_in_the_shipped_rules():
    """Collective checks (approach, techniques) with two groups: still clean."""
    report = lint(load_rulebase(REPO / "rules"), load_lint_config(REPO / "rules"), groups=2)
    assert not report.errors, "\n".join(map(str, report.errors))


# ---- lint.yaml ---------------------------------------------------------------------------------------------------

def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "lint.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_config_decides_severity_and_ignores(flawed):
    config = LintConfig.model_validate({
        "severity": {"gap_role": "warning", "redundant": "error"},
        "ignore": [{"kind": "gap_technique", "reason": "a fixture without catch-all techniques"}]})
    report = lint(load_rulebase(FLAWED), config)
    kinds = {f.kind: f for f in report.errors}
    assert "gap_role" not in kinds and "redundant" in kinds and "gap_technique" not in kinds
    ignored = next(f for f in report.findings if f.kind == "gap_technique")
    assert ignored.ignored_because == "a fixture without catch-all techniques"


def test_config_errors_name_the_line(tmp_path):
    root = _write(tmp_path, """\
        severity:
          shadowed: error
          shadowd: warning
        ignore:
          - kind: redundant
            rule: x.y
        coverage:
          features: 120
        """)
    with pytest.raises(RuleBaseError) as exc:
        load_lint_config(root)
    text = "\n".join(map(str, exc.value.errors))
    assert "lint.yaml:3: severity.shadowd: unknown finding kind" in text
    assert "lint.yaml:5:" in text and "reason" in text         # ignore[0] lacks its reason
    assert "lint.yaml:8:" in text and "coverage.features" in text


def test_missing_config_means_defaults(tmp_path):
    config = load_lint_config(tmp_path)
    assert config.severity_of("unreachable") == KINDS["unreachable"][0]
    assert config.coverage.features == 100


# ---- the command line ----------------------------------------------------------------------------------------

def test_cli_check_fails_on_lint_errors_and_lint_prints_json():
    from click.testing import CliRunner
    from service.cli import main
    runner = CliRunner()
    bad = runner.invoke(main, ["rules", "check", str(FLAWED)])
    assert bad.exit_code == 1
    assert "policy/facts.yaml:7: error: unreachable [facts.small_and_large]" in bad.output
    assert "e.g. " in bad.output and "[confirmed by the engine]" in bad.output
    good = runner.invoke(main, ["rules", "check", str(REPO / "rules")])
    assert good.exit_code == 0 and "0 lint error(s)" in good.output and ": OK" in good.output
    out = runner.invoke(main, ["rules", "lint", str(FLAWED), "--json"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert {f["kind"] for f in data["findings"]} == set(KINDS)
    assert data["checks"]["unreachable"]["method"] == "complete"


def test_words_for_a_conclusion_no_rule_derives_are_named_with_a_suggestion(flawed):
    """terms.yaml's conclusions give derived facts their words; a misspelt code would never be shown. It is a
    lint finding, not a load error: a rule base may keep words while a rule is rewritten."""
    (f,) = [f for f in flawed.findings if f.kind == "unknown_conclusion"]
    assert f.message.startswith("conclusion loop_c: no rule derives it (did you mean loop_")
    assert load_rulebase(FLAWED).catalogue.terms.conclusions["distrust"].label == "The public distrusts the agency"
