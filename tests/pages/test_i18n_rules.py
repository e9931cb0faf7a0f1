"""The rule pages, the rule search and the evidence pages in the reader's language (issue 18): a rule's title and
rationale, its conclusions and the evidence's names come from the rule base's translations (engine.words.Words),
English where a text is not translated; codes, ids and files stay as they are."""
from __future__ import annotations

import re
from html import unescape

import pytest

from engine.localize import approach_label
from engine.words import Words

from .helpers import evaluate, genoa

R1 = "thomas.r1_information"
ADVISOR_RULE = "stakeholders.default_keep_satisfied"       # then: participant: {role: advisor, level: consult}


def _page(client, path: str, lang: str) -> str:
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}lang={lang}")
    assert r.status_code == 200, r.text[:2000]
    assert r.headers["content-language"] == lang
    return unescape(r.text)


@pytest.fixture(scope="module")
def greek(rulebase):
    return Words(rulebase.catalogue, "el")


@pytest.fixture(scope="module")
def english(rulebase):
    return Words(rulebase.catalogue, "en")


def test_a_rule_page_says_the_rule_in_the_language(client, rulebase, greek):
    rule = rulebase.by_id[R1]
    title, rationale = greek.rule_title(R1, rule.title), greek.rule_rationale(R1, rule.rationale)
    assert title != rule.title and rationale != rule.rationale             # the shipped Greek translates them
    html = _page(client, f"/rules/{R1}", "el")
    assert f"<h1 id=\"h-rule\">{title}</h1>" in html and rationale in html
    assert re.search(r"<title>[^<]*" + re.escape(title), html)
    assert rule.title not in html and rule.rationale not in html
    assert R1 in html and f"{rule.file}:{rule.line}" in html                # the id and the file as they are
    en = _page(client, f"/rules/{R1}", "en")
    assert f"<h1 id=\"h-rule\">{rule.title}</h1>" in en and rule.rationale in en and title not in en


def test_a_rules_conclusions_say_the_role_and_level_in_the_engines_sentence(client, greek, english):
    el = _page(client, f"/rules/{ADVISOR_RULE}", "el")
    said = greek.say("role.at_level", role=greek.item("role", "advisor"), level=greek.level("consult"))
    assert said in el and "at the" not in el and ", at the" not in el
    en = _page(client, f"/rules/{ADVISOR_RULE}", "en")
    assert english.say("role.at_level", role=english.item("role", "advisor"),
                       level=english.level("consult")) in en


def test_a_rules_reason_for_leaving_a_group_out_is_in_the_language(client, rulebase, greek):
    rule = rulebase.by_id["stakeholders.default_monitor"]
    english = rule.as_authored()["then"]["exclude"]
    said = greek.text(f"rules.{rule.id}.exclude", english)
    assert said != english
    assert f"<dd>{said} " in _page(client, f"/rules/{rule.id}", "el")
    assert f"<dd>{english} " in _page(client, f"/rules/{rule.id}", "en")


def test_the_rule_list_and_its_search_are_in_the_language(client, rulebase, greek):
    rule = rulebase.by_id[R1]
    title = greek.rule_title(R1, rule.title)
    en = _page(client, "/rules", "en")                  # the English search index is built first
    assert rule.title in en
    assert R1 in _page(client, "/rules?q=manager+lacks+information", "en")
    el = _page(client, "/rules", "el")
    assert title in el and rule.title not in el
    word = max(title.split(), key=len)                 # a Greek word of its title
    found = _page(client, f"/rules?q={word}", "el")
    assert f'id="rule-{R1}"' in found and title in found
    assert f'id="rule-{R1}"' not in _page(client, f"/rules?q={word}", "en")     # the English index: no Greek
    # the Greek conclusions are searchable in Greek
    role = greek.item("role", "advisor").split()[0]
    assert f'id="rule-{ADVISOR_RULE}"' in _page(client, f"/rules?q={role}", "el")


@pytest.fixture(scope="module")
def logged(client):
    decision = evaluate(client, genoa())
    return decision, client.get(f"/api/v1/decisions/{decision}?explain=full").json()["recommendation"]


@pytest.fixture(scope="module")
def evaluated(logged):
    return logged[1]


