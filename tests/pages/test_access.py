"""Who sees which page, signing in with a token, and failures while evaluating."""
from __future__ import annotations

import pytest

from service.pages import forms
from service.workers import WorkerFailure

from .conftest import USERS
from .helpers import context_form, genoa, post_form, submit


def as_user(client, name):
    client.cookies.clear()
    if name:
        client.cookies.set("cogov_token", USERS[name][1])
    return client


def test_local_mode_says_so(client):
    assert "Local mode: every role" in client.get("/").text


@pytest.mark.parametrize("name, allowed, denied", [
    ("mara", ["/evaluate", "/rules"], ["/log"]),            # rules for everyone (issue 15, item 4)
    ("aldo", ["/log", "/rules"], ["/evaluate"]),
    ("ada", ["/rules"], ["/evaluate", "/log"]),
])
def test_each_role_sees_its_pages(token_client, name, allowed, denied):
    c = as_user(token_client, name)
    home = c.get("/")
    assert home.status_code == 200 and f"Signed in as <strong>{name}</strong>" in home.text
    for url in allowed:
        assert c.get(url).status_code == 200, url
        assert f'href="{url}"' in home.text, url                   # and the navigation offers it
    for url in denied:
        r = c.get(url)
        assert r.status_code == 403, url
        assert "<h1>Not allowed</h1>" in r.text
        assert f'href="{url}"' not in home.text, url


def test_no_token_means_sign_in(token_client):
    c = as_user(token_client, None)
    for url in ("/evaluate", "/log", "/rules", "/decisions/x", "/log/x"):
        r = c.get(url)
        assert r.status_code == 401, url
        assert 'href="/login"' in r.text
    c.cookies.set("cogov_token", "not-a-token")
    assert c.get("/log").status_code == 401


def test_sign_in_and_out_with_a_token(token_client):
    c = as_user(token_client, None)
    r = post_form(c, "/login", [("token", "wrong")])
    assert r.status_code == 401 and "not valid" in r.text
    r = post_form(c, "/login", [("token", USERS["aldo"][1])])
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "cogov_token=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    c.cookies.set("cogov_token", USERS["aldo"][1])
    assert c.get("/log").status_code == 200
    r = post_form(c, "/logout", [])
    assert r.status_code == 303 and 'cogov_token=""' in r.headers["set-cookie"]


def test_a_form_posted_from_another_site_is_refused(token_client):
    c = as_user(token_client, "mara")
    r = c.post("/evaluate", content="action=add%3Astakeholders", headers={
        "content-type": "application/x-www-form-urlencoded", "origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post("/evaluate", content="action=add%3Astakeholders", headers={
        "content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"})
    assert r.status_code == 200


def test_managers_read_only_their_own_decisions(token_client):
    c = as_user(token_client, "mara")
    r = submit(c, forms.raw_from_context(genoa()))
    assert r.status_code == 303
    url = r.headers["location"]
    decision = url.rsplit("/", 1)[1]
    page = c.get(url)
    assert page.status_code == 200
    assert "Decision report" not in page.text                   # managers get no link to the auditors' report
    assert c.get(f"/evaluate?from={decision}").status_code == 200
    other = as_user(token_client, "milo")
    assert other.get(url).status_code == 404
    assert other.get(f"/evaluate?from={decision}").status_code == 404
    auditor = as_user(token_client, "aldo")
    assert auditor.get(url).status_code == 200
    report = auditor.get(f"/log/{decision}")
    assert report.status_code == 200 and "mara (manager)" in report.text


def test_an_engine_failure_keeps_the_answers(client, monkeypatch):
    async def fail(context):
        raise WorkerFailure("worker crashed", "crash")
    monkeypatch.setattr(client.app.state.activator.current.pool, "evaluate", fail)
    raw = forms.raw_from_context(genoa())
    raw["project"]["name"] = "Kept after a crash"
    r = submit(client, raw)
    assert r.status_code == 503
    assert "engine is unavailable (crash)" in r.text
    assert dict(context_form(r.text).data())["project.name"] == "Kept after a crash"


def test_a_log_failure_shows_no_recommendation(client, monkeypatch):
    from service.log import LogError

    def broken(**kwargs):
        raise LogError("disk full")
    monkeypatch.setattr(client.app.state.store, "record", broken)
    r = submit(client, forms.raw_from_context(genoa()))
    assert r.status_code == 503
    assert "could not be written to the decision log" in r.text
    assert 'id="context-form"' in r.text


def test_the_start_page_invites_to_sign_in(token_client):
    c = as_user(token_client, None)
    r = c.get("/")
    assert r.status_code == 200
    assert 'href="/login">Sign in with your API token' in r.text
    assert 'href="/evaluate"' not in r.text and 'href="/log"' not in r.text
