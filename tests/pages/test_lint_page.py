"""The authors' rule analysis page (/rules/lint): the findings of the served rule base, author only."""
from __future__ import annotations

import re
from pathlib import Path

from markupsafe import escape

from .conftest import USERS
from engine.lint import lint, load_lint_config


def test_lint_page_lists_the_served_rule_base_findings(client, rulebase):
    page = client.get("/rules/lint")
    assert page.status_code == 200
    report = lint(rulebase, load_lint_config(rulebase.root))
    for f in report.active():
        assert f"{f.file}:{f.line}" in page.text
        assert f.rule in page.text if f.rule else str(escape(f.message)) in page.text   # a file's finding: its words
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


def test_after_a_hot_reload_the_page_still_applies_the_rules_directory_lint_yaml(tmp_path):
    """A version activated from the directory is loaded from a temporary copy without lint.yaml: the page
    must still read the rules directory's lint.yaml (the mini one makes its gap_technique a warning)."""
    import shutil

    from fastapi.testclient import TestClient

    from service.app import create_app

    from .conftest import REPO, make_settings

    rules_dir = tmp_path / "rules"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", rules_dir)
    config = load_lint_config(rules_dir)
    assert config.severity_of("gap_technique") == "warning"
    app = create_app(make_settings(tmp_path).model_copy(update={"rules_dir": rules_dir}))
    with TestClient(app) as c:
        policy = rules_dir / "policy" / "people.yaml"
        policy.write_text(policy.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
        r = c.post("/rules/versions/activate", data={}, headers={"origin": "http://testserver"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        served = app.state.activator.current.rulebase
        assert not (Path(served.root) / "lint.yaml").exists()   # the case this test is about
        report = lint(served, config)
        assert len(lint(served).errors) > len(report.errors)   # the defaults would tell another story
        page = c.get("/rules/lint")
        assert page.status_code == 200 and served.version in page.text
        n = len(report.errors)
        assert re.search(rf"<code>{served.version}</code>: {n} errors?,", page.text), page.text[:600]
