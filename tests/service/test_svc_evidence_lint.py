"""Back to the authors (issue 17, item 4): `cogov rules lint` flags a rule whose advice is repeatedly dropped or
scores low where followed, from the evaluations in a decision log, with thresholds in lint.yaml; below
evidence.min_evaluations nothing is flagged. The engine takes the evidence as plain numbers (it reads no log).

Every evaluation is synthetic test data (svc_evidence_helpers)."""
from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from engine import RuleBaseError, load_rulebase
from engine.lint import LintConfig, lint, load_lint_config
from engine.lint.config import EvidenceThresholds
from engine.lint.evidence import evidence_findings
from service import evidence
from service.cli import main
from svc_evidence_helpers import RULES, pilot_log, record, synthetic


@pytest.fixture(scope="module")
def rulebase():
    return load_rulebase(RULES)


def numbers(followed=0, dropped=0, score_n=0, score_mean=None):
    return {"evaluated": followed + dropped, "followed": followed, "not_followed": dropped, "score_n": score_n,
            "score_mean": score_mean}


def test_a_rule_dropped_often_enough_is_flagged_at_its_line(rulebase):
    rule = rulebase.by_id["iap2.inform_baseline"]
    found = evidence_findings(rulebase, {rule.id: numbers(followed=2, dropped=3)}, EvidenceThresholds())
    (f,) = found
    assert (f.kind, f.rule, f.file, f.line) == ("evidence_dropped", rule.id, rule.file, rule.line)
    assert "dropped in 3 of the 5 evaluated decisions" in f.message


@pytest.mark.parametrize(("given", "kinds"), [
    (numbers(followed=1, dropped=3), []),                           # 4 < min_evaluations 5: not a finding
    (numbers(followed=3, dropped=2), []),                           # 40% < dropped_share 50%
    (numbers(followed=5, score_n=5, score_mean=2.5), ["evidence_low_score"]),
    (numbers(followed=5, score_n=4, score_mean=1.0), []),           # too few scored
    (numbers(followed=5, score_n=5, score_mean=2.6), []),
    (numbers(followed=0, dropped=6, score_n=0), ["evidence_dropped"]),
])
def test_thresholds_and_the_minimum(rulebase, given, kinds):
    found = evidence_findings(rulebase, {"iap2.inform_baseline": given}, EvidenceThresholds())
    assert [f.kind for f in found] == kinds


def test_lint_yaml_sets_the_thresholds_and_severities(rulebase, tmp_path):
    (tmp_path / "lint.yaml").write_text(textwrap.dedent("""\
        severity:
          evidence_dropped: error
        evidence:
          min_evaluations: 2
          dropped_share: 0.25
        """), encoding="utf-8")
    config = load_lint_config(tmp_path)
    assert config.evidence.min_evaluations == 2 and config.evidence.low_score == 2.5
    report = lint(rulebase, config, evidence={"iap2.inform_baseline": numbers(followed=2, dropped=1)})
    assert [(f.kind, f.rule) for f in report.errors] == [("evidence_dropped", "iap2.inform_baseline")]
    assert not [f for f in lint(rulebase, config).findings if f.kind.startswith("evidence_")]


def test_a_bad_evidence_threshold_is_named_at_its_line(tmp_path):
    (tmp_path / "lint.yaml").write_text("evidence:\n  min_evaluations: 0\n  low_score: 9\n", encoding="utf-8")
    with pytest.raises(RuleBaseError) as exc:
        load_lint_config(tmp_path)
    text = "\n".join(map(str, exc.value.errors))
    assert "lint.yaml:2: evidence.min_evaluations" in text and "lint.yaml:3: evidence.low_score" in text


def test_the_shipped_lint_yaml_documents_the_minimum():
    assert load_lint_config(RULES).evidence == EvidenceThresholds(min_evaluations=5, dropped_share=0.5,
                                                                  low_score=2.5)


