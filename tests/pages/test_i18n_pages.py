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


# -- the rule base's words on the decision's pages (issue 18): the recommendation, the print view, the PDF ------

def _text(html: str) -> str:
    """A page's text as a reader sees it: no markup, entities read, blanks collapsed."""
    return " ".join(unescape(re.sub(r"(?s)<[^>]+>", " ", html)).split())


def _rule_words(client, decision_id: str, lang: str) -> list[tuple[str, str]]:
    """(English, `lang`) pairs of rule-generated words the decision shows: a group's role, its recruitment and
    mode, a rule's title (in a Why? section), an arrangement; in `lang` as the API and the CLI say them
    (engine.localize), each one translated."""
    from engine.localize import localize
    rec = client.get(f"/decisions/{decision_id}/decision.json").json()["recommendation"]    # as logged: English
    catalogue = client.app.state.activator.current.rulebase.catalogue
    said = localize(rec, catalogue, lang)
    i = next(i for i, p in enumerate(rec["participants"]) if p.get("role") == "responsible_authority")
    en_p, p = rec["participants"][i], said["participants"][i]
    firings = rec["explanation"]["firings"]
    j = next(j for j, f in enumerate(firings) if f["rule"] == "stakeholders.responsible_authority")
    pairs = [(en_p["role_label"], p["role_label"]), (en_p["recruitment"]["label"], p["recruitment"]["label"]),
             (en_p["mode"]["label"], p["mode"]["label"]),
             (firings[j]["title"], said["explanation"]["firings"][j]["title"]),
             (rec["governance"][0]["label"], said["governance"][0]["label"])]
    assert all(en != there for en, there in pairs), pairs
    return pairs


def _assert_in_language(text: str, pairs: list[tuple[str, str]], where: str) -> None:
    for english, there in pairs:
        assert there in text, (where, there)
        found = text.lower().find(english.lower())
        assert found < 0, (where, english, text[max(0, found - 200):found + 200])


@pytest.mark.parametrize("lang", ["el", "de"])
@pytest.mark.parametrize("page", ["", "/print"])
def test_the_decision_shows_the_rules_words_in_the_language(client, decision_id, lang, page):
    """The plan (roles, recruitment, modes), the Why? sections' rule titles and the arrangements in the reader's
    language, none in English: the page and the print view are built from the recommendation in that language."""
    html = client.get(f"/decisions/{decision_id}{page}?lang={lang}").text
    pairs = _rule_words(client, decision_id, lang)
    _assert_in_language(_text(html), pairs, page or "recommendation")
    if not page:                                       # the rule's title is said in a Why? section
        whys = " ".join(_text(w) for w in re.findall(r'(?s)<details class="because">.*?</summary>.*?</details>', html))
        _assert_in_language(whys, pairs[3:4], "Why?")


@pytest.mark.parametrize("lang", ["el", "de"])
def test_the_decisions_pdf_shows_the_rules_words_in_the_language(client, decision_id, lang):
    import io

    from pypdf import PdfReader
    r = client.get(f"/decisions/{decision_id}/report.pdf?lang={lang}")
    if r.status_code == 503:
        pytest.skip("WeasyPrint's system libraries are missing (.ci/install-pdf-libs installs them)")
    assert r.status_code == 200
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(r.content)).pages)
    _assert_in_language(text, _rule_words(client, decision_id, lang), "pdf")


@pytest.mark.parametrize("lang", ["el", "de"])
def test_why_not_choices_say_a_groups_level_in_the_language(client, decision_id, lang):
    """The recommendation page's "why not …?" list: a group at another level in the language's sentence
    (sentences.item.at_level), not an English ", at the … level"."""
    html = client.get(f"/decisions/{decision_id}?lang={lang}").text
    select = html[html.index('name="item"'):]
    options = _text(select[:select.index("</select>")])
    assert " at the " not in options
    level = {"el": "σε επίπεδο", "de": "auf der Stufe"}[lang]
    assert level in options


