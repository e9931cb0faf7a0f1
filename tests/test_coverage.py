"""Rule coverage: counting against the rule base, the features run, the decision log, the CLI."""
from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Engine, load_rulebase
from engine.coverage import rule_coverage
from service.cli import main
from service.coverage import features_coverage, log_coverage

TESTS = Path(__file__).resolve().parent
MINI = TESTS / "fixtures" / "mini"


@pytest.fixture(scope="module")
def mini():
    return load_rulebase(MINI)


def test_counts_per_file_and_rule(mini):
    fired = {"people.key_player": 3, "thomas.r1_information": 1, "gone.rule": 2}
    cov = rule_coverage(mini, fired, "test")
    per_file = {f.file: (f.covered, len(f.rules)) for f in cov.files}
    assert per_file["policy/people.yaml"][0] == 1 and per_file["policy/thomas.yaml"][0] == 1
    assert cov.unknown == ["gone.rule"]
    assert len(cov.never_fired) == len(mini.rules) - 2
    assert cov.percent == pytest.approx(200 / len(mini.rules))
    assert not cov.meets(50) and cov.meets(cov.percent)
    assert f"policy/people.yaml:{mini.by_id['people.others'].line}: people.others" in cov.text(50)
    assert "BELOW" in cov.text(50)


def _features(tmp_path: Path, scenario: str) -> Path:
    """A features folder using the shipped step library, with one scenario."""
    d = tmp_path / "features"
    d.mkdir()
    (d / "conftest.py").write_text("from features.conftest import *  # noqa: F401,F403\n", encoding="utf-8")
    (d / "test_scenarios.py").write_text(
        "from pathlib import Path\nfrom pytest_bdd import scenarios\nscenarios(str(Path(__file__).parent))\n",
        encoding="utf-8")
    (d / "one.feature").write_text(textwrap.dedent(scenario), encoding="utf-8")
    return d


SCENARIO = """\
    Feature: one
      Scenario: a conflict in a small public
        Given a base project context
        And the decision answers:
          | question | answer |
          | CONF     | yes    |
        And the public:
          | size | small |
        When the context is evaluated
        Then rule project.conflict fired
    """


FAILING = """
      Scenario: an expectation that does not hold
        Given a base project context
        When the context is evaluated
        Then rule project.conflict fired
    """


def test_features_run_counts_what_fired(tmp_path, mini):
    """One child run: what the scenarios fired is counted, and a failing scenario fails the run."""
    run = features_coverage(mini, MINI, _features(tmp_path, SCENARIO + FAILING))
    assert not run.passed and "1 failed, 1 passed" in run.summary
    fired = {r.rule for r in run.coverage.rules if r.fired}
    expected = {f.rule.id for f in Engine(mini, backend="python").infer(_base_with_conflict()).firings}
    from features.steps.world import BASE_CONTEXT
    expected |= {f.rule.id for f in Engine(mini, backend="python").infer(BASE_CONTEXT).firings}
    assert fired == expected and "project.conflict" in fired
    assert run.coverage.never_fired


def test_a_features_run_that_skipped_scenarios_is_refused(tmp_path, mini, monkeypatch):
    """Coverage from part of the features would call rules 'never fired' that a skipped scenario fires."""
    from service.coverage import CoverageRunError
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k conflict")
    with pytest.raises(CoverageRunError, match=r"only part of the features ran \(1 scenario\(s\) deselected\)"):
        features_coverage(mini, MINI, _features(tmp_path, SCENARIO + FAILING))


def _base_with_conflict() -> dict:
    from features.steps.world import BASE_CONTEXT
    import copy
    ctx = copy.deepcopy(BASE_CONTEXT)
    ctx["decision"]["public_conflict_likely"] = True
    ctx["public"]["size"] = "small"
    return ctx


# ---- the decision log -----------------------------------------------------------------------------------

class Who:
    name, role = "alice", "manager"


def test_rules_never_fired_in_the_log(tmp_path, mini):
    from service.log import DecisionStore
    url = f"sqlite:///{tmp_path / 'log.db'}"
    store = DecisionStore(url)
    store.store_rulebase(mini.version, mini.files)
    ctx = _base_with_conflict()
    rec = Engine(mini, backend="python").evaluate(ctx)
    store.record(identity=Who(), context=ctx, recommendation=rec, rulebase_version=mini.version,
                 engine_version="0.1.0")
    store.close()
    fired = {f["rule"] for f in rec["explanation"]["firings"]}
    cov = log_coverage(mini, url)
    assert {r.rule for r in cov.rules if r.fired} == fired
    later = log_coverage(mini, url, datetime.now(timezone.utc) + timedelta(days=1))
    assert not any(r.fired for r in later.rules) and "since" in later.source

    result = CliRunner().invoke(main, ["rules", "coverage", str(MINI), "--no-features", "--database-url", url,
                                       "--since", "2000-01-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["log"]
    assert {r["rule"] for f in data["files"] for r in f["rules"] if r["fired"]} == fired


def test_cli_since_needs_a_log(monkeypatch):
    monkeypatch.delenv("COGOV_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["rules", "coverage", str(MINI), "--no-features", "--since", "2024-01-01"])
    assert result.exit_code == 2 and "--since needs a decision log" in result.output
    result = CliRunner().invoke(main, ["rules", "coverage", str(MINI), "--no-features", "--since", "soon",
                                       "--database-url", "sqlite:///x.db"])
    assert result.exit_code == 2 and "not a date" in result.output
