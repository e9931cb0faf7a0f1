"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the real app.

Screenshots go to test-artifacts/ (gitignored).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine import Engine
from service.pages import forms

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
GENOA = json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))
XSS = "<script>alert(1)</script>"


def shot(page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def fill_field(page, f: forms.Field, value) -> None:
    sel = f'[name="{f.path}"]'
    if f.widget == "checkbox":
        page.locator(sel).set_checked(value == "true")
    elif f.widget == "radio":
        if value != "":
            page.locator(f'{sel}[value="{value}"]').check()
    elif f.widget == "checkboxes":
        for v, _ in f.choices:
            page.locator(f'{sel}[value="{v}"]').set_checked(v in value)
    elif f.widget == "select" and page.locator(f'{sel}[type="radio"]').count():   # a short choice shown as radios
        if value != "":
            page.locator(f'{sel}[value="{value}"]').check()
    elif f.widget == "select":
        page.locator(sel).select_option(value)
    else:
        page.locator(sel).fill(value)


def fill_context(page, context: dict) -> None:
    """Fill the empty form as a manager would: sections first, then one stakeholder group at a time."""
    raw = forms.raw_from_context(context)
    groups = raw["stakeholders"]
    form = forms.build_form(raw)
    for f in form.all_fields():
        if not f.path.startswith("stakeholders["):
            fill_field(page, f, f.value)
    for i in range(len(groups)):
        if i > 0:
            page.get_by_role("button", name=re.compile(r"^Add a stakeholder group")).click()
            page.wait_for_load_state()
            assert page.locator(f'[name="stakeholders[{i}].id"]').count() == 1
        for f in form.all_fields():
            if f.path.startswith(f"stakeholders[{i}]."):
                fill_field(page, f, f.value)


def submit(page) -> None:
    page.get_by_role("button", name="Get the recommendation").click()
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def expected():
    engine = Engine(REPO / "rules", backend="python")
    return engine.evaluate(GENOA)


@pytest.fixture(scope="module")
def genoa_decision(browser, base_url, expected):
    """A manager, without JavaScript, fills the whole form for the Genoa pilot and gets the recommendation."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/evaluate")
    assert page.get_by_role("heading", level=1).inner_text() == "Get a recommendation"
    fill_context(page, GENOA)
    shot(page, "manager-genoa-form")
    submit(page)
    m = re.search(r"/decisions/([^/?#]+)$", page.url)
    assert m, page.url
    yield page, m.group(1)
    context.close()


def test_manager_gets_the_genoa_recommendation_with_reasons(genoa_decision, expected):
    page, _ = genoa_decision
    assert "Recommendation for Periphèria Genoa" in page.get_by_role("heading", level=1).inner_text()
    for fold in page.locator("details.fold > summary").all():   # the full lists, folded under the plan
        fold.click()
    approach = page.locator(".panel.approach")   # the approach in words, Thomas's name beside it
    assert f"In Thomas's model: {expected['approach']['label']}." in approach.text_content()
    rows = page.locator("table.participants tbody tr")
    assert rows.count() == len(expected["participants"])
    for p in expected["participants"]:
        row = page.locator("table.participants tbody tr",
                           has=page.get_by_role("rowheader", name=re.compile(re.escape(p["name"]))))
        assert row.count() == 1, p["name"]
        if p["role_label"]:
            assert p["role_label"] in row.text_content()   # the full lists are folded under the plan
    for t in expected["techniques"]:
        assert page.get_by_text(t["label"], exact=True).count() >= 1, t["code"]
    for w in expected["warnings"]:
        assert page.get_by_text(w["message"]).count() >= 1, w["code"]
    shot(page, "manager-genoa-recommendation")
    shot(page, "manager-genoa-recommendation-top", full_page=False)

    # open "Why this approach?": the rules, their file:line, the answers they matched
    why = page.locator(".approach details.because")
    why.locator("summary").first.click()
    assert why.get_attribute("open") is not None
    text = why.inner_text()
    first = expected["approach"]["because"][0]
    firing = next(f for f in expected["explanation"]["firings"] if f["seq"] == first["firing"])
    assert first["rule"] in text
    assert f'{firing["file"]}:{firing["line"]}' in text
    assert "What you want from participation" in text and "project.objective" not in text   # answers in words

    # a participant's reason, followed down through the firings it relied on
    p = next(p for p in expected["participants"]
             if any(next(f for f in expected["explanation"]["firings"] if f["seq"] == b["firing"])["uses"]
                    for b in p["because"]))
    row = page.locator("table.participants tbody tr",
                           has=page.get_by_role("rowheader", name=re.compile(re.escape(p["name"]))))
    row.locator("details.because > summary").click()
    nested = row.locator("details.because details > summary")
    for i in range(min(nested.count(), 6)):
        nested.nth(i).click()
    used = row.locator("details.because details[open] .firing")
    assert used.count() >= 1
    row.scroll_into_view_if_needed()
    row.screenshot(path=str(ARTIFACTS / "manager-genoa-because.png"))


def test_auditor_opens_the_report_from_the_log(browser, base_url, genoa_decision, expected):
    _, decision_id = genoa_decision
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/log")
    assert page.get_by_role("heading", level=1).inner_text() == "Decision log"
    page.get_by_label("City").fill("Genoa")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    shot(page, "auditor-log")
    page.get_by_role("link", name=decision_id, exact=True).click()
    page.wait_for_load_state()
    assert re.search(rf"/log/{re.escape(decision_id)}$", page.url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Decision report: Periphèria Genoa")
    for heading in ("Record", "Input", "Outcome", "Fired rules", "Sources"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    assert page.locator(".chain-ok").inner_text() == "Intact"
    assert page.locator("li.firing-block").count() == len(expected["explanation"]["firings"])
    outcome = page.locator("main").text_content()
    for e in expected["approach"]["eliminated"]:
        assert f"({e['label']})" in outcome
    shot(page, "auditor-report")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()          # printed without the site chrome
    shot(page, "auditor-report-print")
    page.pdf(path=str(ARTIFACTS / "auditor-report.pdf"), format="A4")
    context.close()


def test_a_script_as_a_stakeholder_name_stays_text(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})   # JavaScript on: a script would run
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base_url + "/evaluate?example=genoa")
    page.locator('[name="stakeholders[0].name"]').fill(XSS)
    page.locator('[name="project.name"]').fill(XSS)
    page.get_by_role("button", name=re.compile(r"^Add a stakeholder group")).click()   # re-rendered form
    page.wait_for_load_state()
    assert page.locator('[name="stakeholders[0].name"]').input_value() == XSS
    page.get_by_role("button", name=re.compile(r"^Remove stakeholder 7")).click()
    page.wait_for_load_state()
    submit(page)
    assert "/decisions/" in page.url
    page.locator("#h-participants ~ details.fold > summary").click()     # the full lists are folded under the plan
    assert page.get_by_role("rowheader", name=XSS).count() == 1
    assert XSS in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("script").count() == 0
    shot(page, "xss-name-as-text", full_page=False)
    participants = page.locator("section[aria-labelledby=h-participants]")
    participants.scroll_into_view_if_needed()
    participants.screenshot(path=str(ARTIFACTS / "xss-name-in-participants.png"))
    decision_id = page.url.rsplit("/", 1)[1]
    for url in (f"/log/{decision_id}", "/log"):
        page.goto(base_url + url)
        assert page.get_by_text(XSS).count() >= 1, url
        assert page.locator("script").count() == 0, url
    assert dialogs == []
    context.close()


def test_errors_show_next_to_the_fields(browser, base_url):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/evaluate?example=genoa")
    # the browser checks what HTML can express (required) before sending anything; an id's form is checked
    # by the server, which says it in words (no pattern attribute: a browser would show a regular expression)
    ident = page.locator('[name="stakeholders[1].id"]')
    ident.fill("Bad Id")
    assert ident.evaluate("e => e.validity.valid") is True
    name = page.locator('[name="project.name"]')
    name.fill("")
    submit(page)
    assert page.url.endswith("/evaluate?example=genoa")          # not sent
    assert name.evaluate("e => e.validity.valueMissing") is True
    # the server checks the rest and shows it next to the field
    name.fill("Genoa with a bad id")
    submit(page)
    bad = page.locator("#f-stakeholders-1-id-error").inner_text()
    assert bad and "^" not in bad and "[a-z" not in bad, bad
    name.fill("Genoa with a duplicate group")
    ident.fill("municipality")
    submit(page)
    summary = page.locator("#form-errors")
    assert summary.is_visible()
    assert "more than once" in summary.inner_text()
    error = page.locator("#f-stakeholders-1-id-error")
    assert "more than once" in error.inner_text()
    assert ident.get_attribute("aria-invalid") == "true"
    assert ident.input_value() == "municipality"                  # what was typed is kept
    shot(page, "form-errors", full_page=False)
    summary.get_by_role("link").first.click()
    assert page.url.endswith("#f-stakeholders-1-id")
    context.close()


CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; };
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || seen.has(el) || !walker.currentNode.textContent.trim()) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || st.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
    const fg = parse(st.color), bg = background(el);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 40)}"`);
  }
  return bad;
}
"""


def test_text_contrast_meets_wcag_aa(browser, base_url, genoa_decision):
    _, decision_id = genoa_decision
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for url in ("/", "/evaluate?example=genoa", f"/decisions/{decision_id}", "/log", f"/log/{decision_id}",
                "/rules"):
        page.goto(base_url + url)
        for summary in page.locator("details > summary").all()[:40]:
            summary.click()                       # open the reasons so their text is checked too
        assert page.evaluate(CONTRAST_JS) == [], url
    page.goto(base_url + "/evaluate")
    submit_blank = page.locator("#context-form")
    submit_blank.evaluate("f => f.noValidate = true")   # let the server answer, to check the error colours
    submit(page)
    assert page.locator("#form-errors").is_visible()
    assert page.evaluate(CONTRAST_JS) == []
    context.close()


def test_pages_fit_a_phone(browser, base_url, genoa_decision):
    _, decision_id = genoa_decision
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    for name, url in (("form", "/evaluate?example=genoa"), ("recommendation", f"/decisions/{decision_id}"),
                      ("log", "/log"), ("report", f"/log/{decision_id}"), ("rules", "/rules")):
        page.goto(base_url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)
        shot(page, f"phone-{name}", full_page=False)
    context.close()