@pytest.mark.parametrize("lang", ["el", "de"])
def test_an_overridden_groups_role_and_level_in_the_language(rulebase, lang):
    """A set-aside participant conclusion ('co_designer (involve)') in the language's sentence
    (sentences.role.at_level), not an English ", at the … level"."""
    from engine.words import Words
    from service.pages.wording import overridden_value
    words = Words(rulebase.catalogue, lang)
    said = overridden_value("co_designer (involve)", words)
    assert said == words.say("role.at_level", role=words.item("role", "co_designer"), level=words.level("involve"))
    assert "at the" not in said and words.item("role", "co_designer") in said


# -- the last English words of the pages (issue 18, item 1): the log list, the auditor's report, the outcomes form

@pytest.fixture(scope="module")
def unnamed(app, client, decision_id):
    """A logged decision as one whose project has no name is held (the forms and the API ask for a name; a
    decision logged without one, or whose name was removed, still has to be headed)."""
    import dataclasses
    import json

    stored = app.state.store.get(decision_id)
    context = stored.context
    del context["project"]["name"]
    return dataclasses.replace(stored, project_name=None, load_context=lambda: json.dumps(context),
                               load_recommendation=lambda: stored.recommendation)


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


@pytest.mark.parametrize("lang", ["el", "de"])
def test_the_log_list_names_the_approach_in_the_language(client, rulebase, decision_id, lang):
    from engine.approaches import APPROACHES, BY_CODE
    from engine.localize import approach_label
    from engine.words import Words

    words = Words(rulebase.catalogue, lang)
    code = client.get(f"/api/v1/decisions/{decision_id}").json()["recommendation"]["approach"]["code"]
    english, said = BY_CODE[code].label, approach_label(words, code, BY_CODE[code].label)
    assert said != english
    html = unescape(client.get(f"/log?lang={lang}").text)
    rows = html[html.index("<tbody"):]
    assert f">{said}</td>" in rows and f">{english}</td>" not in rows
    choices = _section(html, '<select id="approach"', "</select>")      # the filter names them so too
    for a in APPROACHES:
        assert f">{approach_label(words, a.code, a.label)}</option>" in choices and f">{a.label}</option>" not in choices
    en = unescape(client.get("/log?lang=en").text)
    assert f">{english}</td>" in en


@pytest.mark.parametrize("lang", ["el", "de"])
def test_an_unnamed_project_is_named_in_the_language(rulebase, unnamed, lang):
    """The log list's line, the why-not and what-if pages and the outcomes page head a decision whose project
    has no name with the interface's '(unnamed project)', in the reader's language."""
    from service.pages import auditor, whynot_whatif
    from service.pages.wording import words_for

    try:
        l10n.use(lang)
        said = _in(lang, "(unnamed project)")
        assert said != "(unnamed project)"
        assert auditor._row(unnamed, words_for(rulebase))["project"] == said
        assert whynot_whatif._common(unnamed, rulebase)["project_name"] == said
        l10n.use("en")
        assert auditor._row(unnamed, words_for(rulebase))["project"] == "(unnamed project)"
    finally:
        l10n.use("en")


@pytest.mark.parametrize("lang", ["el", "de"])
def test_the_auditors_report_says_the_answers_in_the_language(client, rulebase, decision_id, lang):
    from engine.words import Words

    words = Words(rulebase.catalogue, lang)
    html = unescape(client.get(f"/log/{decision_id}?lang={lang}").text)
    given = _section(html, 'id="h-input"', "<details")
    context = genoa()
    for name, value in context["decision"].items():
        path = f"decision.{name}"
        assert f"<dt>{words.field(path)}</dt><dd>{words.value(path, value)}</dd>" in given, path
    power = context["stakeholders"][0]["power"]
    assert f"<dt>{words.field('stakeholder.power')}</dt><dd>{words.value('stakeholder.power', power)}</dd>" in given
    assert f"<h3>{words.field('decision')}</h3>" in given
    for english in ("<dd>yes</dd>", "<dd>no</dd>", "(not given)", "<dt>Quality requirement</dt>", "<h3>Decision</h3>"):
        assert english not in given, english
    en = _section(unescape(client.get(f"/log/{decision_id}?lang=en").text), 'id="h-input"', "<details")
    english = Words(rulebase.catalogue, "en")
    assert f"<dd>{english.value('decision.quality_requirement', True)}</dd>" in en


