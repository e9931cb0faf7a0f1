"""The replay button on the auditor's report and its result page; the authors' impact page."""
from __future__ import annotations

import re

from .helpers import REPO, evaluate, genoa, post_form
from .test_pages import assert_accessible

TECHNIQUES = REPO / "rules" / "policy" / "techniques.yaml"
UNITARY_THEN = "      techniques: [public_meeting]\n"


def _edited_techniques() -> str:
    text = TECHNIQUES.read_text(encoding="utf-8")
    assert UNITARY_THEN in text, "rules/ changed: update this test"
    return text.replace(UNITARY_THEN, "      techniques: [public_meeting, open_house]\n", 1)


def test_the_report_has_a_replay_button_whose_page_says_the_decision_is_reproduced(client):
    decision_id = evaluate(client, genoa())
    report = client.get(f"/log/{decision_id}").text
    assert re.search(rf'<form method="post" action="/log/{decision_id}/replay"', report)
    r = post_form(client, f"/log/{decision_id}/replay", {})
    assert r.status_code == 200, r.text[:2000]
    assert "Reproduced" in r.text and "The same recommendation." in r.text and "(the current one)" in r.text
    assert_accessible(r.text, "replay page")
    r = post_form(client, f"/log/{decision_id}/replay", {"rulebase_version": "sha256:nope"})
    assert r.status_code == 422 and "sha256:nope" in r.text
    assert post_form(client, "/log/no-such-id/replay", {}).status_code == 404


def test_replay_and_impact_pages_are_for_their_roles(token_client):
    def who(name):
        return {"Authorization": f"Bearer tok-{name}"}
    assert token_client.post("/log/x/replay", headers=who("mara")).status_code == 403
    assert token_client.post("/log/x/replay", headers=who("ada")).status_code == 403
    assert token_client.get("/rules/impact", headers=who("mara")).status_code == 403
    assert token_client.get("/rules/impact", headers=who("ada")).status_code == 200
    assert token_client.get("/rules/impact", headers=who("aldo")).status_code == 200
    assert token_client.get("/rules/impact").status_code == 401


def test_the_impact_page_shows_what_a_pasted_edit_changes_and_which_rule_causes_it(client):
    evaluate(client, genoa())
    page = client.get("/rules/impact")
    assert page.status_code == 200
    assert_accessible(page.text, "impact page")
    r = post_form(client, "/rules/impact", {"source": "files", "path": "policy/techniques.yaml",
                                            "text": _edited_techniques()})
    assert r.status_code == 200, r.text[:2000]
    counts = re.search(r"<strong>(\d+)</strong> of (\d+) decision", r.text)
    # Genoa is a unitary consultation without an open house: the edited rule fired for it, so it changes
    assert counts and int(counts.group(1)) >= 1 and int(counts.group(2)) >= 1
    assert "techniques.thomas_unitary" in r.text and "technique:open_house" in r.text


def test_an_uploaded_file_gives_the_same_report_as_the_pasted_one(client):
    evaluate(client, genoa())
    pasted = post_form(client, "/rules/impact", {"source": "files", "path": "policy/techniques.yaml",
                                                 "text": _edited_techniques()})
    uploaded = client.post("/rules/impact", data={"source": "files", "path": "policy/techniques.yaml"},
                           files={"files": ("techniques.yaml", _edited_techniques().encode(), "application/x-yaml")})
    assert uploaded.status_code == 200, re.findall(r'<li><code>(.*?)</code>', uploaded.text)
    strip = re.compile(r"[\d.]+ s\.</span>")
    summary = re.compile(r'<p class="lead"><strong>.*?</p>', re.S)
    assert strip.sub("", summary.search(uploaded.text).group(0)) == strip.sub("", summary.search(pasted.text).group(0))


def test_a_broken_candidate_is_shown_as_file_and_line_and_not_evaluated(client):
    broken = _edited_techniques().replace("open_house]", "no_such_technique]", 1)
    r = post_form(client, "/rules/impact", {"source": "files", "path": "policy/techniques.yaml", "text": broken})
    assert r.status_code == 422
    assert re.search(r"policy/techniques\.yaml:\d+", r.text) and "no_such_technique" in r.text
    assert "would change" not in r.text
    ambiguous = client.post("/rules/impact", data={"source": "files"},
                            files={"files": ("techniques.yaml", b"rules: []\n", "application/x-yaml")})
    assert ambiguous.status_code == 422 and "catalogue/techniques.yaml, policy/techniques.yaml" in ambiguous.text
    r = post_form(client, "/rules/impact", {"source": "files"})
    assert r.status_code == 422 and "paste a file or upload" in r.text


def test_the_rules_on_disk_as_candidate_change_nothing(client):
    evaluate(client, genoa())
    r = post_form(client, "/rules/impact", {"source": "disk"})
    assert r.status_code == 200 and re.search(r"<strong>0</strong> of \d+ decision", r.text)


def test_authors_see_example_ids_without_links_to_reports_they_may_not_read(token_client):
    """Decision reports are for auditors: the impact page links examples only for them."""
    from urllib.parse import urlencode

    made = token_client.post("/api/v1/recommendations", json=genoa(), headers={"Authorization": "Bearer tok-mara"})
    assert made.status_code == 201, made.text[:500]
    decision_id = made.json()["decision_id"]
    form = urlencode({"source": "files", "path": "policy/techniques.yaml", "text": _edited_techniques()})

    def impact(token: str) -> str:
        r = token_client.post("/rules/impact", content=form, headers={
            "Authorization": f"Bearer {token}", "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200, r.text[:2000]
        assert decision_id[:8] in r.text
        return r.text

    assert f'href="/log/{decision_id}"' not in impact("tok-ada")      # author
    assert f'href="/log/{decision_id}"' in impact("tok-aldo")         # auditor
