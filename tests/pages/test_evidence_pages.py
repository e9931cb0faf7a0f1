"""The evaluation form on a decision's page, evaluations on the page and the report, the evidence pages with
their charts, and the evidence on the rule browser and the impact page (issue 17, items 1, 3, 4).

Every evaluation is synthetic test data, labelled so."""
from __future__ import annotations

import base64
import json
import os
import re
from urllib.parse import urlencode

import pytest

from service.evidence.charts import FOLLOWED

from .conftest import USERS
from .helpers import REPO, post_form
from .htmlform import parse

PILOTS = ("athens", "bremen", "genoa", "malmo", "milan", "palmela")


def pilot(name: str) -> dict:
    return json.loads((REPO / "examples" / "pilots" / f"{name}.json").read_text(encoding="utf-8"))


def decide(client, name: str = "genoa", headers=None) -> dict:
    r = client.post("/api/v1/recommendations", json=pilot(name), headers=headers or {})
    assert r.status_code == 201, r.text
    return r.json()


def evaluation_form(html: str):
    return next(f for f in parse(html).forms if f.attrs.get("id") == "evaluation-form")


def as_browser(form, **answers) -> list[tuple[str, str]]:
    """What a browser submits: the form's controls as shown (an unselected multiple select sends nothing),
    with `answers` (name -> value, or list of values for checkboxes) filled in."""
    data = [(k, v) for k, v in form.data() if k not in answers and k != "also_used"]
    for name, value in answers.items():
        data.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return data


@pytest.fixture(scope="module")
def genoa(client) -> dict:
    return decide(client)


def test_the_decision_page_carries_the_evaluation_form(client, genoa):
    html = client.get(f"/decisions/{genoa['decision_id']}").text
    assert 'id="evaluations"' in html and "No evaluation has been recorded for this decision yet." in html
    form = evaluation_form(html)
    assert form.attrs["action"] == f"/decisions/{genoa['decision_id']}/outcomes"
    used = [c.attrs["value"] for c in form.controls if c.name == "used"]
    assert used == [t["code"] for t in genoa["techniques"]]
    assert {c.name for c in form.controls} >= {"stage", "evaluated_by", "participants", "score.influence",
                                                "score.pathways_to_impact", "synthetic", "notes"}
    for c in form.controls:      # every control has a label
        if c.tag in ("input", "select", "textarea") and c.type != "hidden":
            assert f'for="{c.attrs["id"]}"' in html, c.attrs


def test_an_evaluation_recorded_on_the_page_shows_on_the_page_and_the_report(client, genoa):
    page = client.get(f"/decisions/{genoa['decision_id']}").text
    techniques = [t["code"] for t in genoa["techniques"]]
    group = next(p for p in genoa["participants"] if p.get("role") and not p.get("excluded"))
    data = as_browser(evaluation_form(page), used=techniques[:2], participants="40", **{
        f"group.{group['stakeholder']}.participants": "25", f"group.{group['stakeholder']}.population": "500",
        f"why.technique:{techniques[2]}": "no venue was free", "score.influence": "4", "score.transparency": "2",
        "notes": "SYNTHETIC page test", "synthetic": "true"})
    r = post_form(client, f"/decisions/{genoa['decision_id']}/outcomes", data)
    assert r.status_code == 303, r.text[:2000]
    assert r.headers["location"] == f"/decisions/{genoa['decision_id']}#evaluations"
    html = client.get(f"/decisions/{genoa['decision_id']}").text
    section = html.split('id="evaluations"', 1)[1]
    assert "Evaluation 1" in section and "SYNTHETIC: test or demonstration data" in section
    assert "no venue was free" in section and "3.00 of 5" in section and "5.0%" in section
    assert f"{group['name']} takes part" in section
    report = client.get(f"/log/{genoa['decision_id']}").text
    assert "What happened: evaluations" in report and "no venue was free" in report
    assert client.app.state.store.verify().ok


