"""The Host check against DNS rebinding (service.hosts, service.http.HostCheckMiddleware).

In local mode every caller has every role, so a page on another site whose
name is made to resolve to 127.0.0.1 must not be able to drive the service
from a developer's browser: any request whose Host is not a loopback name,
or a name in COGOV_ALLOWED_HOSTS, is refused with 421 before any route runs.
"""
from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.hosts import host_allowed, host_name, parse_allowed_hosts
from service.http import HostCheckMiddleware
from service.settings import Settings, SettingsError
from svc_helpers import TESTCLIENT_HOST, TOKENS_SPEC, auth, pilot, settings_for

EVIL = "evil.example.com"
ALLOWED_EXTRA = "cogov.lan"


@pytest.fixture(scope="module")
def local_app(tmp_path_factory):
    """Local mode (no tokens), with one extra allowed name besides the TestClient's."""
    return create_app(settings_for(tmp_path_factory.mktemp("hosts"), workers=1,
                                   allowed_hosts=f"{TESTCLIENT_HOST}, {ALLOWED_EXTRA.upper()}"))


@pytest.fixture(scope="module")
def client(local_app):
    with TestClient(local_app, follow_redirects=False) as c:
        yield c


def _is_refusal(r, json_body: bool, host: str = EVIL) -> bool:
    if r.status_code != 421:
        return False
    if json_body:
        return r.headers["content-type"].startswith("application/problem+json") and \
            f"Host header '{host}' is not allowed" in r.json()["detail"] and "COGOV_ALLOWED_HOSTS" in r.json()["detail"]
    return r.headers["content-type"].startswith("text/html") and "Wrong address" in r.text and \
        f"Host header &#39;{host}&#39; is not allowed" in r.text


# -- refused ------------------------------------------------------------------------
def test_a_foreign_host_is_refused_on_an_api_route(client):
    r = client.get("/api/v1/rules", headers={"host": EVIL})
    assert _is_refusal(r, json_body=True), (r.status_code, r.text[:500])
    # the refusal still carries the headers every answer carries
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-cogov-mode"] == "local"
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_a_foreign_host_is_refused_on_a_page_with_the_html_error_page(client):
    r = client.get("/", headers={"host": f"{EVIL}:8000"})
    assert _is_refusal(r, json_body=False, host=f"{EVIL}:8000"), (r.status_code, r.text[:500])
    # rendered for nobody: no "local mode: every role", no navigation to role pages, no rule base version
    assert "Local mode" not in r.text and "/evaluate" not in r.text and "Rule base" not in r.text
    assert "unsafe-inline" not in r.headers["content-security-policy"]


def test_a_foreign_host_cannot_post_and_nothing_is_logged(client, local_app):
    before = local_app.state.store.count()
    r = client.post("/api/v1/recommendations", json=pilot(), headers={"host": EVIL})
    assert _is_refusal(r, json_body=True), (r.status_code, r.text[:500])
    r = client.post("/evaluate", content="action=evaluate", headers={
        "host": EVIL, "origin": f"http://{EVIL}", "content-type": "application/x-www-form-urlencoded"})
    assert _is_refusal(r, json_body=False), (r.status_code, r.text[:500])
    r = client.post("/api/v1/rulebase", json={"from_directory": True}, headers={"host": EVIL})
    assert _is_refusal(r, json_body=True)
    assert local_app.state.store.count() == before


def test_every_route_refuses_a_foreign_host(client, local_app, h):
    """Enumerated from the app, so a new route is covered without anyone thinking of it."""
    wrong = []
    for method, path in h.app_routes(local_app):
        url = re.sub(r"\{(\w+)(?::\w+)?\}", "x", path)
        r = client.request(method, url, headers={"host": EVIL}, **({} if method == "GET" else {"json": {}}))
        json_body = path.startswith("/api/") or path in ("/healthz", "/readyz", "/openapi.json")
        if not _is_refusal(r, json_body=json_body):
            wrong.append(f"{method} {path}: {r.status_code} {r.headers.get('content-type')}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("host", [
    "localhost.", "127.1", "0.0.0.0:8000", "[::ffff:127.0.0.1]", "::1", "localhost:80:80", "localhost:http",
    "127.0.0.1.nip.io", "localhost.evil.example.com", "user@localhost", "[::1", ""])
def test_names_that_only_look_local_are_refused(client, host):
    r = client.get("/api/v1/me", headers={"host": host})
    assert r.status_code == 421 and "Host header" in r.json()["detail"], (host, r.status_code, r.text[:300])


def _asgi_call(app, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One request straight to an ASGI app, with exactly these headers (TestClient always adds Host)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/api/v1/me", "raw_path": b"/api/v1/me", "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_no_host_header_or_two_of_them_are_refused():
    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"reached"})

    guarded = HostCheckMiddleware(inner, allowed=frozenset())
    assert _asgi_call(guarded, [(b"host", b"localhost:8000")]) == (200, b"reached")
    status, body = _asgi_call(guarded, [])
    assert status == 421 and b"no Host header" in body
    status, body = _asgi_call(guarded, [(b"host", b"localhost"), (b"host", EVIL.encode())])
    assert status == 421 and b"2 Host headers" in body


