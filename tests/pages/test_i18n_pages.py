"""The pages in six languages (issue 18, items 1 and 6): the language is chosen by the `lang` query parameter,
then the switcher's remembered choice, then Accept-Language, then English; every page says which (<html lang>,
Content-Language) and offers the switcher, each language named in itself."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from service import i18n
from service.pages import l10n

from .helpers import evaluate, genoa


def _in(lang: str, msgid: str) -> str:
    """A message of the interface's catalogue in `lang`."""
    return l10n.translations(lang).gettext(msgid)


def _html_lang(html: str) -> str:
    m = re.search(r'<html lang="([^"]+)"', html)
    assert m, html[:200]
    return m.group(1)


@pytest.fixture(scope="module")
def decision_id(client):
    return evaluate(client, genoa())


@pytest.fixture(scope="module")
def main_pages(decision_id):
    """The manager's main pages: start, form, recommendation, why-not, what-if, print view, evidence."""
    return {"start": "/", "form": "/evaluate?example=genoa", "recommendation": f"/decisions/{decision_id}",
            "why-not": f"/decisions/{decision_id}/why-not?item=technique:citizen_jury",
            "what-if": f"/decisions/{decision_id}/what-if", "print": f"/decisions/{decision_id}/print",
            "evidence": "/evidence", "rules": "/rules", "log": "/log", "sign-in": "/login"}


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_every_main_page_declares_its_language_and_offers_the_switcher(client, main_pages, lang):
    for name, path in main_pages.items():
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}lang={lang}")
        assert r.status_code == 200, (name, r.status_code)
        assert _html_lang(r.text) == lang, name
        assert r.headers["content-language"] == lang, name
        assert "Accept-Language" in r.headers["vary"]
        if name == "print":
            continue                                   # a document: no navigation
        switcher = r.text[r.text.index('class="languages"'):]
        switcher = switcher[:switcher.index("</nav>")]
        for other in i18n.SUPPORTED:                   # each language in itself, marked as such
            assert f'lang="{other}" hreflang="{other}"' in switcher
            assert f">{i18n.NAMES[other]}</a>" in switcher
        assert switcher.count('aria-current="true"') == 1
        assert re.search(rf'lang="{lang}" hreflang="{lang}" aria-current="true"', switcher)


@pytest.mark.parametrize("lang", [l for l in i18n.SUPPORTED if l != "en"])
def test_the_pages_speak_the_language(client, main_pages, lang):
    """The interface's own words come from the language's catalogue, not English."""
    expect = {"start": ["Get a recommendation", "Decision log"], "form": ["Get the recommendation"],
              "recommendation": ["Your plan", "Ask about this recommendation", "Why not?"],
              "why-not": ["Back to the recommendation", "Technical details: the rules and conditions as written"],
              "what-if": ["What would have to change?"], "print": ["How the rules fired"],
              "evidence": ["Evidence: which advice works where", "How far to trust these numbers"],
              "sign-in": ["API token"]}
    for name, messages in expect.items():
        path = main_pages[name]
        html = unescape(client.get(path + ("&" if "?" in path else "?") + "lang=" + lang).text)
        for msgid in messages:
            said = _in(lang, msgid)
            assert said != msgid, (lang, msgid)                 # translated ...
            assert said in html, (name, lang, said)             # ... and shown
            assert f">{msgid}<" not in html, (name, lang, msgid)  # the English is not


def test_the_switcher_remembers_the_choice(client):
    r = client.get("/language", params={"lang": "el", "next": "/evaluate?example=genoa&lang=de"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/evaluate?example=genoa"       # the page again, without its lang
    cookie = r.headers["set-cookie"]
    assert f"{i18n.COOKIE}=el" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    try:
        page = client.get("/evaluate?example=genoa")
        assert _html_lang(page.text) == "el"                          # remembered
        assert _html_lang(client.get("/", headers={"Accept-Language": "de"}).text) == "el"   # over the browser's
        assert _html_lang(client.get("/?lang=sv").text) == "sv"       # the query parameter wins ...
        assert _html_lang(client.get("/").text) == "el"               # ... for that page only
    finally:
        client.cookies.delete(i18n.COOKIE)
    assert _html_lang(client.get("/").text) == "en"


def test_accept_language_chooses_when_nothing_else_does(client):
    assert _html_lang(client.get("/", headers={"Accept-Language": "fr-FR, pt-PT;q=0.8, de;q=0.5"}).text) == "pt"
    assert _html_lang(client.get("/", headers={"Accept-Language": "fr, ja"}).text) == "en"
    assert _html_lang(client.get("/?lang=xx", headers={"Accept-Language": "sv"}).text) == "sv"


@pytest.mark.parametrize("target", ["https://example.org/", "//example.org/x", "javascript:alert(1)", "evaluate"])
def test_the_switcher_goes_back_to_this_site_only(client, target):
    r = client.get("/language", params={"lang": "de", "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    client.cookies.delete(i18n.COOKIE)


def test_an_unknown_language_is_refused_in_words(client):
    r = client.get("/language", params={"lang": "tlh", "next": "/"}, follow_redirects=False)
    assert r.status_code == 400 and "set-cookie" not in r.headers
    assert "Ελληνικά" in r.text and "Deutsch" in r.text


def test_error_pages_and_refusals_speak_the_language(client):
    r = client.get("/decisions/no-such-id?lang=de")
    assert r.status_code == 404 and _html_lang(r.text) == "de"
    assert _in("de", "No such decision") in r.text


def test_numbers_and_dates_follow_the_language():
    l10n.use("de")
    try:
        assert l10n.format_decimal(3.5, "0.00") == "3,50" and l10n.format_percent(0.5) == "50\xa0%"
        assert l10n.format_date(date(2026, 12, 7)) == "7. Dezember 2026"
        l10n.use("el")
        assert l10n.format_date(date(2026, 12, 7)) == "7 Δεκεμβρίου 2026"
    finally:
        l10n.use("en")
    assert l10n.format_decimal(3.5, "0.00") == "3.50" and l10n.format_percent(0.5) == "50%"
    assert l10n.format_date(date(2026, 12, 7)) == "December 7, 2026"
