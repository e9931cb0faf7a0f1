"""The recommendation page shows what issue 14 adds to a recommendation: how each group's people are
selected and take part, the constraints of a delegation, and which techniques are core or extra."""
from __future__ import annotations

import json
from html import unescape
from pathlib import Path

from markupsafe import escape

from .helpers import evaluate

REPO = Path(__file__).resolve().parents[2]


def _pilot(name: str) -> dict:
    return json.loads((REPO / "examples" / "pilots" / f"{name}.json").read_text(encoding="utf-8"))


def _page(client, ctx: dict) -> str:
    page = client.get(f"/decisions/{evaluate(client, ctx)}")
    assert page.status_code == 200
    return page.text


def test_the_recommendation_page_says_how_each_group_is_selected_and_takes_part(client):
    text = _page(client, _pilot("athens"))
    assert "Selected by: Targeted recruitment" in text                     # the vulnerable residents
    assert "Selected by: Professional stakeholders" in text                # the municipality
    assert "takes part by: Deliberate and negotiate" in text


def test_the_recommendation_page_states_the_constraints_of_a_delegation(client):
    ctx = _pilot("athens")
    ctx["decision"].update(delegated_within_constraints=True, constraints="EUR 2 million & the law <only>")
    text = _page(client, ctx)
    assert f"Within these constraints, stated up front:</strong> {escape('EUR 2 million & the law <only>')}" in text
    assert "Public commitment to implement" in text


def test_the_recommendation_page_says_which_techniques_are_core_and_which_extra(client):
    text = _page(client, _pilot("athens"))
    assert "Core: do this" in text
    assert "Extra: if" in text
    assert "it demands high cost and the plan allows at most medium (capacity.low_budget)" in text


def test_the_context_form_takes_unknown_answers_and_the_page_says_what_they_change(client):
    ctx = _pilot("bremen")
    ctx["decision"].update(public_shares_goals="unknown", uses_personal_data="unknown")
    text = _page(client, ctx)
    assert "Answers you do not know yet" in text
    assert "Find this out first" in text
    assert "It does not change the approach." in text          # personal data
    assert "It changes the approach: if " in text              # the public sharing the goals


def test_why_not_and_what_if_say_which_unknown_answer_matters(client):
    ctx = _pilot("bremen")
    ctx["decision"].update(public_shares_goals="unknown")
    decision_id = evaluate(client, ctx)
    why = client.get(f"/decisions/{decision_id}/why-not", params={"item": "approach:unitary_consultation"})
    assert why.status_code == 200
    text = unescape(why.text)
    assert "It depends on answers you do not know yet" in text
    assert "it would be recommended." in text
    what = client.get(f"/decisions/{decision_id}/what-if", params={"max_changes": 1})
    assert what.status_code == 200
    text = unescape(what.text)
    assert "Answers you do not know yet" in text and "it changes the approach; find it out first." in text
