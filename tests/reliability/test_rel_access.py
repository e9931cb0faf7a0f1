"""Access: every route of the app, with each role and with no, unknown and expired tokens.

The routes are enumerated from the app itself, so a new endpoint is covered
automatically. Each must appear in ACCESS below with the roles allowed to use
it; a route missing from the table fails test_every_route_is_in_the_role_table
on purpose: decide who may call it, then add it.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import hash_token
from service.settings import Settings
from rel_helpers import MINI, TOKENS_SPEC, USERS, auth, pilot

PUBLIC = "public"
LOGIN = "login"      # public; answers 401 to wrong credentials (the form posted here has none)
M, A, W = "manager", "auditor", "author"
# (method, path) -> roles allowed, or PUBLIC (no token needed)
ACCESS: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/openapi.json"): PUBLIC, ("GET", "/docs"): PUBLIC, ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/docs/redoc"): PUBLIC, ("GET", "/docs/assets/{name}"): PUBLIC,      # offline (service/pages/docs.py)
    ("GET", "/healthz"): PUBLIC, ("GET", "/readyz"): PUBLIC,
    ("POST", "/api/v1/recommendations"): frozenset({M}),
    ("GET", "/api/v1/decisions"): frozenset({M, A}),
    ("GET", "/api/v1/decisions/{decision_id}"): frozenset({M, A}),
    ("GET", "/api/v1/decisions/{decision_id}/explanation"): frozenset({M, A}),   # the full explanation
    ("GET", "/api/v1/decisions/{decision_id}/why-not"): frozenset({M, A}),
    ("GET", "/api/v1/decisions/{decision_id}/what-if"): frozenset({M, A}),
    ("POST", "/api/v1/recommendations/what-if"): frozenset({M}),
    ("GET", "/api/v1/audit/verify"): frozenset({A}),
    ("GET", "/api/v1/rulebases"): frozenset({A, W}),
    ("GET", "/api/v1/rulebases/{version}"): frozenset({A, W}),
    ("GET", "/api/v1/rulebases/{a}/diff/{b}"): frozenset({A, W}),
    ("GET", "/api/v1/rulebase"): frozenset({A, W}),
    ("POST", "/api/v1/rulebase"): frozenset({W}),
    ("POST", "/api/v1/rulebase/rollback"): frozenset({W}),
    ("GET", "/api/v1/rules"): frozenset({A, W}),
    ("GET", "/api/v1/rules/{rule_id}"): frozenset({A, W}),
    ("POST", "/api/v1/rules/check"): frozenset({W}),
    ("POST", "/api/v1/decisions/{decision_id}/replay"): frozenset({A}),
    ("POST", "/api/v1/rules/impact"): frozenset({A, W}),
    ("GET", "/api/v1/catalogue"): frozenset({M, A, W}),
    ("GET", "/api/v1/schema/context"): frozenset({M, A, W}),
    ("GET", "/api/v1/me"): frozenset({M, A, W}),
    # evaluations of what happened (evaluators, not in USERS, may record any decision's) and the evidence
    ("POST", "/api/v1/decisions/{decision_id}/outcomes"): frozenset({M}),
    ("GET", "/api/v1/decisions/{decision_id}/outcomes"): frozenset({M, A}),
    ("GET", "/api/v1/evidence"): frozenset({M, A, W}),
    ("GET", "/api/v1/evidence/techniques/{code}"): frozenset({M, A, W}),
    ("GET", "/api/v1/evidence/rules/{rule_id}"): frozenset({M, A, W}),
    ("GET", "/api/v1/evidence/approaches/{code}"): frozenset({M, A, W}),
    ("GET", "/api/v1/evidence/roles/{code}"): frozenset({M, A, W}),
    ("GET", "/api/v1/evidence/export"): frozenset({M, A, W}),
    ("GET", "/api/v1/evidence/export.csv"): frozenset({M, A, W}),
    # pages: 401/403 pages instead of JSON errors
    ("GET", "/"): PUBLIC, ("GET", "/static/{name}"): PUBLIC,
    ("GET", "/language"): PUBLIC,            # the language switcher: sets a cookie, holds no data
    ("GET", "/login"): PUBLIC, ("POST", "/login"): LOGIN, ("POST", "/logout"): PUBLIC,
    ("GET", "/evaluate"): frozenset({M}), ("POST", "/evaluate"): frozenset({M}),
    ("GET", "/decisions/{decision_id}"): frozenset({M, A}),
    ("GET", "/decisions/{decision_id}/why-not"): frozenset({M, A}),
    ("GET", "/decisions/{decision_id}/what-if"): frozenset({M, A}),
    ("GET", "/decisions/{decision_id}/print"): frozenset({M, A}),
    ("GET", "/decisions/{decision_id}/report.pdf"): frozenset({M, A}),
    ("GET", "/decisions/{decision_id}/decision.json"): frozenset({M, A}),
    ("GET", "/log"): frozenset({A}), ("GET", "/log/{decision_id}"): frozenset({A}),
    ("GET", "/rules"): frozenset({M, A, W}), ("GET", "/rules/lint"): frozenset({W}),   # rules for everyone
    ("GET", "/rules/{rule_id}"): frozenset({M, A, W}),     # a rule's page is for everyone who reads advice
    ("GET", "/rules/versions"): frozenset({A, W}), ("GET", "/rules/diff"): frozenset({A, W}),
    ("POST", "/rules/versions/activate"): frozenset({W}), ("POST", "/rules/versions/rollback"): frozenset({W}),
    ("GET", "/rules/versions/rollback"): frozenset({W}), ("POST", "/log/verify"): frozenset({A, W}),
    ("POST", "/log/{decision_id}/replay"): frozenset({A}),
    ("GET", "/rules/impact"): frozenset({A, W}), ("POST", "/rules/impact"): frozenset({A, W}),
    ("GET", "/evidence"): frozenset({M, A, W}), ("GET", "/evidence/{kind}/{code}"): frozenset({M, A, W}),
    ("GET", "/decisions/{decision_id}/outcomes"): frozenset({M}),
    ("POST", "/decisions/{decision_id}/outcomes"): frozenset({M}),
}
EXPIRED = ("erin", "manager", "tok-rel-erin-expired-0123456789")
FUTURE = ("fred", "auditor", "tok-rel-fred-future-0123456789")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    now = datetime.now(timezone.utc)
    extra = [f"{EXPIRED[0]}:{EXPIRED[1]}:{hash_token(EXPIRED[2])}:{(now - timedelta(minutes=1)).isoformat()}",
             f"{FUTURE[0]}:{FUTURE[1]}:{hash_token(FUTURE[2])}:{(now + timedelta(days=30)).date().isoformat()}"]
    return create_app(Settings(database_url=f"sqlite:///{tmp / 'log.db'}", rules_dir=MINI, workers=1,
                               tokens=",".join([TOKENS_SPEC, *extra])))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="module")
def alices(client) -> dict:
    context = pilot("athens")
    context["project"]["name"] = "Alice's secret square"
    r = client.post("/api/v1/recommendations", json=context, headers=auth("alice"))
    assert r.status_code == 201, r.text
    return r.json()


def call(client, app, method: str, path: str, headers: dict, decision_id: str):
    """One request to a route, its path parameters filled with real values where there are any."""
    rb = app.state.activator.current.rulebase
    values = {"decision_id": decision_id, "version": rb.version, "a": rb.version, "b": rb.version,
              "rule_id": rb.rules[0].id, "name": "app.css"}
    url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)
    if method == "GET":
        return client.get(url, headers=headers)
    if path == "/api/v1/recommendations":
        return client.post(url, json=pilot("genoa"), headers=headers)
    return client.request(method, url, json={}, headers=headers)   # schema-invalid: nothing is changed


@pytest.fixture(scope="module")
def all_routes(app, h) -> list[tuple[str, str]]:
    return h.app_routes(app)


@pytest.fixture(scope="module")
def routes(all_routes) -> list[tuple[str, str]]:
    """The routes in the role table (all of them, once test_every_route_is_in_the_role_table passes)."""
    return [(m, p) for m, p in all_routes if (m, p) in ACCESS]


def test_every_route_is_in_the_role_table(all_routes):
    missing = [f"{m} {p}" for m, p in all_routes if (m, p) not in ACCESS]
    assert not missing, ("routes with no entry in tests/reliability/test_rel_access.py ACCESS (decide which roles "
                         f"may call each and add it): {missing}")


@pytest.mark.parametrize("user", sorted(USERS))
def test_each_role_on_every_route(client, app, alices, user, routes):
    role = USERS[user][0]
    wrong = []
    for method, path in routes:
        allowed = ACCESS[(method, path)]
        r = call(client, app, method, path, auth(user), alices["decision_id"])
        if allowed in (PUBLIC, LOGIN) or role in allowed:
            if r.status_code == 403 or r.status_code >= 500 or (r.status_code == 401 and allowed != LOGIN):
                wrong.append(f"{method} {path}: {r.status_code} for allowed role {role}")
        elif r.status_code != 403:
            wrong.append(f"{method} {path}: {r.status_code} for role {role}, expected 403")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("headers,why", [
    ({}, "missing API token"),
    ({"Authorization": "Bearer not-a-token"}, "unknown API token"),
    ({"Authorization": f"Bearer {EXPIRED[2]}"}, "expired API token"),
    ({"Cookie": f"cogov_token={EXPIRED[2]}"}, "expired API token"),
    ({"Authorization": "Basic YWxpY2U6eA=="}, "malformed Authorization header"),
], ids=["none", "unknown", "expired", "expired-cookie", "malformed"])
def test_no_valid_token_on_every_route(client, app, alices, headers, why, routes):
    wrong = []
    for method, path in routes:
        r = call(client, app, method, path, headers, alices["decision_id"])
        if ACCESS[(method, path)] in (PUBLIC, LOGIN):
            if r.status_code >= 500 or r.status_code == 403:
                wrong.append(f"{method} {path}: {r.status_code} on a public route")
        elif r.status_code != 401:
            wrong.append(f"{method} {path}: {r.status_code}, expected 401")
        elif path.startswith("/api/") and why not in r.json()["detail"]:
            wrong.append(f"{method} {path}: {r.json()['detail']!r} does not say {why!r}")
    assert not wrong, "\n".join(wrong)


def test_a_token_before_its_expiry_works(client):
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {FUTURE[2]}"})
    assert r.status_code == 200 and r.json()["name"] == "fred"


def test_no_route_reads_another_managers_decision(client, app, alices, routes):
    """bob (manager) gets nothing of alice's decision from any route that takes a decision id, nor from lists."""
    secret = "Alice's secret square"
    leaks = []
    for method, path in routes:
        r = call(client, app, method, path, auth("bob"), alices["decision_id"])
        if "{decision_id}" in path and r.status_code < 400:
            leaks.append(f"{method} {path}: {r.status_code}")
        if secret in r.text or secret.replace("'", "&#39;") in r.text:
            leaks.append(f"{method} {path}: body shows alice's project")
    assert not leaks, "\n".join(leaks)
    assert client.get(f"/api/v1/decisions/{alices['decision_id']}", headers=auth("alice")).status_code == 200


