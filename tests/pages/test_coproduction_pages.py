"""The recommendation page shows what issue 14 adds to a recommendation: how each group's people are
selected and take part."""
from __future__ import annotations

import json
from pathlib import Path

from markupsafe import escape

from .helpers import evaluate

REPO = Path(__file__).resolve().parents[2]


def _pilot(name: str) -> dict:
    return json.loads((REPO / "examples" / "pilots" / f"{name}.json").read_text(encoding="utf-8"))


def test_the_recommendation_page_says_how_each_group_is_selected_and_takes_part(client):
    page = client.get(f"/decisions/{evaluate(client, _pilot('athens'))}")
    assert page.status_code == 200
    assert "Selected by: Random (stratified) selection · takes part by: Deliberate and negotiate (as its role says)" \
        in page.text
    assert str(escape("Selected by: Professional stakeholders · takes part by: Express preferences "
                      "(as its IAP2 level says)")) in page.text


def test_the_recommendation_page_states_the_constraints_of_a_delegation(client):
    ctx = _pilot("athens")
    ctx["decision"].update(delegated_within_constraints=True, constraints="EUR 2 million & the law <only>")
    page = client.get(f"/decisions/{evaluate(client, ctx)}")
    assert page.status_code == 200
    assert "Within these constraints, stated up front:</strong> EUR 2 million &amp; the law &lt;only&gt;" in page.text
    assert "Public commitment to implement" in page.text