@pytest.fixture(scope="module")
def evaluated_id(client):
    """A decision with one (synthetic) evaluation recorded through its form, a technique dropped."""
    from .helpers import post_form
    from .test_evidence_pages import as_browser, evaluation_form

    decision = evaluate(client, genoa())
    rec = client.get(f"/api/v1/decisions/{decision}").json()["recommendation"]
    techniques = [t["code"] for t in rec["techniques"]]
    group = next(p for p in rec["participants"] if p.get("role") and not p.get("excluded"))
    page = client.get(f"/decisions/{decision}").text
    data = as_browser(evaluation_form(page), used=techniques[:1], participants="40", **{
        f"group.{group['stakeholder']}.participants": "25", f"group.{group['stakeholder']}.population": "500",
        f"why.technique:{techniques[1]}": "no venue was free",
        "score.influence": "4", "notes": "SYNTHETIC i18n page test", "synthetic": "true"})
    r = post_form(client, f"/decisions/{decision}/outcomes", data)
    assert r.status_code == 303, r.text[:2000]
    return decision


@pytest.mark.parametrize("lang", ["el", "de"])
def test_the_outcomes_form_and_evaluations_name_the_advice_in_the_language(client, rulebase, evaluated_id, lang):
    """The outcomes page's form ('Approach: …', 'Arrangement: …') and the evaluation read back ('… takes part',
    'Technique: …') in the reader's language, none of the English prefixes left."""
    from engine.approaches import BY_CODE
    from engine.localize import approach_label
    from engine.words import Words

    words = Words(rulebase.catalogue, lang)
    rec = client.get(f"/api/v1/decisions/{evaluated_id}").json()["recommendation"]
    html = unescape(client.get(f"/decisions/{evaluated_id}/outcomes?lang={lang}").text)
    code = rec["approach"]["code"]
    assert _in(lang, "Approach: %(approach)s") % {"approach": approach_label(words, code, BY_CODE[code].label)} in html
    arrangement = rec["governance"][0]["code"]
    assert _in(lang, "Arrangement: %(item)s") % {"item": words.item("arrangement", arrangement)} in html
    read = unescape(client.get(f"/decisions/{evaluated_id}?lang={lang}").text).split('id="evaluations"', 1)[1]
    group = next(p for p in rec["participants"] if p.get("role") and not p.get("excluded"))
    dropped = rec["techniques"][1]["code"]
    assert _in(lang, "%(group)s takes part") % {"group": group["name"]} in read
    assert _in(lang, "Technique: %(item)s") % {"item": words.item("technique", dropped)} in read
    for english in ("Approach: ", " takes part", "Technique: ", "Arrangement: ", "Skill: ", "Warning: "):
        assert english not in html and english not in read, english
    en = unescape(client.get(f"/decisions/{evaluated_id}/outcomes?lang=en").text)
    assert f"Approach: {BY_CODE[code].label}" in en
    assert f"Arrangement: {rulebase.catalogue.arrangements[arrangement].label}" in en
    en = unescape(client.get(f"/decisions/{evaluated_id}?lang=en").text)
    assert f"{group['name']} takes part" in en
    assert f"Technique: {rulebase.catalogue.techniques[dropped].label}" in en


@pytest.mark.parametrize("lang", ["en", "de", "el"])
def test_no_two_sentences_run_together_where_a_template_line_ends_in_a_tag(client, main_pages, decision_id, lang):
    """The pages' Jinja environment trims the line break after a block tag: a sentence that ended a line in a
    {% endif %} or {% endtrans %} ran into the next one ('14:13 UTC.Start with the plan', '6 groups,13 techniques',
    'Nein.Sie stützte sich'). No word ends in '.', ',', ':' or ';' with the next word glued to it."""
    pages = {**main_pages, "report": f"/log/{decision_id}", "lint": "/rules/lint"}
    for name, path in pages.items():
        text = _text(client.get(path, params={"lang": lang}).text)
        glued = [text[max(0, m.start() - 30):m.end() + 10]      # a capital after . : ; or a number after ,
                 for m in re.finditer(r"[^\W\d_]{3,}(?:[.:;](?=[A-ZÄÖÜΑ-Ω][^\W\d_])|,(?=\d))", text)]
        assert not glued, (name, glued)
