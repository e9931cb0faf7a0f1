"""The authors' rule analysis page (/rules/lint): the findings of the served rule base, author only."""
from __future__ import annotations

import re

from .conftest import USERS
from engine.lint import lint, load_lint_config


def test_lint_page_lists_the_served_rule_base_findings(client, rulebase):
    page = client.get("/rules/lint")
    assert page.status_code == 200
    report = lint(rulebase, load_lint_config(rulebase.root))
    for f in report.active():
        assert f"{f.file}:{f.line}" in page.text and f.rule in page.text
    assert f"{len(report.errors)} errors" in page.text or f"{len(report.errors)} error," in page.text
    assert "confirmed by the engine" in page.text
    accepted = [f for f in report.findings if f.ignored_because]
    assert accepted and accepted[0].ignored_because not in page.text
    assert accepted[0].ignored_because.split()[0] in client.get("/rules/lint?show=all").text


def test_rule_browser_links_to_it(client):
    assert re.search(r'href="[^"]*/rules/lint"', client.get("/rules").text)


def test_only_authors_see_it(token_client):
    token_client.cookies.clear()
    token_client.cookies.set("cogov_token", USERS["mara"][1])
    assert token_client.get("/rules/lint").status_code == 403
    token_client.cookies.set("cogov_token", USERS["ada"][1])
    assert token_client.get("/rules/lint").status_code == 200
