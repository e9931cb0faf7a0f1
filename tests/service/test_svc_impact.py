"""service.impact: the stored pilots re-evaluated under a rule edit, counted, grouped and attributed."""
from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
from sqlalchemy import text

from engine import load_rulebase
from service import candidates
from service.impact import run_impact
from service.log import DecisionStore
from svc_rule_edits import CHANGED_RULE, REMOVED_RULE, RULES, displaced, durable_results, edited_rules, \
    expected_changes, record_pilots


@pytest.fixture(scope="module")
def results():
    return durable_results()


@pytest.fixture(scope="module")
def candidate(tmp_path_factory):
    return candidates.from_directory(edited_rules(tmp_path_factory.mktemp("cand") / "rules"))


def _filled(url, results):
    s = DecisionStore(url)
    s.ids = record_pilots(s, results)
    return s


@pytest.fixture
def store(db_url, results):
    """The six pilots in a log on each database (the first test runs on both)."""
    s = _filled(db_url, results)
    yield s
    s.close()


@pytest.fixture
def lite(tmp_path, results):
    """The six pilots in a SQLite log."""
    s = _filled(f"sqlite:///{tmp_path / 'log.db'}", results)
    yield s
    s.close()


def test_impact_counts_exactly_the_expected_changes_per_item_and_per_rule(store, results, candidate):
    expected = {name: expected_changes(rec) for name, rec in results.items()}
    assert any(expected.values()), "the edit changes no pilot: pick another edit"
    report = run_impact(store, candidate, workers=0)
    assert report.decisions == 6 and report.failed == 0
    assert report.changed == sum(1 for e in expected.values() if e)
    assert report.unchanged == 6 - report.changed
    items = Counter((item, kind) for e in expected.values() for item, kind, _ in e)
    assert {(i.item, i.kind): i.count for i in report.items} == dict(items)
    by_rule = {r.rule: r for r in report.rules}
    assert set(by_rule) == {rule for e in expected.values() for _, _, rule in e}
    for rule, impact in by_rule.items():
        mine = [name for name, e in expected.items() if any(r == rule for _, _, r in e)]
        pushed = rule == CHANGED_RULE and any(displaced(results[n]) for n in mine)   # a fuller core
        assert impact.count == len(mine) and impact.how == (["fired_differently", "named"] if pushed else ["named"])
        assert set(impact.examples) <= {store.ids[n] for n in mine}
    assert not report.approach                    # a technique edit moves no approach
    assert [e.rule for e in report.edits[0].rules] == [CHANGED_RULE, REMOVED_RULE]
    assert "technique:open_house added" in report.text()


def test_the_guard_and_the_worker_processes_change_nothing_in_the_report(lite, results, candidate):
    store = lite
    record_pilots(store, results)        # repeated contexts: evaluated once per worker
    volatile = {"seconds", "workers", "evaluated", "unaffected"}
    full = run_impact(store, candidate, workers=0, exact=False)
    guarded = run_impact(store, candidate, workers=0)
    parallel = run_impact(store, candidate, workers=2, batch=3)
    assert full.evaluated == 12 and full.unaffected == 0
    assert guarded.model_dump(exclude=volatile) == full.model_dump(exclude=volatile)
    assert parallel.model_dump(exclude=volatile) == full.model_dump(exclude=volatile)
    assert parallel.workers == 2


def test_a_large_run_takes_every_core_and_gives_the_serial_report(lite, results, candidate, monkeypatch):
    import os

    import service.impact
    record_pilots(lite, results)
    monkeypatch.setattr(service.impact, "IN_PROCESS_MAX", 4)     # 12 decisions count as a large run
    volatile = {"seconds", "workers", "evaluated", "unaffected"}
    serial = run_impact(lite, candidate, workers=0)
    chosen = run_impact(lite, candidate, batch=2)                 # six ranges of two log positions
    assert serial.workers == 0 and chosen.workers == (os.cpu_count() or 1)
    assert chosen.model_dump(exclude=volatile) == serial.model_dump(exclude=volatile)
    assert chosen.decisions == 12 and chosen.changed == serial.changed > 0