def test_a_bad_evaluation_is_shown_again_with_each_error_at_its_field(client, genoa):
    before = client.app.state.store.evaluations.head()
    page = client.get(f"/decisions/{genoa['decision_id']}/outcomes").text
    data = as_browser(evaluation_form(page), participants="-3", **{"score.influence": "9", "cost_amount": "lots"})
    r = post_form(client, f"/decisions/{genoa['decision_id']}/outcomes", data)
    assert r.status_code == 422
    summary = r.text.split('id="evaluation-errors"', 1)[1].split("</div>", 1)[0]
    assert "cost: write a number" in summary
    r = post_form(client, f"/decisions/{genoa['decision_id']}/outcomes",
                  as_browser(evaluation_form(page), participants="-3", **{"score.influence": "9"}))
    assert r.status_code == 422
    anchors = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', r.text.split('id="evaluation-errors"', 1)[1])
    assert ("f-participants", "participants: Input should be greater than or equal to 0") in anchors
    assert ("f-score-influence", "scores.influence: Input should be less than or equal to 5") in anchors
    for anchor, _ in anchors:
        assert f'id="{anchor}"' in r.text
    assert 'name="participants" value="-3"' in r.text          # the answers are kept
    assert client.app.state.store.evaluations.head() == before


def test_a_technique_not_in_the_catalogue_is_refused_naming_it(client, genoa):
    page = client.get(f"/decisions/{genoa['decision_id']}/outcomes").text
    r = post_form(client, f"/decisions/{genoa['decision_id']}/outcomes",
                  as_browser(evaluation_form(page), participants="3", also_used=["fact_shet"]))
    assert r.status_code == 422 and "unknown technique &#39;fact_shet&#39; (did you mean &#39;fact_sheet&#39;?)" in r.text


def test_who_may_record_and_see(token_client):
    mara = {"Authorization": f"Bearer {USERS['mara'][1]}"}
    rec = decide(token_client, headers=mara)
    url = f"/decisions/{rec['decision_id']}/outcomes"

    def as_(name):
        return {"cookie": f"cogov_token={USERS[name][1]}"}
    assert token_client.get(url, headers=as_("mara")).status_code == 200
    assert token_client.get(url, headers=as_("milo")).status_code == 404       # another manager's decision
    assert token_client.get(url, headers=as_("aldo")).status_code == 403
    assert token_client.get(url, headers=as_("ada")).status_code == 403
    r = token_client.post(url, content=urlencode({"participants": "3"}), headers={
        **as_("milo"), "content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert r.status_code == 404 and token_client.app.state.store.evaluations.head()[0] == 0
    auditor_view = token_client.get(f"/decisions/{rec['decision_id']}", headers=as_("aldo")).text
    assert 'id="evaluations"' in auditor_view and 'id="evaluation-form"' not in auditor_view
    for name in USERS:
        r = token_client.get("/evidence", headers=as_(name))
        assert r.status_code == 200 and ">Evidence</a>" in r.text, name


# ---- the evidence pages ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evaluated(client, genoa):
    """Six pilots' decisions more, each evaluated (synthetic) with the fact sheet used and scores of 4."""
    for name in PILOTS:
        rec = decide(client, name)
        r = client.post(f"/api/v1/decisions/{rec['decision_id']}/outcomes", json={
            "techniques_used": ["fact_sheet"], "participants": 12, "scores": {"influence": 4, "transparency": 4},
            "synthetic": True, "notes": "SYNTHETIC page test"})
        assert r.status_code == 201, r.text
    return client


def svg_of(uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix):]).decode("utf-8")


