"""The impact report in a reader's words (issue 20, item 6): example decisions named by project and city, the
old and new text of each edited rule part, and a city filter that ignores case and accents (`--city malmo`
finds Malmö) in the store, so the command line, the API and the page all match cities the same way."""
from __future__ import annotations

import json

import pytest

from service import candidates
from service.impact import run_impact
from service.log import DecisionStore
from svc_rule_edits import CHANGED_RULE, Who, durable_results, edited_rules, pilot_contexts, record_pilots


@pytest.fixture(scope="module")
def results():
    return durable_results()


@pytest.fixture(scope="module")
def candidate(tmp_path_factory):
    return candidates.from_directory(edited_rules(tmp_path_factory.mktemp("cand") / "rules"))


def _log(url, results) -> DecisionStore:
    """The six pilots, and Malmö's once more with its city in capitals (SQLite's lower() leaves Ö as it is)."""
    store = DecisionStore(url)
    store.ids = record_pilots(store, results)
    ctx = pilot_contexts()["malmo"]
    ctx["project"]["city"] = "MALMÖ"
    version = store.list().items[0].rulebase_version
    store.shouting = store.record(identity=Who(), context_raw=json.dumps(ctx, ensure_ascii=False),
                                  recommendation=results["malmo"], rulebase_version=version,
                                  engine_version=store.list().items[0].engine_version).id
    return store


@pytest.fixture
def store(db_url, results):
    s = _log(db_url, results)
    yield s
    s.close()


@pytest.mark.parametrize("city", ["malmo", "Malmö", "MALMÖ", "  malmö ", "MALMO"])
def test_a_city_is_found_however_its_case_and_accents_are_written(store, candidate, city):
    malmo = {store.ids["malmo"], store.shouting}
    report = run_impact(store, candidate, {"city": city}, workers=0)
    assert report.matched == report.decisions == 2
    assert {r.id for r in store.list({"city": city}).items} == malmo     # the decision list filters alike
    assert store.count({"city": city}) == 2


def test_another_city_or_a_part_of_one_finds_no_malmo(store, candidate):
    assert run_impact(store, candidate, {"city": "bremen"}, workers=0).decisions == 1
    assert run_impact(store, candidate, {"city": "malm"}, workers=0).decisions == 0
    assert store.list({"city": "Nowhere"}).items == []


def test_example_decisions_are_named_by_project_and_city(store, candidate, results):
    report = run_impact(store, candidate, workers=0)
    assert report.changed
    examples = {i for group in (report.approach, report.items, report.rules) for entry in group
                for i in entry.examples}
    assert examples and examples <= set(report.named)
    contexts = pilot_contexts()
    for name, decision_id in store.ids.items():
        if decision_id in report.named:
            project = contexts[name]["project"]
            assert (report.named[decision_id].project, report.named[decision_id].city) == \
                (project["name"], project["city"])
    text = report.text()
    genoa = contexts["genoa"]["project"]
    assert f"{store.ids['genoa']} ({genoa['name']}, {genoa['city']})" in text
    assert f"~ rule {CHANGED_RULE} (then)" in text
    assert 'then.techniques: "[public_meeting]" -> "[public_meeting, open_house]"' in text


def test_cogov_rules_impact_matches_the_city_and_names_the_decisions(tmp_path, results):
    from click.testing import CliRunner

    from service.cli import main

    url = f"sqlite:///{tmp_path / 'log.db'}"
    _log(url, results).close()
    cand = edited_rules(tmp_path / "cand")
    out = CliRunner().invoke(main, ["rules", "impact", str(cand), "--database-url", url, "--workers", "0",
                                    "--city", "malmo"])
    assert out.exit_code == 0, out.output
    assert "on 2 stored decision(s) (city=malmo)" in out.output
    data = json.loads(CliRunner().invoke(main, ["rules", "impact", str(cand), "--database-url", url, "--workers",
                                                "0", "--city", "MALMO", "--format", "json"]).output)
    assert data["decisions"] == 2
    assert data["edits"][0]["rules"][0]["texts"] == [
        {"part": "then.techniques", "old": "[public_meeting]", "new": "[public_meeting, open_house]"}]


def test_api_impact_matches_the_city_without_accents_and_names_examples(client, api_app):
    from svc_helpers import auth, pilot

    for name in ("malmo", "athens"):
        assert client.post("/api/v1/recommendations", json=pilot(name), headers=auth("alice")).status_code == 201
    files = dict(api_app.state.activator.current.rulebase.files)      # the mini rule base (tests/fixtures)
    old = "when: [stakeholder.power == high, stakeholder.interest >= medium]"
    assert old in files["policy/people.yaml"], "tests/fixtures/mini changed: update this test"
    files["policy/people.yaml"] = files["policy/people.yaml"].replace(
        old, "when: [stakeholder.power == high, stakeholder.interest == high]")
    r = client.post("/api/v1/rules/impact", json={"files": files, "filters": {"city": "MALMO"}},
                    headers=auth("dave"))
    assert r.status_code == 200, r.text
    assert r.json()["decisions"] == 1
    body = client.post("/api/v1/rules/impact", json={"files": files}, headers=auth("dave")).json()
    assert body["changed"] >= 1
    shown = {i for entry in body["items"] for i in entry["examples"]}
    assert shown and shown <= set(body["named"])
    assert {"Athens"} <= {n["city"] for n in body["named"].values()}
    assert body["edits"][0]["rules"][0]["texts"] == [
        {"part": "when[2]", "old": "stakeholder.interest >= medium", "new": "stakeholder.interest == high"}]