def test_the_guard_reads_a_compact_record_as_it_reads_the_full_one(results):
    """Impact settles compact records without rendering them: what the guard reads of one (the approach, the
    unknown answers, each firing's rule, subject and derived facts) is what it reads of the full recommendation."""
    from engine.explanation import compact
    from engine.facts import subjects, validate_context
    from engine.impact import final_state
    from service.impact import guard_view
    from svc_rule_edits import pilot_contexts

    rulebase = load_rulebase(RULES)
    contexts = pilot_contexts()
    for name, rec in results.items():
        view = guard_view(compact(json.loads(json.dumps(rec))), rulebase)
        subj = subjects(validate_context(contexts[name]))
        assert view["unknowns"] == rec["unknowns"]
        assert [f["rule"] for f in view["explanation"]["firings"]] == [f["rule"] for f in rec["explanation"]["firings"]]
        assert final_state(subj, view, rulebase.fact_scope) == final_state(subj, rec, rulebase.fact_scope), name
        derived = final_state(subj, view, rulebase.fact_scope)[1]
        assert any(derived.values()), name        # the pilots derive facts: the comparison is not of empties
    broken = compact(json.loads(json.dumps(results["athens"])))
    broken["explanation"]["firings"][0]["rule"] = "no.such_rule"
    assert guard_view(broken, rulebase) is None      # rendering it fails instead, and says why


def test_filters_select_the_decisions_considered(lite, results, candidate):
    approach = results["athens"]["approach"]["code"]
    n = sum(1 for r in results.values() if r["approach"]["code"] == approach)
    report = run_impact(lite, candidate, {"approach": approach}, workers=0)
    assert report.decisions == n and report.filters == {"approach": approach}
    assert run_impact(lite, candidate, {"city": "Nowhere"}, workers=0).decisions == 0


def test_a_candidate_with_the_same_rules_changes_nothing_without_evaluating(lite, tmp_path):
    root = tmp_path / "same"
    shutil.copytree(RULES, root)
    path = root / "policy" / "thomas.yaml"
    path.write_text("# only a comment added\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    same = candidates.from_directory(root)
    assert same.version != load_rulebase(RULES).version
    report = run_impact(lite, same, workers=0)
    assert report.changed == 0 and report.skipped_same_rules == 6 and report.evaluated == 0


def test_a_stored_context_that_no_longer_evaluates_is_reported_not_lost(lite, candidate):
    with lite.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET context_raw = :c WHERE id = :i"),
                     {"c": json.dumps({"project": {}}), "i": lite.ids["bremen"]})
    report = run_impact(lite, candidate, workers=0)
    assert report.failed == 1 and report.decisions == 6
    assert report.failures[0].examples == [lite.ids["bremen"]]
    assert "not valid" in report.failures[0].reason


def test_an_invalid_candidate_is_refused_with_file_and_line(tmp_path):
    root = edited_rules(tmp_path / "bad")
    path = root / "policy" / "techniques.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("open_house]", "no_such_technique]", 1),
                    encoding="utf-8")
    with pytest.raises(candidates.CandidateError) as err:
        candidates.from_directory(root)
    assert any(e.file == "policy/techniques.yaml" and e.line for e in err.value.errors)
    files = {"policy/x.yaml": "rules: [", "../escape.yaml": "x"}
    with pytest.raises(candidates.CandidateError):
        candidates.from_files(files)


def test_cogov_rules_impact_reports_as_text_or_json_and_refuses_a_broken_candidate(lite, results, tmp_path):
    from click.testing import CliRunner

    from service.cli import main

    url = lite.url
    cand = edited_rules(tmp_path / "c")
    runner = CliRunner()
    out = runner.invoke(main, ["rules", "impact", str(cand), "--database-url", url, "--workers", "0"])
    assert out.exit_code == 0, out.output
    changed = sum(1 for rec in results.values() if expected_changes(rec))
    assert f"{changed} changed, {6 - changed} unchanged" in out.output
    pushed = any(displaced(rec) for rec in results.values() if expected_changes(rec))   # a fuller core
    assert f"techniques.thomas_unitary [{'fired_differently, ' if pushed else ''}named]" in out.output
    approach = results["athens"]["approach"]["code"]
    out = runner.invoke(main, ["rules", "impact", str(cand), "--database-url", url, "--approach", approach,
                               "--format", "json"])
    data = json.loads(out.output)
    assert data["filters"] == {"approach": approach}
    assert data["decisions"] == sum(1 for r in results.values() if r["approach"]["code"] == approach)
    path = cand / "policy" / "techniques.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("open_house]", "no_such_technique]", 1),
                    encoding="utf-8")
    out = runner.invoke(main, ["rules", "impact", str(cand), "--database-url", url])
    assert out.exit_code == 1 and "policy/techniques.yaml:" in out.output and "no impact computed" in out.output
    missing = tmp_path / "none.db"
    out = runner.invoke(main, ["rules", "impact", str(RULES), "--database-url", f"sqlite:///{missing}"])
    assert out.exit_code == 2 and "no decision log" in out.output


# -- the API (the app of tests/service/conftest.py: the mini rule base, tokens for each role) -----------

