"""A manager's journey in Debian's Chromium (issue 15, item 8): the form, the plan, why, why not, what if, the PDF;
then axe-core (the npm package, pinned in package.json, installed by `make test` with npm ci) on every page at
desktop and phone widths. Screenshots go to test-artifacts/ (desktop 1280 px and phone 375 px)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 375}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def journey(browser, base_url):
    """The manager's way from the form to the PDF, at desktop width, with JavaScript (as most browsers are)."""
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900}, accept_downloads=True)
    page = context.new_page()
    seen: dict[str, str] = {}

    # the form: a pilot to start from; the objective is asked, not preset
    page.goto(base_url + "/evaluate?example=genoa")
    shot(page, "form")
    seen["form"] = page.url
    page.get_by_role("button", name="Get the recommendation").first.click()
    page.wait_for_load_state()
    assert re.search(r"/decisions/[0-9a-f-]+$", page.url), page.url
    decision = page.url.rsplit("/", 1)[-1]
    seen["recommendation"] = page.url
    yield page, context, decision, seen
    context.close()


def test_the_plan_comes_first_and_every_step_says_why(journey):
    page, _, _, _ = journey
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0] == "Your plan"
    steps = page.locator("ol.steps > li")
    assert 3 <= steps.count() <= 12
    assert page.locator(".plan-summary").inner_text().startswith("You ")
    shot(page, "plan")
    first = steps.first
    first.locator("details.because > summary").click()
    opened = first.locator("details.because")
    assert opened.get_attribute("open") is not None
    assert re.search(r"policy/\w+\.yaml:\d+", opened.inner_text())          # down to the rule's file and line
    rule = opened.locator("a[href^='/rules/']").first
    href = rule.get_attribute("href")
    shot(page, "why")
    rule.click()
    page.wait_for_load_state()
    assert page.url.endswith(href) and page.locator("#h-when").count() == 1      # the rule's own page, in words
    page.go_back()


def test_why_not_and_what_if_answer_in_words(journey, base_url):
    page, _, decision, seen = journey
    page.goto(f"{base_url}/decisions/{decision}")
    page.locator("#why-not-item").select_option("approach:public_decision")
    page.get_by_role("button", name="Why not?").click()
    page.wait_for_load_state()
    seen["why-not"] = page.url
    answer = page.locator(".answer").inner_text()
    assert answer.startswith("The approach “You and the public decide together” is not recommended.")
    assert "ruled it out, because of these answers" in page.locator(".defeats").inner_text()
    shot(page, "why-not")
    page.get_by_role("link", name=re.compile("What would have to change")).click()
    page.wait_for_load_state()
    seen["what-if"] = page.url
    first = page.locator(".scenario").first
    assert first.locator(".name").inner_text().startswith("If “")
    first.locator("details > summary").first.click()
    changes = first.locator("details[open] li").all_inner_texts()
    assert changes and all("->" not in c and "~ " not in c for c in changes)       # sentences, not a diff
    shot(page, "what-if")


def test_the_pdf_downloads_and_opens(journey, base_url):
    page, _, decision, seen = journey
    page.goto(f"{base_url}/decisions/{decision}")
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").click()
    path = info.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-") and info.value.suggested_filename == f"cogov-decision-{decision}.pdf"
    from pypdf import PdfReader
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Your plan" in text
    page.get_by_role("link", name="print view").click()
    page.wait_for_load_state()
    seen["print"] = page.url
    assert page.locator("details").count() == 0
    shot(page, "print")


def _pages(base_url: str, decision: str, seen: dict[str, str]) -> dict[str, str]:
    """Every page a manager, an auditor or an author opens (local mode holds every role)."""
    rule = "thomas.r1_information"
    pages = {"home": "/", "form": "/evaluate", "form-example": "/evaluate?example=athens",
             "recommendation": f"/decisions/{decision}", "print": f"/decisions/{decision}/print",
             "why-not": f"/decisions/{decision}/why-not?item=technique%3Acitizen_jury",
             "what-if": f"/decisions/{decision}/what-if?max_changes=1", "rules": "/rules",
             "rules-by-topic": "/rules?by=topic", "rule": f"/rules/{rule}", "log": "/log",
             "report": f"/log/{decision}", "versions": "/rules/versions", "lint": "/rules/lint",
             "impact": "/rules/impact", "evidence": "/evidence", "login": "/login"}
    out = {name: base_url + path for name, path in pages.items()}
    out.update({k: v for k, v in seen.items() if k in ("why-not", "what-if")})
    return out


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_no_violation_on_any_page(journey, browser, base_url, width):
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(REPO)} is missing: `make test` installs it (npm ci) where npm exists")
    _, _, decision, seen = journey
    # axe runs as an injected script: the pages' Content-Security-Policy (script-src 'self') would refuse it
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900}, bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        pages = _pages(base_url, decision, seen)
        versions = context.new_page()
        versions.goto(base_url + "/rules/versions")
        older = versions.locator("a[href*='/rules/versions/rollback?version=']")
        if older.count():
            pages["rollback"] = base_url + older.first.get_attribute("href")
        versions.close()
        for name, url in pages.items():
            page.goto(url)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            problems = [f"{v['id']} ({v['impact']}): {v['help']} — "
                        + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
                                    for n in v["nodes"][:3]) for v in result["violations"]]
            if problems:
                found[name] = problems
            if width == "phone":
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"axe-{name}-375.png"), full_page=True)
    finally:
        context.close()
    assert not found, "\n".join(f"{name}: {p}" for name, ps in found.items() for p in ps)
