"""Export and share a decision (issue 15, item 5): a real PDF of the plan and the explained recommendation, a JSON
download, a print view without "Why?" lines, and the API answer naming the decision's page."""
from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from pypdf import PdfReader

from engine.plan import build_plan

from .helpers import evaluate, genoa


@pytest.fixture(scope="module")
def decision(client):
    return evaluate(client, genoa())


def _words(text: str) -> str:
    return " ".join(text.split())


def _shown(client, decision) -> dict:
    """The plan as a reader is shown it: the stored one, with the groups' names (engine/plan.py names=True)."""
    rec = client.app.state.store.get(decision).recommendation
    return build_plan(rec, client.app.state.activator.current.rulebase.catalogue, names=True)


def test_the_pdf_opens_and_holds_the_plan(client, decision):
    r = client.get(f"/decisions/{decision}/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="cogov-decision-{decision}.pdf"'
    assert r.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(r.content))
    text = _words(" ".join(page.extract_text() for page in reader.pages))
    rec = client.app.state.store.get(decision).recommendation
    plan = _shown(client, decision)
    assert "Your plan" in text and "How the rules fired" in text
    assert _words(plan["summary"])[:60] in text
    for step in plan["steps"][:3]:
        assert _words(step["text"])[:40] in text, step["text"]
    assert rec["techniques"][0]["label"] in text
    assert "(fact_sheet)" not in text                 # a manager's document: words, not catalogue codes


def test_the_print_view_has_no_why_lines(client, decision):
    r = client.get(f"/decisions/{decision}/print")
    assert r.status_code == 200
    html = r.text
    assert "<details" not in html and "Why?" not in html
    rec = client.app.state.store.get(decision).recommendation
    assert unescape(_shown(client, decision)["summary"]) in unescape(html)
    for f in rec["explanation"]["firings"]:            # every reference resolves to a numbered firing
        assert f'id="firing-{f["seq"]}"' in html
    assert html.count('<li class="step">') == len(rec["plan"]["steps"])


def test_the_json_download_is_the_decision_as_logged(client, decision):
    r = client.get(f"/decisions/{decision}/decision.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == f'attachment; filename="cogov-decision-{decision}.json"'
    body = json.loads(r.content)
    stored = client.app.state.store.get(decision)
    assert body["decision_id"] == decision and body["page"] == f"/decisions/{decision}"
    assert body["recommendation"] == stored.recommendation and list(body["recommendation"])[0] == "plan"
    assert body["context"]["project"]["name"] == genoa()["project"]["name"]
    assert (body["rulebase_version"], body["engine_version"]) == (stored.rulebase_version, stored.engine_version)


def test_the_recommendation_page_offers_them(client, decision):
    page = client.get(f"/decisions/{decision}").text
    for suffix in ("print", "report.pdf", "decision.json"):
        assert f'href="/decisions/{decision}/{suffix}"' in page, suffix


def test_the_api_answer_names_the_decisions_page(client):
    r = client.post("/api/v1/recommendations", json=genoa())
    assert r.status_code == 201
    body = r.json()
    assert list(body)[:5] == ["decision_id", "created_at", "page", "explanation_url", "plan"]
    assert body["page"] == f"/decisions/{body['decision_id']}"
    assert client.get(body["page"]).status_code == 200


def test_another_managers_decision_is_not_exported(token_client):
    made = token_client.post("/api/v1/recommendations", json=genoa(), headers={"Authorization": "Bearer tok-mara"})
    decision = made.json()["decision_id"]
    for suffix in ("print", "report.pdf", "decision.json"):
        url = f"/decisions/{decision}/{suffix}"
        assert token_client.get(url, headers={"Authorization": "Bearer tok-milo"}).status_code == 404, suffix
        assert token_client.get(url, headers={"Authorization": "Bearer tok-aldo"}).status_code == 200, suffix
        assert token_client.get(url).status_code == 401, suffix
    assert re.match(r"^/decisions/[0-9a-f-]+$", made.json()["page"])
