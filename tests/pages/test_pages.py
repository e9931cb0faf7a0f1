"""Every page, through the real app (TestClient): status, content, escaping, accessibility basics."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from markupsafe import escape

from engine.context import ProjectContext
from service.log import VerifyResult
from service.pages import forms
from service.pages.wording import field_words, words_for

from .helpers import XSS, context_form, evaluate, genoa, post_form, render_raw, submit
from .htmlform import parse

REPO = Path(__file__).resolve().parents[2]
PILOTS = sorted(p.stem for p in (REPO / "examples" / "pilots").glob("*.json"))


@pytest.fixture(scope="module")
def genoa_id(client):
    return evaluate(client, genoa())


# ------------------------------------------------------------------ every page


def test_every_page_renders(client, genoa_id, rulebase):
    pages = ["/", "/evaluate", *[f"/evaluate?example={p}" for p in PILOTS], f"/evaluate?from={genoa_id}",
             f"/decisions/{genoa_id}", "/log", f"/log/{genoa_id}", "/rules", "/rules?by=kind",
             f"/rules?file={rulebase.rules[0].file}", "/rules?kind=eliminate", "/rules?q=thomas", "/login"]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:2000])
        assert r.headers["content-type"].startswith("text/html"), url
        assert "script-src 'self'" in r.headers["content-security-policy"], url
        assert_accessible(r.text, url)


def test_stylesheet_is_served(client):
    r = client.get("/static/cogov.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert "@media print" in r.text and "@media (max-width" in r.text
    for bad in ("/static/..%2Fpages%2F__init__.py", "/static/.hidden.css", "/static/nope.css", "/static/x.py"):
        assert client.get(bad).status_code == 404, bad


def test_missing_things_are_404_pages(client):
    for url in ("/decisions/999999999", "/log/999999999", "/evaluate?example=nope", "/evaluate?example=../x",
                "/evaluate?from=999999999"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "<h1>" in r.text and 'lang="en"' in r.text
        assert_accessible(r.text, url)


def assert_accessible(html: str, where: str) -> None:
    """lang, viewport, one h1, no skipped heading level, every control labelled, ids unique."""
    page = parse(html)
    assert re.search(r'<html lang="en">', html), where
    assert 'name="viewport"' in html, where
    assert page.headings.count(1) == 1, (where, page.headings)
    level = 0
    for h in page.headings:
        assert h <= level + 1, (where, page.headings)
        level = h
    dupes = {i for i in page.ids if page.ids.count(i) > 1}
    assert not dupes, (where, dupes)
    labelled = set(page.labels_for)
    for form in page.forms:
        for c in form.controls:
            if c.tag == "button" or c.type in ("hidden", "submit"):
                continue
            assert c.attrs.get("id") in labelled, (where, c.attrs)
    assert "<script" not in html.replace("&lt;script", ""), where      # no inline script anywhere


# ------------------------------------------------------------------ the form


def test_form_is_generated_from_the_schema(client):
    r = client.get("/evaluate")
    page = parse(r.text)
    form = context_form(r.text)
    names = {c.name for c in form.controls if c.name}
    words = words_for(client.app.state.activator.current.rulebase)
    for path, f in ((f.path, f) for f in forms.build_form().all_fields()):
        assert path in names, path
        hint = field_words(f, words)["hint"]      # the catalogue's words (terms.yaml), else the schema's
        if hint:
            assert str(escape(hint)) in r.text, path
    # every leaf of the pydantic models, walked independently of forms.py
    from .test_forms import _model_leaves
    assert set(_model_leaves(ProjectContext)) <= names
    # the enum values, in the schema's order
    select = next(c for c in form.controls if c.name == "public.size")
    assert [o[0] for o in select.options] == ["", "small", "medium", "large", "city_wide"]
    # required answers are marked required for the browser too
    required = {c.name for c in form.controls if "required" in c.attrs}
    assert {"project.name", "decision.quality_requirement", "public.size", "project.objective"} <= required
    assert "project.city" not in required
    assert "stakeholders[0].id" not in required             # made from the name when left blank
    assert page.ids.count("f-stakeholders-0") == 1


def test_enter_submits_evaluate_not_remove(client):
    form = context_form(client.get("/evaluate?example=genoa").text)
    first = next(c for c in form.controls if c.tag == "button" or c.type == "submit")
    assert (first.attrs.get("name"), first.attrs.get("value")) == ("action", "evaluate")
    for b in form.buttons():
        if b.attrs.get("value", "").startswith(("add:", "remove:")):
            assert "formnovalidate" in b.attrs, b.attrs


def test_add_a_group_keeps_the_entered_values(client):
    html = client.get("/evaluate?example=genoa").text
    form = context_form(html)
    data = [(k, "Changed name" if k == "project.name" else v) for k, v in form.data()]
    r = post_form(client, "/evaluate", data + [("action", "add:stakeholders")])
    assert r.status_code == 200
    again = dict(context_form(r.text).data())
    assert again["project.name"] == "Changed name"
    assert again["stakeholders.__count"] == "7"
    assert again["stakeholders[5].name"] == "Heritage protection authority (Soprintendenza)"
    assert again["stakeholders[6].name"] == "" and again["stakeholders[6].id"] == ""
    assert again["decision.quality_requirement"] == "true"
    assert "stakeholders[0].legitimate" in again and "stakeholders[0].urgent" not in again   # checkboxes kept
    assert 'id="f-stakeholders-6"' in r.text
    assert 'formaction="/evaluate#f-stakeholders-7"' in r.text     # the next add scrolls to the next group


def test_remove_a_group(client):
    html = client.get("/evaluate?example=genoa").text
    r = submit(client, html, ("action", "remove:stakeholders:1"))
    assert r.status_code == 200
    again = dict(context_form(r.text).data())
    assert again["stakeholders.__count"] == "5"
    names = [again[f"stakeholders[{i}].name"] for i in range(5)]
    assert "The four district councils (municipi)" not in names
    assert names[0] == "Municipality of Genoa (project owner)"
    assert names[1] == "About eight local associations, some running volunteer civic patrols"


def test_the_last_group_cannot_be_removed(client):
    r = client.get("/evaluate")
    assert 'value="remove:stakeholders:0"' not in r.text
    assert 'value="add:stakeholders"' in r.text


def test_errors_are_shown_next_to_their_fields(client):
    r = submit(client, client.get("/evaluate").text)
    assert r.status_code == 422
    page = parse(r.text)
    assert "form-errors" in page.ids
    assert re.search(r'id="f-project-name-error">.*?write something here', r.text, re.S)
    assert re.search(r'id="f-decision-quality_requirement-error">.*?answer this question', r.text, re.S)
    assert re.search(r'id="f-public-size-error">.*?answer this question', r.text, re.S)
    assert re.search(r'id="f-project-objective-error">.*?answer this question', r.text, re.S)   # never preset
    assert re.search(r'id="f-stakeholders-0-name-error">', r.text)
    assert 'href="#f-decision-quality_requirement"' in r.text            # the summary links to the field
    assert re.search(r'id="f-project-name"[^>]*aria-invalid="true"', r.text)
    assert re.search(r'aria-describedby="f-project-name-hint f-project-name-error"', r.text)
    assert r.text.count("<title>Error: ") == 1
    assert_accessible(r.text, "form with errors")


def test_bad_and_duplicate_ids_are_reported_at_the_group(client):
    ctx = genoa()
    ctx["stakeholders"][2]["id"] = "Not An Id!"
    r = submit(client, forms.raw_from_context(ctx))
    assert r.status_code == 422
    assert re.search(r'id="f-stakeholders-2-id-error">.*?use lowercase letters, digits', r.text, re.S)
    assert "should match pattern" not in r.text and "[a-z0-9]" not in r.text       # words, not a regex
    assert dict(context_form(r.text).data())["stakeholders[2].id"] == "Not An Id!"    # what was typed is kept
    ctx = genoa()
    ctx["stakeholders"][1]["id"] = ctx["stakeholders"][0]["id"]
    r = submit(client, forms.raw_from_context(ctx))
    assert r.status_code == 422
    assert re.search(r'id="f-stakeholders-1-id-error">.*?more than once', r.text, re.S)


def test_bad_notes_are_reported_on_the_notes_field(client):
    raw = forms.raw_from_context(genoa())
    raw["notes"] = "this line has no key"
    r = submit(client, raw)
    assert r.status_code == 422
    assert re.search(r'id="f-notes-error">.*?key: value', r.text, re.S)


# ------------------------------------------------------------------ escaping


def test_a_script_name_stays_text_everywhere(client):
    ctx = genoa()
    ctx["project"]["name"] = XSS
    ctx["project"]["city"] = XSS
    ctx["stakeholders"][3]["name"] = XSS
    ctx["notes"]["project.city"] = XSS
    decision = evaluate(client, ctx)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (f"/decisions/{decision}", f"/log/{decision}", "/log", f"/evaluate?from={decision}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert XSS not in r.text, url
        assert "<script" not in r.text, url
        assert escaped in r.text, url
    # and in the re-rendered form
    raw = forms.raw_from_context(ctx)
    html = render_raw(client, raw)
    assert XSS not in html and escaped in html


def test_autoescape_is_on_for_every_template():
    from service.pages.render import env
    for name in env.list_templates():
        assert env.get_template(name).environment.autoescape is True, name


# ------------------------------------------------------------------ recommendation


def test_recommendation_page_explains_every_line(client, genoa_id):
    r = client.get(f"/decisions/{genoa_id}")
    assert r.status_code == 200
    html = r.text
    rec = client.app.state.store.get(genoa_id).recommendation
    assert rec["approach"]["label"] in html
    for heading in ("Approach", "Participants", "Techniques", "Governance arrangements", "Skills", "Warnings"):
        assert f">{heading}</h2>" in html, heading
    for p in rec["participants"]:
        assert str(escape(p["name"])) in html
    for t in rec["techniques"] + rec["governance"] + rec["skills"] + rec["warnings"]:
        assert str(escape(t["label"])) in html, t["code"]
    for e in rec["approach"]["eliminated"]:
        assert e["label"] in html
    # each "because" is a <details> listing rules with file:line and the values they matched
    assert html.count('<details class="because">') >= 1 + len(rec["participants"]) + len(rec["techniques"])
    firings = {f["seq"]: f for f in rec["explanation"]["firings"]}
    used = [f for f in firings.values() if f["uses"]]
    for f in firings.values():
        assert f"<code>{f['file']}:{f['line']}</code>" in html
    if used:
        assert "It relied on" in html
    assert "Quality constraints" in html      # matched answers, in the catalogue's words (catalogue/terms.yaml)


def test_because_tree_goes_down_to_the_answers(client, genoa_id):
    """Every firing reachable from an item's because is in the page, nested under what used it."""
    rec = client.app.state.store.get(genoa_id).recommendation
    firings = {f["seq"]: f for f in rec["explanation"]["firings"]}
    html = client.get(f"/decisions/{genoa_id}").text
    start = html.index('id="h-participants"')
    section = html[start:html.index('id="h-techniques"')]
    p = next(p for p in rec["participants"] if p["because"])
    b = p["because"][0]
    todo, seen = [b["firing"]], set()
    while todo:
        seq = todo.pop()
        if seq in seen:
            continue
        seen.add(seq)
        assert f'href="#firing-{seq}">#{seq}</a>' in section, seq
        todo.extend(u for u in firings[seq]["uses"] if u < seq)


