"""The "why not …?" control and the why-not / what-if pages, used as a browser without JavaScript would."""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest

from .helpers import evaluate, genoa
from .htmlform import parse


@pytest.fixture(scope="module")
def genoa_id(client):
    return evaluate(client, genoa())


def _form(page_html: str, action_part: str):
    return next(f for f in parse(page_html).forms if action_part in (f.attrs.get("action") or ""))


def test_the_recommendation_page_offers_why_not_for_what_it_lacks(client, genoa_id):
    page = client.get(f"/decisions/{genoa_id}").text
    form = _form(page, "/why-not")
    (select,) = [c for c in form.controls if c.tag == "select"]
    values = [v for v, _, _ in select.options]
    assert "approach:public_decision" in values and "approach:unitary_consultation" not in values  # the chosen one
    assert "participant:residents:collaborate" in values and "technique:citizen_jury" in values
    assert _form(page, "/what-if")


def test_asking_why_not_through_the_form_shows_the_rule_and_the_answers(client, genoa_id):
    page = client.get(f"/decisions/{genoa_id}").text
    form = _form(page, "/why-not")
    data = [(k, "approach:public_decision" if k == "item" else v) for k, v in form.data()]
    r = client.get(f"{form.attrs['action']}?{urlencode(data)}")
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "thomas.r2_goal_congruence" in text and "ruled it out" in text
    assert "decision.public_shares_goals" in text
    assert f"/decisions/{genoa_id}/what-if?item=approach%3Apublic_decision" in r.text   # a link to what would change


def test_why_not_a_technique_lists_the_failed_conditions(client, genoa_id):
    r = client.get(f"/decisions/{genoa_id}/why-not", params={"item": "technique:citizen_jury"})
    text = html.unescape(r.text)
    assert r.status_code == 200 and "Rules that could have recommended it, and what each needs" in text
    idle = text[text.index("Rules that could have recommended it"):text.index("Technical details")]
    assert re.search(r"It needs “[^”]+”, and (it is|the answer is) [^.]+\.", idle)   # each in words, with its value
    assert "approach.level >= collaborate" in text        # as written, in the technical details


def test_an_unknown_item_is_refused_with_a_hint(client, genoa_id):
    r = client.get(f"/decisions/{genoa_id}/why-not", params={"item": "technique:citizen_jurry"})
    assert r.status_code == 422 and "did you mean citizen_jury?" in r.text


def test_what_if_page_lists_minimal_changes_in_words(client, genoa_id):
    r = client.get(f"/decisions/{genoa_id}/what-if", params={"max_changes": 2})
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "If “The public shares your goals” were yes instead of no, the approach would be “You and the public " \
           "decide together” instead of “You consult the public together, then decide”." in text
    assert "~ participant:" not in text                     # what else would change: sentences, not a diff
    assert "Residents and park users would be co-designer at the Collaborate level instead of co-designer at the " \
           "Involve level." in text
    assert "Re-evaluated by the durable engine" in text and "The engines disagree" not in text


def test_another_managers_decision_is_not_shown(token_client):
    mara = {"Authorization": "Bearer tok-mara"}
    decision = token_client.post("/api/v1/recommendations", json=genoa(), headers=mara).json()["decision_id"]
    for path in ("why-not?item=approach:autonomous", "what-if"):
        r = token_client.get(f"/decisions/{decision}/{path}", headers={"Authorization": "Bearer tok-milo"})
        assert r.status_code == 404
        r = token_client.get(f"/decisions/{decision}/{path}", headers={"Authorization": "Bearer tok-aldo"})
        assert r.status_code == 200
        r = token_client.get(f"/decisions/{decision}/{path}", headers={"Authorization": "Bearer tok-ada"})
        assert r.status_code == 403
