"""Requests from web pages of other sites (issue 13, item 2): service.http.OriginMiddleware, JsonBodyMiddleware.

A page on any site could POST a context with fetch(url, {method: 'POST', mode: 'no-cors', body}): no
Content-Type (or text/plain), an Origin that is not the service's, and in local mode the decision was
logged for good. Now every API POST must declare JSON (415), and an unsafe request (or a CORS
preflight) whose Origin is neither the service's own (scheme://host:port as the request reaches it) nor
one of COGOV_ALLOWED_ORIGINS is refused with 403 naming the Origin, on the API and the pages' form posts,
in local and token mode. CORS is answered for the allowed origins only.
"""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings, SettingsError
from svc_helpers import TESTCLIENT_HOST, TOKENS_SPEC, auth, pilot, settings_for

OWN = f"http://{TESTCLIENT_HOST}"            # the TestClient's requests reach the app as http://testserver
ALLOWED = "https://dash.example.org"
EVIL = "https://evil.example"
JSON = {"Content-Type": "application/json"}
CONTEXT = json.dumps(pilot("athens")).encode()
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_json_problem(r) -> bool:
    return r.headers["content-type"].split(";")[0] in ("application/json", "application/problem+json")


def unsafe_routes(app, h) -> list[tuple[str, str]]:
    routes = [(m, p.replace("{decision_id}", "d-0")) for m, p in h.app_routes(app) if m in UNSAFE_METHODS]
    assert ("POST", "/api/v1/recommendations") in routes and ("POST", "/evaluate") in routes, routes
    return routes


def state(app) -> tuple:
    """What an unsafe request could change: the log's decisions, the activations, the serving version."""
    store = app.state.store
    return store.count(), len(store.list_activations()), app.state.activator.current.version


@pytest.fixture(scope="module")
def cors_app(tmp_path_factory):
    """Token mode, with two origins allowed."""
    return create_app(settings_for(tmp_path_factory.mktemp("xsite-cors"), tokens=TOKENS_SPEC, workers=1,
                                   allowed_origins=f"{ALLOWED}, http://localhost:3000"))


@pytest.fixture(scope="module")
def cors_client(cors_app):
    with TestClient(cors_app, follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="module")
def local_app(tmp_path_factory):
    return create_app(settings_for(tmp_path_factory.mktemp("xsite-local"), workers=1))


@pytest.fixture(scope="module")
def local_client(local_app):
    with TestClient(local_app, follow_redirects=False) as c:
        yield c


# -- 415: the API reads declared JSON only -----------------------------------------------------------------

def test_an_api_post_without_a_content_type_is_415_and_nothing_is_logged(local_client, local_app, h):
    before = state(local_app)
    for method, path in unsafe_routes(local_app, h):
        if path.startswith("/api/"):
            r = local_client.request(method, path, content=CONTEXT)     # what fetch sends with a Blob body
            assert r.status_code == 415, (path, r.status_code, r.text[:300])
            assert is_json_problem(r) and "has no Content-Type" in r.json()["detail"], r.text
    for content_type in ("text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data"):
        r = local_client.post("/api/v1/recommendations", content=CONTEXT, headers={"Content-Type": content_type})
        assert r.status_code == 415 and "must be JSON" in r.json()["detail"], r.text
    r = local_client.post("/api/v1/recommendations", content=CONTEXT,
                          headers=[("Content-Type", "application/json"), ("Content-Type", "text/plain")])
    assert r.status_code == 415 and "2 Content-Type headers" in r.json()["detail"]
    assert state(local_app) == before


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON;charset=UTF-8", "application/vnd.cogov+json"])
def test_json_declared_any_way_is_read(local_client, content_type):
    r = local_client.post("/api/v1/recommendations", content=CONTEXT, headers={"Content-Type": content_type})
    assert r.status_code == 201, r.text


# -- 403: unsafe requests from another origin --------------------------------------------------------------

@pytest.mark.parametrize("mode", ["local", "tokens"])
def test_every_unsafe_route_refuses_another_origin_and_changes_nothing(mode, request, h):
    """Local mode, and token mode (conftest's api_app) with each route's role."""
    client, app = ((request.getfixturevalue("local_client"), request.getfixturevalue("local_app")) if mode == "local"
                   else (request.getfixturevalue("client"), request.getfixturevalue("api_app")))
    before = state(app)
    for origin in (EVIL, "null", "http://testserver:8080", "https://testserver", f"{OWN}.evil.example"):
        for method, path in unsafe_routes(app, h):
            api = path.startswith("/api/")
            headers = {"Origin": origin, **auth("carol" if "replay" in path else "alice" if "recommend" in path
                                                 else "dave"),
                       **(JSON if api else {"Content-Type": "application/x-www-form-urlencoded"})}
            r = client.request(method, path, content=CONTEXT if api else b"action=evaluate", headers=headers)
            assert r.status_code == 403, (mode, origin, method, path, r.status_code, r.text[:300])
            if api:
                assert is_json_problem(r) and f"the Origin '{origin}' is not this service's own origin" in \
                    r.json()["detail"], r.text
            else:
                assert r.headers["content-type"].startswith("text/html") and "Not allowed" in r.text and \
                    f"Origin &#39;{origin}&#39;" in r.text, r.text[:500]
    assert state(app) == before