def test_the_evidence_page_has_charts_tables_and_words_on_uncertainty(evaluated):
    html = evaluated.get("/evidence").text
    assert "How far to trust these numbers" in html and "Below <strong>5</strong> evaluated decisions nothing is " \
        "presented as a finding" in html
    assert "are synthetic</strong>" in html
    images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)" alt="([^"]+)"', html)
    assert images, "no chart"
    svg = svg_of(images[0][0])
    assert svg.startswith("<svg") and "Fact sheet" in svg and FOLLOWED in svg
    assert "Fact sheet: followed in 7, dropped in 0" in images[0][1]
    assert '/evidence/techniques/fact_sheet"' in html and "/api/v1/evidence/export.csv" in html


def test_an_evidence_detail_page(evaluated):
    html = evaluated.get("/evidence/techniques/fact_sheet").text
    assert "Technique: Fact sheet" in html and "What can be said" in html
    assert "Followed in 7 of the 7 evaluated decisions" in html
    images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)" alt="([^"]+)"', html)
    assert len(images) == 5                       # the scores, and one per context dimension
    # six evaluations scored 4, and the genoa one (influence 4, transparency 2) 3
    assert "overall: followed 3.86 (95% interval 3.51 to 4.21) from 7" in images[0][1]
    assert re.search(r"3\.86.*\(3\.51 to 4\.21\).*n=7", html.split("by criterion", 1)[1], re.S)
    assert evaluated.get("/evidence/techniques/no_such").status_code == 404
    assert evaluated.get("/evidence/gadgets/fact_sheet").status_code == 404
    rule = evaluated.get("/evidence/rules/iap2.inform_baseline")
    assert rule.status_code == 200 and "Rule: Every approach keeps the public informed" in rule.text


def test_each_rules_page_shows_its_evidence(evaluated):
    card = evaluated.get("/rules/iap2.inform_baseline").text       # the rule's own page (issue 15, item 4)
    assert re.search(r"Evaluated in 7 of the \d+ decisions whose advice it shaped", card)
    assert '/evidence/rules/iap2.inform_baseline"' in card
    fired = evaluated.app.state.store.rule_fire_counts()
    idle = next(r.id for r in evaluated.app.state.activator.current.rulebase.rules if r.id not in fired)
    assert "No evaluation yet" in evaluated.get(f"/rules/{idle}").text     # nobody evaluated its decisions


def test_the_impact_page_shows_the_evidence_behind_the_changes(evaluated):
    text = (REPO / "rules" / "policy" / "iap2.yaml").read_text(encoding="utf-8").replace(
        "    then:\n      techniques: [fact_sheet]\n      skills: [communication]\n",
        "    then:\n      skills: [communication]\n", 1)
    r = post_form(evaluated, "/rules/impact", {"source": "files", "path": "policy/iap2.yaml", "text": text,
                                               "limit": "100"})
    assert r.status_code == 200, r.text[:2000]
    row = next(tr for tr in r.text.split("<tr>") if "technique:fact_sheet" in tr)
    assert "followed in 7, dropped in 0" in row and "/evidence/techniques/fact_sheet" in row


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium")
def test_chromium_draws_the_charts_under_the_pages_security_policy(evaluated):
    """The SVG charts are images (data: URIs) because the pages' policy forbids inline style and script:
    chromium loads every one of them, and reports no policy violation."""
    from playwright.sync_api import sync_playwright

    def serve(route):
        url = route.request.url.replace("http://testserver", "")
        r = evaluated.get(url)
        route.fulfill(status=r.status_code, headers=dict(r.headers), body=r.content)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            messages: list[str] = []
            page.on("console", lambda m: messages.append(m.text))
            page.route("http://testserver/**", serve)
            for url in ("/evidence", "/evidence/techniques/fact_sheet"):
                page.goto("http://testserver" + url)
                sizes = page.eval_on_selector_all("figure.chart img", "els => els.map(e => e.naturalWidth)")
                assert sizes and all(w == 760 for w in sizes), (url, sizes)
            assert not [m for m in messages if "Content Security Policy" in m], messages
        finally:
            browser.close()


def test_the_pages_are_accessible(evaluated, genoa):
    """One h1, no skipped heading level, every control labelled, ids unique: the evidence pages, and the
    decision's page, outcomes page and report with evaluations and the form (also when it shows errors)."""
    from .test_pages import assert_accessible

    decision = genoa["decision_id"]
    for url in ("/evidence", "/evidence/techniques/fact_sheet", "/evidence/rules/iap2.inform_baseline",
                f"/decisions/{decision}", f"/decisions/{decision}/outcomes", f"/log/{decision}", "/rules"):
        r = evaluated.get(url)
        assert r.status_code == 200, url
        assert_accessible(r.text, url)
    refused = post_form(evaluated, f"/decisions/{decision}/outcomes", [("participants", "x")])
    assert refused.status_code == 422
    assert_accessible(refused.text, "the refused form")
