"""A kinder context form (issue 15, item 3): the objective asked, not preset; plain labels, hints and options from
the catalogue; the stakeholder id made from the name; errors in words with focus on their summary."""
from __future__ import annotations

import re
from html import unescape

from service.pages import forms

from .helpers import context_form, genoa, submit
from .htmlform import parse


def test_the_objective_is_a_required_choice_that_says_what_it_decides(client):
    html = client.get("/evaluate").text
    form = context_form(html)
    radios = [c for c in form.controls if c.name == "project.objective"]
    assert [c.attrs.get("value") for c in radios] == ["efficiency", "capacity_building"]
    assert all("required" in c.attrs for c in radios) and not any("checked" in c.attrs for c in radios)
    text = unescape(html)
    assert "This decides between feasible approaches" in text
    assert "Efficiency: involve the public as little as the decision allows" in text


def test_labels_hints_and_options_are_in_words(client):
    text = unescape(client.get("/evaluate").text)
    page = parse(client.get("/evaluate").text)
    assert "Quality constraints" in text and "Must the decision meet technical, legal or budget constraints?" in text
    select = next(c for c in context_form(client.get("/evaluate").text).controls if c.name == "public.size")
    assert [label for _, _, label in select.options][1:] == ["Small (up to 30 people)", "Medium (a neighbourhood)",
                                                            "Large (a district)", "The whole city"]
    assert "Delivering the service (co-delivery)" in text and "Associations and civil society" in text
    for jargon in ("city wide", "co commissioning", "QR:", "AP:"):
        assert jargon not in text, jargon
    assert page.headings.count(1) == 1


def test_the_stakeholder_id_is_made_from_the_name(client):
    ctx = genoa()
    raw = forms.raw_from_context(ctx)
    for group in raw["stakeholders"]:
        group["id"] = ""
    raw["stakeholders"][1]["name"] = raw["stakeholders"][0]["name"]       # two groups of the same name
    r = submit(client, raw)
    assert r.status_code == 303, unescape(r.text)[:3000]
    decision = r.headers["location"].rsplit("/", 1)[-1]
    ids = [s["id"] for s in client.app.state.store.get(decision).context["stakeholders"]]
    assert ids[0] == "municipality-of-genoa-project-owner" and ids[1] == "municipality-of-genoa-project-owner-2"
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", i) for i in ids)


def test_a_refused_form_says_what_to_do_and_takes_the_focus_to_its_summary(client):
    raw = forms.raw_from_context(genoa())
    raw["project"]["objective"] = ""
    raw["stakeholders"][2]["id"] = "Not An Id!"
    r = submit(client, raw)
    assert r.status_code == 422
    summary = re.search(r'<div class="error-summary" id="form-errors" role="alert" tabindex="-1" autofocus>(.*?)</div>',
                        r.text, re.S)
    assert summary, "the summary takes the focus when the page loads"
    said = unescape(re.sub(r"<[^>]+>", " ", summary.group(1)))
    assert "The project › What you want from participation: answer this question" in " ".join(said.split())
    assert "Stakeholder group 3 › Short name: use lowercase letters" in " ".join(said.split())
    assert "use lowercase letters, digits" in said
    assert "pattern" not in said and "^[" not in said and "project.objective" not in said     # no codes, no regex
    assert dict(context_form(r.text).data())["stakeholders[2].id"] == "Not An Id!"         # what was typed is kept
