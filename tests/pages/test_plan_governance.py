"""Safer rule governance (issue 15, item 6): a rollback is confirmed, with a note; verifying the log is an action
that says when it last ran; the report explains the rule base version beside the stored files' digest."""
from __future__ import annotations

import re
from html import unescape

from .helpers import evaluate, genoa
from .test_versions import ORIGIN, _edit, rules_dir, vapp, vclient  # noqa: F401 (the fixtures)


def test_rolling_back_asks_for_confirmation_and_a_note(vclient, vapp, rules_dir):
    first = vapp.state.activator.current.version
    _edit(rules_dir, None, "\n# a second version\n")
    assert vclient.post("/rules/versions/activate", data={"note": "edit"}, headers=ORIGIN,
                        follow_redirects=False).status_code == 303
    second = vapp.state.activator.current.version
    versions = vclient.get("/rules/versions").text
    link = f'href="/rules/versions/rollback?version={first.replace(":", "%3A")}"'
    assert link in versions and 'aria-label="Roll back' not in versions     # the link's text names the version
    page = vclient.get("/rules/versions/rollback", params={"version": first})
    assert page.status_code == 200
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", page.text)).split())
    assert f"by version {first} instead of {second}, which serves now" in text and "Why roll back?" in text
    assert re.search(r'<textarea id="note" name="note"[^>]* required', page.text)
    assert re.search(r'<input type="checkbox" id="confirm" name="confirm" value="yes" required>', page.text)
    assert f"/rules/diff?a={second.replace(':', '%3A')}&amp;b={first.replace(':', '%3A')}" in page.text
    # one click, or no note: refused, the version serving now keeps serving
    for data in ({"version": first}, {"version": first, "confirm": "yes"}, {"version": first, "note": "why"}):
        r = vclient.post("/rules/versions/rollback", data=data, headers=ORIGIN, follow_redirects=False)
        assert r.status_code == 422, data
        assert "The rollback was not done" in r.text and vapp.state.activator.current.version == second
    r = vclient.post("/rules/versions/rollback", data={"version": first, "note": "the edit broke Genoa",
                                                       "confirm": "yes"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and vapp.state.activator.current.version == first
    history = vclient.get("/rules/versions").text.split('id="history"', 1)[1]
    assert re.search(rf"{re.escape(first)}</td>\s*<td[^>]*>rollback</td>\s*<td[^>]*>local</td>\s*"
                     r"<td[^>]*>the edit broke Genoa</td>", history)
    assert vclient.get("/rules/versions/rollback", params={"version": "sha256:nope"}).status_code == 404


def test_verifying_the_log_is_an_action_that_says_when_it_last_ran(vclient):
    before = unescape(vclient.get("/rules/versions").text)
    assert "Verify the chain now" in before
    r = vclient.post("/log/verify?back=versions", headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/rules/versions#verified")
    after = " ".join(unescape(re.sub(r"<[^>]+>", "", vclient.get("/rules/versions").text)).split())
    found = re.search(r"Last verified (\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d \w+) by local: intact", after)
    assert found, "when it ran, by whom, and what it found"
    assert "intact" in unescape(vclient.get("/log").text)
    assert vclient.post("/log/verify", headers={"Origin": "http://evil.example"}).status_code == 403


def test_the_report_explains_the_rule_base_version_and_digest(client):
    decision = evaluate(client, genoa())
    html = " ".join(unescape(client.get(f"/log/{decision}").text).split())
    assert "named by a fingerprint of their files" in html and "The sha256 of exactly those stored files" in html
