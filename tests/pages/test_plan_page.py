"""The manager's recommendation page opens with the plan, in words (issue 15, items 1 and 2), and every rule id on
it links to the rule's own page (item 4)."""
from __future__ import annotations

import re
from html import unescape

import pytest

from .helpers import evaluate, genoa


@pytest.fixture(scope="module")
def genoa_id(client):
    return evaluate(client, genoa())


@pytest.fixture(scope="module")
def page(client, genoa_id):
    r = client.get(f"/decisions/{genoa_id}")
    assert r.status_code == 200
    return r.text


def _plan_section(html: str) -> str:
    return html[html.index('id="h-plan"'):html.index("</section>", html.index('id="h-plan"'))]


def test_the_page_opens_with_the_plan_then_the_folded_lists(page, client, genoa_id):
    rec = client.app.state.store.get(genoa_id).recommendation
    assert page.index('id="h-plan"') < page.index('id="h-approach"') < page.index('id="h-firings"')
    plan = _plan_section(page)
    steps = re.findall(r'<li class="step"><p>(.*?)</p>', plan, re.S)
    assert 3 <= len(steps) <= 12
    assert all(t["label"] in unescape(plan) for t in rec["techniques"] if t.get("tier", "core") == "core")
    # each step says why, down to the rules
    assert plan.count('<details class="because">') == len(steps)
    # the full lists follow, each folded behind a summary that says how many items it holds
    for section in ("participants", "techniques", "governance", "skills", "warnings"):
        head = page.index(f'id="h-{section}"')
        assert page.index('<details class="fold">', head) < page.index("</section>", head), section
    assert f"Show the {len(rec['techniques'])} techniques" in page


def test_the_page_names_the_groups_the_stored_plan_names_by_id(page, client, genoa_id):
    rec = client.app.state.store.get(genoa_id).recommendation
    plan = unescape(_plan_section(page))
    for p in rec["participants"]:
        if p["role"] and p["role"] != "responsible_authority":
            assert p["name"] in plan, p["stakeholder"]


def test_the_plan_and_the_lists_speak_words_not_codes(page, client, genoa_id, rulebase):
    rec = client.app.state.store.get(genoa_id).recommendation
    plan = _plan_section(page)
    # codes appear in the technical details only (the rule trace, the "Why?" trees): not in the plan's words
    said = re.findall(r'<p class="plan-summary">(.*?)</p>', plan, re.S) + \
        re.findall(r'<li class="step"><p>(.*?)</p>', plan, re.S)
    visible = unescape(" ".join(said))
    codes = {c for kind in ("techniques", "roles", "arrangements", "skills", "warnings")
             for c in getattr(rulebase.catalogue, kind) if "_" in c}
    assert not {w for w in re.findall(r"[a-z_]+", visible) if w in codes}
    folded = page[page.index('id="h-approach"'):page.index('id="h-ask"')]
    assert "Chosen as the least involving approach still possible" in folded or \
        "Chosen as the most involving approach still possible" in folded
    assert rec["approach"]["policy"] not in folded                      # "least_involving (preference of ...)"
    assert 'class="mono muted">(' not in folded                          # no "(fact_sheet)" after each item


def test_overridden_conclusions_name_the_winner_as_the_higher_priority(page, client, genoa_id):
    """'2 overridden conclusions ... (higher priority)' read as if the loser had the higher priority: the page
    says which conclusion was set aside, from which rule, and which rule has the higher priority."""
    rec = client.app.state.store.get(genoa_id).recommendation
    p = next(p for p in rec["participants"] if p["overridden"] and p["overridden"][0]["reason"] == "higher priority")
    lost, winner = p["overridden"][0], p["overridden"][0]["by"][0]
    row = page[page.index(f'<th scope="row">{p["name"]}'):]
    row = unescape(row[:row.index("</tr>")])
    assert "set aside" in row and "(higher priority)" not in row
    said = re.sub(r"<[^>]+>", "", row)
    assert re.search(rf"{re.escape(winner['rule'])}\xa0#{winner['firing']}( \([^)]*\))? has a higher priority", said)
    assert f"#{lost['firing']}" in said


def test_times_are_readable_and_machine_readable(page):
    found = re.search(r'<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)">(\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d \w+)</time>',
                      page)
    assert found, "a readable local time with its ISO form"


def test_every_rule_id_on_the_page_links_to_its_page(page, client, genoa_id):
    rec = client.app.state.store.get(genoa_id).recommendation
    fired = {f["rule"] for f in rec["explanation"]["firings"]}
    linked = set(re.findall(r'href="/rules/([a-z0-9_.]+)"', page))
    assert fired <= linked
    shown = set(re.findall(r"<code>([a-z][a-z0-9_]*\.[a-z0-9_.]+)</code>", page))
    bare = {rid for rid in shown if f'href="/rules/{rid}"><code>{rid}</code>' not in page}
    assert bare == set()


def test_a_rule_page_says_the_rule_in_words(client, genoa_id, rulebase):
    rec = client.app.state.store.get(genoa_id).recommendation
    rule = rulebase.by_id["thomas.r1_information"]
    assert any(f["rule"] == rule.id for f in rec["explanation"]["firings"])
    r = client.get(f"/rules/{rule.id}")
    assert r.status_code == 200
    html = unescape(r.text)
    assert rule.title in html and " ".join(rule.rationale.split()) in " ".join(html.split())
    assert f"{rule.file}:{rule.line}" in html
    when = html[html.index('id="h-when"'):html.index('id="h-then"')]
    assert "Quality constraints: yes" in when and "You have the information: no" in when
    assert "Rules out the approaches" in html and "You decide alone" in html
    for source in rule.sources:
        assert rulebase.catalogue.sources[source].citation.split(",")[0] in html
    assert f'href="/decisions/{genoa_id}"' in html          # the decisions it fired in
    assert client.get("/rules/no.such_rule").status_code == 404


def test_every_rule_has_a_page(client, rulebase):
    for rule in rulebase.rules[::15]:
        assert client.get(f"/rules/{rule.id}").status_code == 200, rule.id


def test_rule_pages_are_for_every_role_and_show_a_manager_only_their_decisions(token_client):
    from .helpers import genoa as pilot
    headers = {"Authorization": "Bearer tok-mara"}
    made = token_client.post("/api/v1/recommendations", json=pilot(), headers=headers)
    assert made.status_code in (200, 201), made.text
    mine = made.json().get("decision_id") or made.json()["id"]
    other = token_client.post("/api/v1/recommendations", json=pilot(), headers={"Authorization": "Bearer tok-milo"})
    theirs = other.json().get("decision_id") or other.json()["id"]
    for who in ("tok-mara", "tok-aldo", "tok-ada"):
        r = token_client.get("/rules/thomas.r1_information", headers={"Authorization": f"Bearer {who}"})
        assert r.status_code == 200, who
    as_mara = token_client.get("/rules/thomas.r1_information", headers=headers).text
    assert f"/decisions/{mine}" in as_mara and f"/decisions/{theirs}" not in as_mara
    as_aldo = token_client.get("/rules/thomas.r1_information", headers={"Authorization": "Bearer tok-aldo"}).text
    assert f"/decisions/{mine}" in as_aldo and f"/decisions/{theirs}" in as_aldo
    assert token_client.get("/rules/thomas.r1_information").status_code == 401