def test_rules_lint_reads_the_evaluations_from_the_log(tmp_path):
    """Six synthetic evaluations dropping the fact sheet: the rule that recommends it is flagged, at its file and
    line; rules whose advice was followed are not. Without --database-url, no evidence finding."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    store, rulebase, decisions = pilot_log(url)
    for n, (_name, decision) in enumerate(decisions):
        record(store, rulebase, decision, synthetic(decision.recommendation, drop=("fact_sheet",), n=n,
                                                    scores={"influence": 4, "transparency": 4}))
    numbers_ = evidence.rule_numbers(store)
    store.close()
    assert numbers_["iap2.inform_baseline"]["not_followed"] == 6
    rule = rulebase.by_id["iap2.inform_baseline"]
    run = CliRunner().invoke(main, ["rules", "lint", str(RULES), "--json", "--database-url", url])
    data = json.loads(run.output)
    flagged = {(f["kind"], f["rule"]) for f in data["findings"] if f["kind"].startswith("evidence_")}
    assert ("evidence_dropped", rule.id) in flagged
    assert not any(kind == "evidence_low_score" for kind, _ in flagged)      # scored 4 where followed
    followed_only = [r for r, v in numbers_.items() if v["not_followed"] == 0 and v["followed"] >= 5]
    assert followed_only and not any(r in followed_only for _, r in flagged)
    f = next(f for f in data["findings"] if f["kind"] == "evidence_dropped" and f["rule"] == rule.id)
    assert (f["file"], f["line"], f["method"]) == (rule.file, rule.line, "observed")
    text = CliRunner().invoke(main, ["rules", "lint", str(RULES), "--database-url", url]).output
    assert f"{rule.file}:{rule.line}: warning: evidence_dropped [{rule.id}]" in text
    plain = CliRunner().invoke(main, ["rules", "lint", str(RULES), "--json"]).output
    assert not [f for f in json.loads(plain)["findings"] if f["kind"].startswith("evidence_")]


def test_rules_lint_without_a_log_at_that_address_says_so(tmp_path):
    run = CliRunner().invoke(main, ["rules", "lint", str(RULES), "--database-url",
                                    f"sqlite:///{tmp_path / 'missing.db'}"])
    assert run.exit_code == 2 and "no decision log" in run.output


def test_unknown_config_keys_still_fail(tmp_path):
    (tmp_path / "lint.yaml").write_text("evidence:\n  min_evaluation: 3\n", encoding="utf-8")
    with pytest.raises(RuleBaseError) as exc:
        load_lint_config(tmp_path)
    assert "lint.yaml:2: evidence.min_evaluation: unknown key" in "\n".join(map(str, exc.value.errors))
    assert LintConfig().evidence.min_evaluations == 5


def test_rules_impact_shows_the_evidence_behind_what_it_changes(tmp_path):
    """The fact sheet, dropped in all six synthetic evaluations, is what the candidate removes: the command's
    report ends with that evidence (text) or carries it (JSON)."""
    import shutil

    url = f"sqlite:///{tmp_path / 'log.db'}"
    store, rulebase, decisions = pilot_log(url)
    for n, (_name, decision) in enumerate(decisions):
        record(store, rulebase, decision, synthetic(decision.recommendation, drop=("fact_sheet",), n=n))
    store.close()
    candidate = tmp_path / "candidate"
    shutil.copytree(RULES, candidate)
    policy = candidate / "policy" / "iap2.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "    then:\n      techniques: [fact_sheet]\n      skills: [communication]\n",
        "    then:\n      skills: [communication]\n", 1), encoding="utf-8")
    text = CliRunner().invoke(main, ["rules", "impact", str(candidate), "--database-url", url, "--workers", "0"])
    assert text.exit_code == 0, text.output
    assert "Evidence behind the changes (evaluated decisions in the log):" in text.output
    assert "technique:fact_sheet (Fact sheet): followed in 0, dropped in 6 of 6 evaluated" in text.output
    data = json.loads(CliRunner().invoke(main, ["rules", "impact", str(candidate), "--database-url", url,
                                                "--workers", "0", "--format", "json"]).output)
    assert data["evidence"]["rule:iap2.inform_baseline"]["not_followed"] == 6