# -- accepted ------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "LocalHost:1", "127.0.0.1", "127.0.0.1:8000",
                                  "127.9.8.7:65535", "[::1]", "[::1]:8000", "[0:0:0:0:0:0:0:1]:80"])
def test_loopback_names_with_and_without_a_port_are_accepted(client, host):
    r = client.get("/api/v1/me", headers={"host": host})
    assert r.status_code == 200 and r.json()["local_mode"] is True, (host, r.status_code, r.text[:300])


def test_loopback_hosts_reach_the_api_and_the_pages(client):
    r = client.post("/api/v1/recommendations", json=pilot(), headers={"host": "localhost:8000"})
    assert r.status_code == 201, r.text
    assert client.get("/", headers={"host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/log", headers={"host": "[::1]:8000"}).status_code == 200


@pytest.mark.parametrize("host", [ALLOWED_EXTRA, f"{ALLOWED_EXTRA}:8443", ALLOWED_EXTRA.upper()])
def test_a_name_the_operator_allowed_is_accepted(client, host):
    assert client.get("/api/v1/me", headers={"host": host}).status_code == 200
    assert client.get("/", headers={"host": host}).status_code == 200


def test_without_the_setting_only_loopback_names_pass(tmp_path):
    """The product has no exception for TestClient's 'testserver': it is refused unless allowed."""
    app = create_app(settings_for(tmp_path, workers=1, allowed_hosts=None))
    c = TestClient(app)        # no lifespan: nothing here needs an engine worker
    assert c.get("/api/v1/me").status_code == 421
    assert c.get("/api/v1/me", headers={"host": "localhost"}).status_code == 200
    app.state.store.close()


# -- token mode ----------------------------------------------------------------------
def test_with_tokens_the_host_is_not_checked_unless_hosts_are_named(tmp_path):
    """With tokens a token is the protection (a rebinding page has none: the browser sends the
    service's cookie only to the service's own name), so proxies with their own Host keep working;
    naming hosts turns the check on there too."""
    open_app = create_app(settings_for(tmp_path / "a", tokens=TOKENS_SPEC, workers=1, allowed_hosts=None))
    c = TestClient(open_app)
    assert c.get("/api/v1/me", headers={"host": EVIL, **auth("alice")}).status_code == 200
    assert c.get("/api/v1/me", headers={"host": EVIL}).status_code == 401
    open_app.state.store.close()
    named = create_app(settings_for(tmp_path / "b", tokens=TOKENS_SPEC, workers=1, allowed_hosts="cogov.example.org"))
    c = TestClient(named)
    assert c.get("/api/v1/me", headers={"host": EVIL, **auth("alice")}).status_code == 421
    assert c.get("/api/v1/me", headers={"host": "cogov.example.org", **auth("alice")}).status_code == 200
    assert c.get("/api/v1/me", headers={"host": "localhost:8000", **auth("alice")}).status_code == 200
    named.state.store.close()


# -- parsing and the setting -------------------------------------------------------------
@pytest.mark.parametrize("value,name", [
    ("localhost", "localhost"), ("LOCALHOST:8000", "localhost"), ("127.0.0.1:1", "127.0.0.1"),
    ("[::1]", "::1"), ("[0:0::1]:80", "::1"), ("cogov.lan", "cogov.lan"),
    ("::1", None), ("[::1", None), ("[127.0.0.1]", None), ("a:b", None), ("a:", None), ("a:123456", None),
    ("", None), ("a b", None), ("exa*mple.org", None), ("a/b", None)])
def test_host_name(value, name):
    assert host_name(value) == name


def test_allowed_hosts_are_canonical_names():
    assert parse_allowed_hosts(" Cogov.LAN, 192.168.1.5 [FE80::1] fe80::2,,") == {
        "cogov.lan", "192.168.1.5", "fe80::1", "fe80::2"}
    assert host_allowed("[fe80:0::1]:8000", parse_allowed_hosts("fe80::1"))
    assert not host_allowed("cogov.lan.evil.example.com", parse_allowed_hosts("cogov.lan"))


@pytest.mark.parametrize("value", ["*", "*.example.org", "cogov.lan:8000", "http://cogov.lan", "cogov.lan/x",
                                   "[cogov.lan]"])
def test_a_bad_allowed_host_is_refused_naming_the_variable(value):
    with pytest.raises(SettingsError, match="COGOV_ALLOWED_HOSTS"):
        Settings.from_env({"COGOV_ALLOWED_HOSTS": f"localhost,{value}"})
    assert Settings.from_env({"COGOV_ALLOWED_HOSTS": "a.example.org, b"}).allowed_host_names == {"a.example.org", "b"}
