"""The pages in each language in Debian's Chromium (issue 18, item 6): a reader picks the language with the
switcher (a link, remembered), goes from the form to the recommendation, why-not, what-if and the evidence, each
page in that language (<html lang>, the catalogue's words), on a 375 px phone screen with nothing wider than the
screen (German's long words, Greek), and axe-core finds nothing. Screenshots: /tmp/cogov-i18n-screenshots/."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from service import i18n
from service.pages import l10n

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp/cogov-i18n-screenshots")
PHONE = {"width": 375, "height": 800}


def _say(lang: str, msgid: str) -> str:
    return l10n.translations(lang).gettext(msgid)


@pytest.mark.parametrize("lang", [lang for lang in i18n.SUPPORTED if lang != "en"])
def test_a_manager_reads_every_main_page_in_the_language(browser, base_url, lang):
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(REPO)} is missing: `make test` installs it (npm ci) where npm exists")
    SHOTS.mkdir(exist_ok=True)
    # axe runs as an injected script: the pages' Content-Security-Policy (script-src 'self') would refuse it
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="en-GB")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        page.goto(base_url + "/evaluate?example=genoa")
        assert page.locator("html").get_attribute("lang") == "en"          # the browser asks for English
        page.locator(".languages").get_by_role("link", name=i18n.NAMES[lang]).click()   # the switcher
        page.wait_for_load_state()
        assert page.url.endswith("/evaluate?example=genoa")                # back on the same page ...
        assert page.locator("html").get_attribute("lang") == lang          # ... in the language chosen

        visited = {"form": page.url}
        page.get_by_role("button", name=_say(lang, "Get the recommendation")).first.click()
        page.wait_for_load_state()
        assert re.search(r"/decisions/[0-9a-f-]+$", page.url), page.url
        decision = page.url
        visited.update({"recommendation": decision,
                        "why-not": decision + "/why-not?item=technique%3Acitizen_jury",
                        "what-if": decision + "/what-if?max_changes=1",
                        "evidence": base_url + "/evidence", "print": decision + "/print"})
        expect = {"form": "Get the recommendation", "recommendation": "Your plan",
                  "why-not": "Technical details: the rules and conditions as written",
                  "what-if": "What would have to change?", "evidence": "How far to trust these numbers",
                  "print": "How the rules fired"}
        for name, url in visited.items():
            if page.url != url:
                page.goto(url)                                              # no lang parameter: remembered
            assert page.locator("html").get_attribute("lang") == lang, name
            assert _say(lang, expect[name]) in page.locator("body").inner_text(), name
            page.screenshot(path=str(SHOTS / f"{lang}-{name}-375.png"), full_page=True, timeout=120_000)
            # every fold opened, as a reader opens them: still nothing wider than the screen
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            if wide > PHONE["width"]:
                found.setdefault(name, []).append(f"the page is {wide} px wide on a {PHONE['width']} px screen")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            for v in result["violations"]:
                found.setdefault(name, []).append(
                    f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
                        n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
                        for n in v["nodes"][:3]))
    finally:
        context.close()
    assert not found, "\n".join(f"{lang} {name}: {p}" for name, ps in found.items() for p in ps)