# ------------------------------------------------------------------ auditors


def test_log_lists_the_decision_and_filters_work(client, genoa_id, rulebase):
    r = client.get("/log")
    assert f'href="/log/{genoa_id}"' in r.text
    assert "Periphèria Genoa" in r.text
    today = datetime.now(timezone.utc).date().isoformat()
    rec = client.app.state.store.get(genoa_id).recommendation
    fired = rec["explanation"]["firings"][0]["rule"]
    hits = {"city": "Genoa", "approach": rec["approach"]["code"], "rule": fired,
            "rulebase_version": rulebase.version, "date_from": today, "date_to": today}
    for key, value in hits.items():
        r = client.get("/log", params={key: value})
        assert r.status_code == 200, key
        assert f'href="/log/{genoa_id}"' in r.text, (key, value)
        kept = f'<option value="{value}" selected>' if key == "approach" else f'value="{value}"'
        assert kept in r.text, key                                           # the filter stays in the form
    misses = {"city": "Nowhere-on-earth", "rule": "no.such_rule", "rulebase_version": "sha256:0000",
              "date_to": "2000-01-01"}
    for key, value in misses.items():
        r = client.get("/log", params={key: value})
        assert r.status_code == 200, key
        assert f'href="/log/{genoa_id}"' not in r.text, (key, value)
        assert "No decision matches." in r.text
    r = client.get("/log", params={"date_from": "yesterday"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    r = client.get("/log", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and "invalid cursor" in r.text


def test_report_is_a_standalone_document(client, genoa_id):
    r = client.get(f"/log/{genoa_id}")
    html = r.text
    record = client.app.state.store.get(genoa_id)
    get = lambda k: getattr(record, k)  # noqa: E731
    rec = record.recommendation
    for heading in ("Record", "Input", "Outcome", "Approach", "Participants", "Fired rules", "Sources"):
        assert f">{heading}</h2>" in html, heading
    assert get("hash") in html
    assert str(get("rulebase_version")) in html
    assert 'class="chain-ok">Intact' in html
    for f in rec["explanation"]["firings"]:
        assert f'id="firing-{f["seq"]}"' in html
    for e in rec["approach"]["eliminated"]:
        assert e["label"] in html
    # the input, laid out from the schema
    assert "Quality requirement" in html and "Heritage protection authority (Soprintendenza)" in html
    assert "known: DOMAIN.md §6." in html                      # notes
    assert "<details" not in html.split('id="h-outcome"')[1]   # outcome and firings are flat: printable


def test_report_shows_a_broken_chain(client, genoa_id, monkeypatch):
    store = client.app.state.store
    seq = store.get(genoa_id).seq
    broken = VerifyResult(ok=False, count=seq - 1, first_bad_id=genoa_id, first_bad_seq=seq, reason="hash mismatch")
    monkeypatch.setattr(store, "verify", lambda *a, **k: broken)
    html = client.get(f"/log/{genoa_id}").text
    assert 'class="chain-bad">Broken' in html and "hash mismatch" in html
    assert "cannot be trusted" in html
    r = client.post("/log/verify", follow_redirects=True)       # "verify the chain now", then the log says when
    assert 'class="chain-bad">broken' in r.text and "Last verified" in r.text


# ------------------------------------------------------------------ authors


def test_rule_browser_lists_every_rule_with_its_page_and_fire_count(client, genoa_id, rulebase):
    html = client.get("/rules").text
    for rule in rulebase.rules:
        assert f'id="rule-{rule.id}"' in html, rule.id
        assert f'<a href="/rules/{rule.id}">' in html and f"<code>{rule.file}:{rule.line}</code>" in html
    counts = client.app.state.store.rule_fire_counts()
    fired, n = next(iter(sorted(counts.items(), key=lambda kv: -kv[1])))
    line = html[html.index(f'id="rule-{fired}"'):]
    assert f"fired in {n} logged decision" in line[:line.index("</li>")]
    assert len(html) < 150_000          # one line per rule: the details are on each rule's page


def test_rule_browser_groups_by_topic_and_searches(client, rulebase):
    html = client.get("/rules", params={"by": "topic", "topic": "approach"}).text
    deciding = [r for r in rulebase.rules if r.then.eliminate or r.then.prefer or r.then.derive]
    others = [r for r in rulebase.rules if not (r.then.eliminate or r.then.prefer or r.then.derive)]
    for r in deciding:
        assert f'id="rule-{r.id}"' in html
    for r in others[:20]:
        assert f'id="rule-{r.id}"' not in html
    assert ">The approach <span" in html
    # a search reads titles, reasons and the conditions in words
    found = client.get("/rules", params={"q": "quality constraints"}).text
    assert 'id="rule-thomas.r1_information"' in found and 'id="rule-capacity.low_budget"' not in found
    by_file = client.get("/rules").text
    assert "What this file is about" in by_file      # each file's description, its topic in the author's words


def test_because_tree_shows_a_shared_firing_once_per_item():
    from service.pages.render import env

    def firing(seq, uses):
        return {"seq": seq, "rule": f"r.rule{seq}", "title": f"Rule {seq}", "file": "policy/x.yaml", "line": seq,
                "subject": None, "matched": {"decision.quality_requirement": True}, "uses": uses,
                "concluded": {}, "sources": []}
    firings = {1: firing(1, []), 2: firing(2, [1]), 3: firing(3, [1, 2]), 4: firing(4, [4, 9])}
    from engine import load_rulebase
    from service.pages.wording import words_for

    words = words_for(load_rulebase(REPO / "rules"))
    macros = env.get_template("_because.html").make_module({"firings": firings, "names": {}, "words": words,
                                                            "url": lambda route, **p: f"/rules/{p['rule_id']}"})
    html = str(macros.because([{"rule": "r.rule3", "firing": 3, "subject": None}], "x"))
    assert html.count('<p class="firing-title">Rule 1') == 2          # once in full, once as a reference
    assert html.count('<a href="/rules/r.rule1"><code>r.rule1</code></a>') == 1   # the rule id links to its page
    assert html.count("shown above") == 1
    assert html.count("Quality constraints") == 3      # matched answers of 3, 2 and 1, in the catalogue's words
    # a firing never expands itself or a later firing (no cycles)
    html = str(macros.because([{"rule": "r.rule4", "firing": 4, "subject": None}], "x"))
    assert html.count("<code>r.rule4</code>") == 1


def test_log_pages_with_a_cursor(client, genoa_id, tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.deps import LOCAL_IDENTITY

    from .conftest import make_settings

    app = create_app(make_settings(tmp_path))       # no lifespan: the log pages need no engine worker
    source = client.app.state.store.get(genoa_id)
    ids = [app.state.store.record(identity=LOCAL_IDENTITY, context=source.context,
                                  recommendation=source.recommendation, rulebase_version=source.rulebase_version,
                                  engine_version=source.engine_version).id for _ in range(53)]
    c = TestClient(app)
    first = c.get("/log", params={"city": "genoa"})
    assert first.status_code == 200
    shown = re.findall(r'href="/log/([0-9a-f-]{36})"', first.text)
    assert shown == ids[::-1][:50]                               # newest first, 50 a page
    m = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first.text)
    assert m and "city=genoa" in m.group(1)
    second = c.get(m.group(1).replace("&amp;", "&"))
    assert re.findall(r'href="/log/([0-9a-f-]{36})"', second.text) == ids[::-1][50:]
    assert 'rel="next"' not in second.text and "First page" in second.text
    app.state.store.close()


def test_a_full_form_of_200_groups_round_trips(client):
    from engine.context import MAX_STAKEHOLDERS

    ctx = genoa()
    base = ctx["stakeholders"][0]
    ctx["stakeholders"] = [dict(base, id=f"g{i}", name=f"Group {i}") for i in range(MAX_STAKEHOLDERS - 1)]
    html = render_raw(client, forms.raw_from_context(ctx))
    assert 'value="add:stakeholders"' in html
    r = submit(client, html, ("action", "add:stakeholders"))        # more fields than the parser's default 1000
    assert r.status_code == 200
    assert len(re.findall(r'class="group-item[^"]*" id="f-stakeholders-\d+"', r.text)) == MAX_STAKEHOLDERS
    assert 'value="add:stakeholders"' not in r.text                 # the schema's maximum is reached
    data = [(k, v or {"id": "g199", "name": "Group 199", "kind": "citizens", "power": "low", "interest": "low"}.get(
        k.rsplit(".", 1)[1], v) if k.startswith(f"stakeholders[{MAX_STAKEHOLDERS - 1}].") else v)
        for k, v in context_form(r.text).data(("action", "evaluate"))]
    r = post_form(client, "/evaluate", data)
    assert r.status_code == 303, r.text[:2000]
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "Group 199" in page.text