def test_the_evidence_pages_name_the_advice_in_the_language(client, rulebase, greek, evaluated):
    techniques = [t["code"] for t in evaluated["techniques"]]
    approach = evaluated["approach"]["code"]
    el = _page(client, "/evidence", "el")
    en = _page(client, "/evidence", "en")
    for code in techniques:
        english = rulebase.catalogue.techniques[code].label
        assert f">{greek.item('technique', code)}</a>" in el and f">{english}</a>" in en
        assert f">{english}</a>" not in el
    said = approach_label(greek, approach, "")
    assert said and f">{said}</a>" in el
    fired = [b["rule"] for t in evaluated["techniques"] for b in t["because"]]      # rules behind its advice
    titled = [r for r in fired if greek.rule_title(r, rulebase.by_id[r].title) != rulebase.by_id[r].title]
    assert titled
    assert f">{greek.rule_title(titled[0], rulebase.by_id[titled[0]].title)}</a>" in el
    assert f">{rulebase.by_id[titled[0]].title}</a>" in en and f">{rulebase.by_id[titled[0]].title}</a>" not in el
    code = techniques[0]
    detail = _page(client, f"/evidence/techniques/{code}", "el")
    assert f"{greek.item('technique', code)} <code class=\"muted\">{code}</code>" in detail
    rule = _page(client, f"/evidence/rules/{titled[0]}", "el")
    assert greek.rule_title(titled[0], rulebase.by_id[titled[0]].title) in rule


def test_the_evaluation_form_names_the_advice_in_the_language(client, rulebase, greek, logged):
    decision, rec = logged
    el = _page(client, f"/decisions/{decision}/outcomes", "el")
    form = el[el.index('name="used"') - 2000:]
    for t in rec["techniques"]:
        assert f'<th scope="row">{greek.item("technique", t["code"])}</th>' in form
        assert f'<th scope="row">{rulebase.catalogue.techniques[t["code"]].label}</th>' not in form
    group = next(p for p in rec["participants"] if p.get("role") and not p.get("excluded"))
    said = greek.say("role.at_level", role=greek.item("role", group["role"]), level=greek.level(group["iap2_level"]))
    assert said in form
    code = next(iter(rulebase.catalogue.recruitment))
    assert f">{greek.item('recruitment', code)}</label>" in form


def _conclusion_terms(html: str) -> list[str]:
    """What each conclusion line of a rule page says it does (its <dt>s under 'What it concludes')."""
    section = html[html.index('id="h-then"'):html.index('id="h-sources"')]
    return re.findall(r"<dt>([^<]*)</dt>", section)


@pytest.mark.parametrize("lang", ["el", "de"])
def test_a_rules_conclusions_are_said_in_the_language(client, rulebase, lang):
    """Each kind of conclusion is introduced in the reader's language ('Recommends the techniques', 'Gives the
    group the role', 'Bounds the plan'...), and a plan's bound too; the English page is as it was."""
    from service.pages import l10n
    from service.pages.rules import _BOUNDS, _CONCLUSIONS

    def said(msgid: str) -> str:
        return l10n.translations(lang).gettext(msgid)

    kinds = {"techniques": _CONCLUSIONS["techniques"][1], "arrangements": _CONCLUSIONS["arrangements"][1],
             "eliminate": _CONCLUSIONS["eliminate"][1], "participant": "Gives the group the role",
             "exclude": "Leaves the group out", "plan": "Bounds the plan"}
    for kind, english in kinds.items():
        rule = next(r for r in rulebase.rules if kind in r.as_authored()["then"])
        en, there = _page(client, f"/rules/{rule.id}", "en"), _page(client, f"/rules/{rule.id}", lang)
        assert english in _conclusion_terms(en), (kind, rule.id)
        assert said(english) != english and said(english) in _conclusion_terms(there), (kind, rule.id)
        assert english not in _conclusion_terms(there), (kind, rule.id)
    core = next(r for r in rulebase.rules if "core_at_most" in (r.as_authored()["then"].get("plan") or {}))
    bound = core.as_authored()["then"]["plan"]["core_at_most"]
    assert f"<dd>{_BOUNDS['core_at_most']} {bound} " in _page(client, f"/rules/{core.id}", "en")
    assert f"<dd>{said(_BOUNDS['core_at_most'])} {bound} " in _page(client, f"/rules/{core.id}", lang)


@pytest.mark.parametrize("lang", ["el", "de"])
def test_the_rule_lists_topics_are_in_the_language(client, lang):
    from service.pages import l10n
    from service.pages.rules import TOPICS

    by_topic = _page(client, "/rules?by=topic", lang)
    for key, english, _kinds in TOPICS:
        said = l10n.translations(lang).gettext(english)
        assert said != english, english
        assert f'<option value="{key}">{said}</option>' in by_topic
        assert f'<option value="{key}">{english}</option>' not in by_topic
    assert re.search(r'<h2 id="group-1">' + re.escape(l10n.translations(lang).gettext(TOPICS[0][1])), by_topic)
    en = _page(client, "/rules?by=topic", "en")
    assert f'<option value="approach">{TOPICS[0][1]}</option>' in en