def test_a_bearer_token_does_not_let_a_page_of_another_origin_post(client, api_app):
    before = state(api_app)
    r = client.post("/api/v1/recommendations", content=CONTEXT, headers={**auth("alice"), **JSON, "Origin": EVIL})
    assert r.status_code == 403 and state(api_app) == before
    r = client.post("/api/v1/recommendations", content=CONTEXT, headers={**auth("alice"), **JSON, "Origin": OWN})
    assert r.status_code == 201 and state(api_app)[0] == before[0] + 1


def test_two_origin_headers_are_refused(local_client, local_app):
    before = state(local_app)
    r = local_client.post("/api/v1/recommendations", content=CONTEXT,
                          headers=[("Content-Type", "application/json"), ("Origin", OWN), ("Origin", EVIL)])
    assert r.status_code == 403 and "2 Origin headers" in r.json()["detail"]
    assert state(local_app) == before


@pytest.mark.parametrize("origin", [OWN, f"{OWN}:80", "HTTP://TestServer"])
def test_the_services_own_origin_may_post(local_client, origin):
    r = local_client.post("/api/v1/recommendations", content=CONTEXT, headers={**JSON, "Origin": origin})
    assert r.status_code == 201, r.text


def test_a_request_without_origin_is_not_a_cross_site_one(local_client):
    assert local_client.post("/api/v1/recommendations", content=CONTEXT, headers=JSON).status_code == 201


def test_safe_methods_from_another_origin_are_answered_without_cors(cors_client):
    r = cors_client.get("/api/v1/rules", headers={**auth("dave"), "Origin": EVIL})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_the_pages_forms_keep_their_own_check(local_client, local_app):
    """A form post with no Origin but another site's Referer passes the Origin check (there is no Origin) and
    is still refused by the pages' own check (service.pages.access.same_origin)."""
    before = state(local_app)
    r = local_client.post("/evaluate", content=b"action=evaluate", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Referer": f"{EVIL}/attack.html"})
    assert r.status_code == 403 and "another site" in r.text
    assert state(local_app) == before


# -- CORS for the allowed origins only ---------------------------------------------------------------------

def test_an_allowed_origin_may_post_and_read_the_answer(cors_client, cors_app):
    before = cors_app.state.store.count()
    r = cors_client.post("/api/v1/recommendations", content=CONTEXT,
                          headers={**auth("alice"), **JSON, "Origin": ALLOWED})
    assert r.status_code == 201, r.text
    assert r.headers["access-control-allow-origin"] == ALLOWED and "Origin" in r.headers["vary"]
    assert "access-control-allow-credentials" not in r.headers      # a token, never the user's cookie
    assert cors_app.state.store.count() == before + 1


def test_a_preflight_is_answered_for_an_allowed_origin_only(cors_client):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    r = cors_client.options("/api/v1/recommendations", headers={**preflight, "Origin": ALLOWED})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in r.headers["access-control-allow-methods"]
    assert {h.strip() for h in r.headers["access-control-allow-headers"].lower().split(",")} >= {
        "authorization", "content-type"}
    r = cors_client.options("/api/v1/recommendations", headers={**preflight, "Origin": "http://localhost:3000"})
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    for origin in (EVIL, OWN, "null", "http://localhost:3001"):
        r = cors_client.options("/api/v1/recommendations", headers={**preflight, "Origin": origin})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers, (origin, r.text)
        assert "may not call this service across sites" in r.json()["detail"]


def test_without_allowed_origins_nothing_gets_cors(local_client):
    r = local_client.options("/api/v1/recommendations", headers={"Origin": ALLOWED,
                                                                 "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    r = local_client.post("/api/v1/recommendations", content=CONTEXT, headers={**JSON, "Origin": ALLOWED})
    assert r.status_code == 403


@pytest.mark.parametrize("spec", ["https://dash.example.org/", "dash.example.org", "https://*.example.org",
                                  "https://u@dash.example.org", "ftp://dash.example.org", "null"])
def test_an_allowed_origin_that_is_not_an_origin_stops_start_up_naming_it(spec):
    with pytest.raises(SettingsError, match=r"COGOV_ALLOWED_ORIGINS: .*is not an origin"):
        Settings.from_env({"COGOV_ALLOWED_ORIGINS": f"http://ok.example, {spec}"})


def test_allowed_origins_are_read_canonically():
    settings = Settings.from_env({"COGOV_ALLOWED_ORIGINS": "HTTPS://Dash.Example.org:443 http://[::1]:8000"})
    assert settings.allowed_origin_set == {("https", "dash.example.org", 443), ("http", "::1", 8000)}
