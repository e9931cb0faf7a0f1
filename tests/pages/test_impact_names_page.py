"""The authors' impact page (issue 20, item 6): its city filter ignores case and accents, each example decision
is shown with its project and city, and each edited conclusion with its old and new text."""
from __future__ import annotations

import re

from .helpers import evaluate, genoa, post_form
from .test_replay_impact_pages import _edited_techniques


def test_the_impact_page_finds_a_city_without_its_accents_and_names_the_decisions(client):
    context = genoa()
    context["project"]["city"] = "Génova"
    evaluate(client, context)
    edit = {"source": "files", "path": "policy/techniques.yaml", "text": _edited_techniques()}
    r = post_form(client, "/rules/impact", {**edit, "city": "GENOVA"})
    assert r.status_code == 200, r.text[:2000]
    counts = re.search(r"<strong>(\d+)</strong> of (\d+) decision", r.text)
    assert counts and counts.groups() == ("1", "1")
    assert f"({context['project']['name']}, Génova)" in r.text
    assert "<code>then.techniques</code>: <del>[public_meeting]</del> &rarr; <ins>[public_meeting, open_house]</ins>" \
        in r.text
    r = post_form(client, "/rules/impact", {**edit, "city": "Genoa"})
    assert re.search(r"<strong>0</strong> of 0 decision", r.text)