def test_no_route_alters_the_log(client, app, alices, routes, all_routes):
    """No route takes PUT, PATCH or DELETE; after every route was called by every role, alice's decision and
    the chain are as they were."""
    writes = [f"{m} {p}" for m, p in all_routes if m in ("PUT", "PATCH", "DELETE")]
    assert not writes
    before = app.state.store.get(alices["decision_id"])
    for path in ("/api/v1/decisions/{id}", "/api/v1/decisions", "/api/v1/audit/verify"):
        for method in ("PUT", "PATCH", "DELETE", "POST"):
            r = client.request(method, path.format(id=alices["decision_id"]), json={}, headers=auth("carol"))
            assert r.status_code == 405, (method, path, r.status_code)
    for user in USERS:
        for method, path in routes:
            if method == "POST":
                call(client, app, method, path, auth(user), alices["decision_id"])
    assert app.state.store.get(alices["decision_id"]) == before
    assert app.state.store.verify().ok


def test_security_headers_on_every_page_and_api_answer(client, app, alices, routes):
    missing = []
    for user in (*USERS, None):
        for method, path in routes:
            if method != "GET" or path.startswith("/docs"):
                continue
            r = call(client, app, method, path, auth(user) if user else {}, alices["decision_id"])
            want = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}
            if r.headers.get("content-type", "").startswith(("text/html", "application/json",
                                                             "application/problem+json")):
                want["content-security-policy"] = None
            for name, value in want.items():
                if name not in r.headers or (value and r.headers[name] != value):
                    missing.append(f"{user} {path} ({r.status_code}): {name}")
            csp = r.headers.get("content-security-policy", "")
            if "unsafe-inline" in csp or "unsafe-eval" in csp:
                missing.append(f"{user} {path}: unsafe CSP {csp}")
    assert not missing, "\n".join(missing)
