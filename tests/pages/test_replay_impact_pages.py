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


def test_the_replay_page_tells_an_engine_change_from_an_integrity_fault(client, app):
    """A decision logged by another engine version: a difference is an engine change (both versions named,
    each differing item listed); once the record is altered it is an integrity fault all the same."""
    import json

    from sqlalchemy import text

    from engine import ENGINE_VERSION

    class Who:
        name, role = "local", "manager"

    store = app.state.store
    made = store.get(evaluate(client, genoa()))
    rec = json.loads(json.dumps(made.recommendation))
    rec["engine"]["version"] = "0.0.9-test"
    dropped = rec["techniques"].pop(0)["code"]

    def record() -> str:
        decision = store.record(identity=Who(), context_raw=made.context_raw, recommendation=rec,
                                rulebase_version=made.rulebase_version, engine_version="0.0.9-test").id
        evaluate(client, genoa())          # a clean record after it: the replay checks its links
        return decision

    upgraded, tampered = record(), record()
    r = post_form(client, f"/log/{upgraded}/replay", {})
    assert r.status_code == 200, r.text[:2000]
    assert f"Engine changed: engine 0.0.9-test made it, engine {ENGINE_VERSION} replayed it" in r.text
    assert f"technique:{dropped}" in r.text and "Integrity fault" not in r.text
    assert "the record verifies" in r.text
    assert_accessible(r.text, "replay page, engine changed")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET recommendation = :r WHERE id = :i"),
                     {"r": json.dumps(made.recommendation), "i": tampered})   # now reproduces: altered
    r = post_form(client, f"/log/{tampered}/replay", {})
    assert r.status_code == 200, r.text[:2000]
    assert "Integrity fault" in r.text and "the record does not verify" in r.text and "Engine changed" not in r.text
    assert_accessible(r.text, "replay page, fault")


def test_the_impact_page_says_when_it_examined_only_the_newest_decisions(client):
    for _ in range(2):
        evaluate(client, genoa())
    edit = {"source": "files", "path": "policy/techniques.yaml", "text": _edited_techniques()}
    r = post_form(client, "/rules/impact", {**edit, "limit": "1"})
    assert r.status_code == 200, r.text[:2000]
    m = re.search(r"Partial impact: only the (\d+) newest of the (\d+) decisions selected were examined", r.text)
    assert m and m.group(1) == "1" and int(m.group(2)) >= 2, r.text[:3000]
    assert re.search(r"<strong>\d+</strong> of 1 decision would change", r.text)
    assert 'id="limit"' in r.text and 'value="1"' in r.text
    assert_accessible(r.text, "impact page, truncated")
    whole = post_form(client, "/rules/impact", edit)         # the default limit (2000) covers this log
    assert whole.status_code == 200 and "Partial impact" not in whole.text
    for bad in ("0", "10001", "many", "-3"):
        r = post_form(client, "/rules/impact", {**edit, "limit": bad})
        assert r.status_code == 422, bad
        assert "limit: a whole number of decisions from 1 to 10,000" in r.text and "would change" not in r.text