def test_api_impact_validates_the_candidate_then_reports_the_changes_and_their_rules(client, api_app):
    from svc_helpers import auth, pilot

    assert client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice")).status_code == 201
    stored = client.get("/api/v1/decisions", headers=auth("carol")).json()["items"]
    files = dict(api_app.state.activator.current.rulebase.files)
    old = "when: [stakeholder.power == high, stakeholder.interest >= medium]"
    assert old in files["policy/people.yaml"], "tests/fixtures/mini changed: update this test"
    files["policy/people.yaml"] = files["policy/people.yaml"].replace(
        old, "when: [stakeholder.power == high, stakeholder.interest == high]")
    assert client.post("/api/v1/rules/impact", json={"files": files}, headers=auth("alice")).status_code == 403
    r = client.post("/api/v1/rules/impact", json={"files": files}, headers=auth("dave"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["decisions"] == len(stored) and report["changed"] >= 1
    # city_it_company has high power and medium interest: no longer a key player, so no longer a partner
    keyed = {i["item"]: (i["old"], i["new"]) for i in report["items"]}
    assert keyed["participant:city_it_company"][0] == "decision_partner@collaborate"
    assert keyed["participant:city_it_company"][1] != "decision_partner@collaborate"
    assert "participant:municipality" not in keyed          # high interest: still one
    assert [r_["rule"] for r_ in report["rules"]] == ["people.key_player"]
    assert report["edits"][0]["rules"][0]["rule"] == "people.key_player"
    # the auditor may ask too, filtered
    r = client.post("/api/v1/rules/impact", json={"files": files, "filters": {"city": "Nowhere"}},
                    headers=auth("carol"))
    assert r.status_code == 200 and r.json()["decisions"] == 0
    files["policy/people.yaml"] = files["policy/people.yaml"].replace("role: informed", "role: no_such_role")
    r = client.post("/api/v1/rules/impact", json={"files": files}, headers=auth("dave"))
    assert r.status_code == 422 and "policy/people.yaml:" in r.text
    r = client.post("/api/v1/rules/impact", json={}, headers=auth("dave"))
    assert r.status_code == 422 and "one of the two" in r.text


def test_decisions_whose_stored_rule_base_was_altered_are_failures_not_a_crash(lite, candidate):
    """The rule edits from an altered stored version are unknown: its decisions are failures with the reason."""
    version = lite.get(lite.ids["genoa"]).rulebase_version
    files = json.loads(json.dumps(lite.get_rulebase(version).files))
    files["policy/thomas.yaml"] = "# altered after the fact\n" + files["policy/thomas.yaml"]
    with lite.engine.begin() as conn:
        conn.execute(text("UPDATE rulebases SET files = :f WHERE version = :v"), {"f": json.dumps(files), "v": version})
    report = run_impact(lite, candidate, workers=0)
    assert report.decisions == 6 and report.failed == 6 and report.changed == 0 and report.evaluated == 0
    (failure,) = report.failures
    assert failure.reason == f"its stored rule base {version} cannot be used" and failure.count == 6


def test_the_evaluators_cache_of_recommendations_is_bounded_and_serves_repeats(candidate):
    """Each cached entry is a whole recommendation: the cache must not grow with the log."""
    from engine.facts import subjects, validate_context
    from service.impact import Evaluator
    from svc_rule_edits import pilot_contexts

    contexts = [validate_context(c) for c in pilot_contexts().values()]
    evaluator = Evaluator(candidate, cache_max=2)
    first = [evaluator.evaluate(c, subjects(c)) for c in contexts]
    assert len(evaluator.cache) == 2
    again = evaluator.evaluate(contexts[-1], subjects(contexts[-1]))      # still cached: the same object
    assert again is first[-1]
    fresh = evaluator.evaluate(contexts[0], subjects(contexts[0]))        # evicted: evaluated again, same result
    assert fresh is not first[0] and fresh == first[0] and len(evaluator.cache) == 2


# -- the limit: only the newest decisions, and the report says so --------------------------------------

def test_a_limit_examines_only_the_newest_decisions_and_the_report_says_it_is_partial(lite, results, candidate):
    names = list(lite.ids)                          # in log order
    newest = names[-2:]
    report = run_impact(lite, candidate, limit=2, workers=0)
    assert report.truncated and report.limit == 2 and report.matched == 6 and report.decisions == 2
    assert report.examined_order == "newest_first"
    seqs = [lite.get(lite.ids[n]).seq for n in newest]
    assert report.examined_seq == seqs
    assert report.examined_from == lite.get(lite.ids[newest[0]]).summary()["created_at"]
    assert report.examined_to == lite.get(lite.ids[newest[1]]).summary()["created_at"]
    assert report.changed == sum(1 for n in newest if expected_changes(results[n]))
    assert report.changed + report.unchanged + report.failed == 2
    examples = {i for it in report.items for i in it.examples} | {i for r in report.rules for i in r.examples}
    assert examples <= {lite.ids[n] for n in newest}
    assert report.text().startswith("PARTIAL: only the 2 newest of the 6 matching decisions were examined")
    whole = run_impact(lite, candidate, workers=0)
    assert not whole.truncated and whole.matched == whole.decisions == 6 and whole.limit is None
    assert not whole.text().startswith("PARTIAL")


def test_a_limit_counts_the_decisions_the_filters_select_and_is_not_a_truncation_when_they_fit(lite, results,
                                                                                               candidate):
    approach = results["athens"]["approach"]["code"]
    n = sum(1 for r in results.values() if r["approach"]["code"] == approach)
    fits = run_impact(lite, candidate, {"approach": approach}, limit=n, workers=0)
    assert not fits.truncated and fits.matched == fits.decisions == n
    cut = run_impact(lite, candidate, {"approach": approach}, limit=1, workers=0)
    assert cut.truncated == (n > 1) and cut.matched == n and cut.decisions == 1
    mine = [name for name, r in results.items() if r["approach"]["code"] == approach]
    assert cut.examined_seq == [lite.get(lite.ids[mine[-1]]).seq] * 2
    none = run_impact(lite, candidate, {"city": "Nowhere"}, limit=1, workers=0)
    assert (none.matched, none.decisions, none.truncated, none.examined_seq) == (0, 0, False, None)
    with pytest.raises(ValueError):
        run_impact(lite, candidate, limit=0, workers=0)


def test_a_limited_run_in_worker_processes_gives_the_same_report(lite, results, candidate):
    record_pilots(lite, results)                     # 12 decisions; the newest 7: one old, six new
    volatile = {"seconds", "workers", "evaluated", "unaffected"}
    local = run_impact(lite, candidate, limit=7, workers=0)
    parallel = run_impact(lite, candidate, limit=7, workers=2, batch=3)
    assert local.decisions == 7 and local.matched == 12 and local.truncated
    assert parallel.model_dump(exclude=volatile) == local.model_dump(exclude=volatile)


def test_cogov_rules_impact_accepts_a_limit_and_says_the_report_is_partial(lite, tmp_path):
    from click.testing import CliRunner

    from service.cli import main

    cand = edited_rules(tmp_path / "c")
    runner = CliRunner()
    out = runner.invoke(main, ["rules", "impact", str(cand), "--database-url", lite.url, "--workers", "0",
                               "--limit", "3"])
    assert out.exit_code == 0, out.output
    assert "PARTIAL: only the 3 newest of the 6 matching decisions were examined" in out.output
    data = json.loads(runner.invoke(main, ["rules", "impact", str(cand), "--database-url", lite.url,
                                           "--workers", "0", "--format", "json"]).output)
    assert data["truncated"] is False and data["limit"] is None and data["decisions"] == 6     # unbounded by default
    out = runner.invoke(main, ["rules", "impact", str(cand), "--database-url", lite.url, "--limit", "0"])
    assert out.exit_code == 2 and "--limit" in out.output


def test_api_impact_is_bounded_by_a_limit_and_refuses_invalid_limits_naming_the_field(client, api_app):
    from service.impact import DEFAULT_LIMIT, MAX_LIMIT
    from svc_helpers import auth, pilot

    for name in ("athens", "genoa"):
        assert client.post("/api/v1/recommendations", json=pilot(name), headers=auth("alice")).status_code == 201
    logged = len(client.get("/api/v1/decisions", headers=auth("carol")).json()["items"])
    files = dict(api_app.state.activator.current.rulebase.files)
    r = client.post("/api/v1/rules/impact", json={"files": files}, headers=auth("dave"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["limit"] == DEFAULT_LIMIT and body["truncated"] is False and body["matched"] == body["decisions"]
    r = client.post("/api/v1/rules/impact", json={"files": files, "limit": 1}, headers=auth("dave"))
    body = r.json()
    assert r.status_code == 200 and body["truncated"] is True
    assert (body["matched"], body["decisions"], body["limit"]) == (logged, 1, 1)
    assert body["examined_seq"][0] == body["examined_seq"][1] == logged      # the newest
    assert body["changed"] + body["unchanged"] + body["failed"] == 1
    for bad in (0, -1, MAX_LIMIT + 1, "many", None, 2.5):
        r = client.post("/api/v1/rules/impact", json={"files": files, "limit": bad}, headers=auth("dave"))
        assert r.status_code == 422, (bad, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["body.limit"], (bad, r.text)
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["ImpactIn"]["properties"]["limit"]["maximum"] == MAX_LIMIT
    assert {"matched", "truncated", "limit", "examined_seq"} <= set(schema["ImpactReport"]["required"])
