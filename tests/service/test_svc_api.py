"""The HTTP API: every endpoint, its status codes, and who may call it."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from service.app import LocalModeError, create_app
from svc_helpers import USERS, auth, pilot, settings_for

MANAGERS, AUDITORS, AUTHORS = {"alice", "bob"}, {"carol"}, {"dave"}
EVERYONE = set(USERS)
JSON = {"Content-Type": "application/json"}   # every API POST declares its body (415 otherwise)


@pytest.fixture(scope="module")
def decision(client) -> dict:
    """A decision alice made."""
    r = client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice"))
    assert r.status_code == 201, r.text
    return r.json()


def _call(client: TestClient, app, method: str, path: str, decision: dict, headers: dict):
    path = path.format(id=decision["decision_id"], version=app.state.activator.current.rulebase.version,
                       rule=app.state.activator.current.rulebase.rules[0].id)
    if path.endswith("/recommendations"):
        return client.post(path, json=pilot("genoa"), headers=headers)
    if path.endswith("/rules/check"):
        return client.post(path, json={"files": app.state.activator.current.rulebase.files}, headers=headers)
    return client.request(method, path, headers=headers)


# (method, path, roles allowed, success status)
ENDPOINTS = [
    ("POST", "/api/v1/recommendations", MANAGERS, 201),
    ("GET", "/api/v1/decisions", MANAGERS | AUDITORS, 200),
    ("GET", "/api/v1/decisions/{id}", {"alice"} | AUDITORS, 200),   # bob: not his, so 404
    ("GET", "/api/v1/audit/verify", AUDITORS, 200),
    ("GET", "/api/v1/rulebases", AUDITORS | AUTHORS, 200),
    ("GET", "/api/v1/rulebases/{version}", AUDITORS | AUTHORS, 200),
    ("GET", "/api/v1/rules", AUDITORS | AUTHORS, 200),
    ("GET", "/api/v1/rules/{rule}", AUDITORS | AUTHORS, 200),
    ("POST", "/api/v1/rules/check", AUTHORS, 200),
    ("GET", "/api/v1/catalogue", EVERYONE, 200),
    ("GET", "/api/v1/schema/context", EVERYONE, 200),
    ("GET", "/api/v1/me", EVERYONE, 200),
]


@pytest.mark.parametrize("method,path,allowed,ok", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
@pytest.mark.parametrize("user", sorted(USERS))
def test_each_role_on_each_endpoint(client, api_app, decision, method, path, allowed, ok, user):
    r = _call(client, api_app, method, path, decision, auth(user))
    if user in allowed:
        assert r.status_code == ok, r.text
    elif path == "/api/v1/decisions/{id}" and user in MANAGERS:
        assert r.status_code == 404, r.text        # another manager's decision does not exist for you
    else:
        assert r.status_code == 403, r.text
        assert USERS[user][0] in r.json()["detail"] and "role" in r.json()["detail"]


@pytest.mark.parametrize("method,path,allowed,ok", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
@pytest.mark.parametrize("headers,why", [
    ({}, "missing API token"),
    ({"Authorization": "Bearer not-a-token"}, "unknown API token"),
    ({"Authorization": "Basic YWxpY2U6eA=="}, "malformed Authorization header"),
    ({"Cookie": "cogov_token=not-a-token"}, "unknown API token"),
], ids=["missing", "unknown", "malformed", "bad-cookie"])
def test_no_valid_token_is_401(client, api_app, decision, method, path, allowed, ok, headers, why):
    r = _call(client, api_app, method, path, decision, headers)
    assert r.status_code == 401, r.text
    assert why in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_token_in_cookie_is_accepted(client):
    client.cookies.set("cogov_token", USERS["carol"][1])
    try:
        r = client.get("/api/v1/me")
    finally:
        client.cookies.clear()
    assert r.json() == {"name": "carol", "role": "auditor", "roles": ["auditor"], "local_mode": False}


def test_health_needs_no_token(client, api_app):
    assert client.get("/healthz").json() == {"status": "ok", "mode": "tokens"}
    r = client.get("/readyz")
    assert (r.status_code, r.json()) == (200, {"status": "ready"})   # the details are an auditor's (test_svc_readyz.py)
    checks = client.get("/readyz", headers=auth("carol")).json()["checks"]
    assert checks["rulebase"]["ok"] and checks["rulebase"]["version"] == api_app.state.activator.current.version
    assert checks["database"]["ok"] and checks["workers"]["ok"] and checks["workers"]["alive"] == 2


def test_readyz_is_503_when_the_database_is_unreachable(client, api_app, monkeypatch):
    from service.log import DatabaseError

    def down() -> None:
        raise DatabaseError("decision log database unreachable: test")
    monkeypatch.setattr(api_app.state.store, "ping", down)
    r = client.get("/readyz", headers=auth("carol"))
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == {"ok": False, "error": "decision log database unreachable: test"}


# -- POST /recommendations ---------------------------------------------------------
def test_recommendation_is_logged_with_the_context_as_received(client, api_app):
    context = pilot("genoa")
    raw = json.dumps(context, indent=3, ensure_ascii=True) + "\n  "
    r = client.post("/api/v1/recommendations?explain=full", content=raw.encode(), headers={**auth("alice"), **JSON})
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/decisions/{body['decision_id']}"
    assert body["created_at"].endswith("Z") and body["approach"]["code"] and body["explanation"]["firings"]
    stored = api_app.state.store.get(body["decision_id"])           # written before the response
    assert stored.context_raw == raw
    assert stored.recommendation == {k: v for k, v in body.items() if k not in ("decision_id", "created_at", "page")}
    assert stored.caller_name == "alice" and stored.caller_role == "manager"
    assert stored.rulebase_version == api_app.state.activator.current.rulebase.version == body["rulebase"]["version"]
    full = client.get(f"/api/v1/decisions/{body['decision_id']}", params={"explain": "full"},
                      headers=auth("carol")).json()
    assert full["context_raw"] == raw and full["context"] == context
    assert full["recommendation"]["approach"] == body["approach"]
    assert full["caller"] == {"name": "alice", "role": "manager"}
    assert set(full) >= {"decision_id", "seq", "created_at", "hash", "prev_hash", "rulebase_version",
                         "rulebase_digest", "engine_version", "fired_rules"}
    assert sum(full["fired_rules"].values()) == len(body["explanation"]["firings"])


def test_invalid_context_is_422_naming_each_field(client, api_app):
    before = api_app.state.store.count()
    context = pilot("athens")
    del context["project"]["name"]
    context["stakeholders"][1]["power"] = "enormous"
    context["public"]["colour"] = "blue"
    r = client.post("/api/v1/recommendations", json=context, headers=auth("alice"))
    assert r.status_code == 422
    fields = {e["field"]: e for e in r.json()["errors"]}
    assert set(fields) == {"project.name", "stakeholders[1].power", "public.colour"}
    assert fields["project.name"]["message"] == "field required"
    assert fields["public.colour"]["message"] == "unknown field"
    assert api_app.state.store.count() == before                     # nothing logged


@pytest.mark.parametrize("body,message", [
    (b'{"project": ', "invalid JSON at line 1 column 13"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "a context is a JSON object"),
    (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
    (b'{"n": ' + b"9" * 5000 + b"}", "invalid JSON: Exceeds the limit"),
])
def test_unreadable_body_is_422(client, body, message):
    r = client.post("/api/v1/recommendations", content=body, headers={**auth("alice"), **JSON})
    assert r.status_code == 422
    assert message in r.json()["errors"][0]["message"]


def test_body_over_the_limit_is_413(client):
    big = json.dumps({**pilot(), "notes": {f"n{i}": "x" * 1000 for i in range(80)}}).encode()
    assert len(big) > 64 * 1024
    r = client.post("/api/v1/recommendations", content=big, headers={**auth("alice"), **JSON})
    assert r.status_code == 413
    assert "larger than the limit of 65536 bytes" in r.json()["detail"]


def test_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(20):
            yield b" " * 4096
    r = client.post("/api/v1/recommendations", content=chunks(), headers={**auth("alice"), **JSON})
    assert r.status_code == 413


# -- GET /decisions ------------------------------------------------------------------
@pytest.fixture(scope="module")
def several(client) -> list[dict]:
    """Five more decisions: bob makes two, alice three, in a known order."""
    made = []
    for who, name in [("bob", "milan"), ("alice", "bremen"), ("bob", "athens"), ("alice", "malmo"),
                      ("alice", "palmela")]:
        r = client.post("/api/v1/recommendations?explain=full", json=pilot(name), headers=auth(who))
        assert r.status_code == 201, r.text
        made.append({**r.json(), "who": who, "pilot": name})
    return made


def _ids(client, query: str, user: str = "carol") -> list[str]:
    r = client.get(f"/api/v1/decisions{query}", headers=auth(user))
    assert r.status_code == 200, r.text
    return [d["decision_id"] for d in r.json()["items"]]


def test_list_is_newest_first_and_pages_with_a_cursor(client, several):
    everything = _ids(client, "?limit=200")
    assert everything[:5] == [d["decision_id"] for d in reversed(several)]
    first = client.get("/api/v1/decisions?limit=2", headers=auth("carol")).json()
    assert [d["decision_id"] for d in first["items"]] == everything[:2]
    second = client.get(f"/api/v1/decisions?limit=2&cursor={first['next_cursor']}", headers=auth("carol")).json()
    assert [d["decision_id"] for d in second["items"]] == everything[2:4]
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/decisions?limit=3" + (f"&cursor={cursor}" if cursor else ""),
                          headers=auth("carol")).json()
        seen += [d["decision_id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


def test_managers_list_only_their_own(client, several):
    items = client.get("/api/v1/decisions?limit=200", headers=auth("bob")).json()["items"]
    assert {d["caller"]["name"] for d in items} == {"bob"}
    bobs = [d["decision_id"] for d in items]
    assert bobs[:2] == [d["decision_id"] for d in reversed(several) if d["who"] == "bob"]
    alices = set(_ids(client, "?limit=200", "alice"))
    assert not alices & set(bobs)
    assert alices | set(bobs) == set(_ids(client, "?limit=200"))


def test_list_filters(client, api_app, several):
    mine = {d["decision_id"] for d in several}
    athens = {d["decision_id"] for d in several if d["pilot"] == "athens"}
    assert set(_ids(client, "?city=ATHENS&limit=200")) & mine == athens
    approach = several[0]["approach"]["code"]
    want = {d["decision_id"] for d in several if d["approach"]["code"] == approach}
    got = set(_ids(client, f"?approach={approach}&limit=200"))
    assert got & mine == want and all(client.get(f"/api/v1/decisions/{i}", headers=auth("carol"))
                                      .json()["approach"] == approach for i in got)
    assert set(_ids(client, f"?rulebase_version={api_app.state.activator.current.rulebase.version}&limit=200")) >= mine
    assert _ids(client, "?rulebase_version=sha256:0000000000000000") == []
    today = date.today()
    assert set(_ids(client, f"?date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"
                            "&limit=200")) >= mine
    assert _ids(client, f"?date_to={today - timedelta(days=2)}") == []
    assert _ids(client, f"?date_from={today + timedelta(days=2)}") == []
    created = several[2]["created_at"]
    after = set(_ids(client, f"?date_from={created}&limit=200"))
    assert after & mine == {d["decision_id"] for d in several[2:]}


def test_filter_by_rule_fired(client, several):
    rec = several[0]
    fired = rec["explanation"]["firings"][0]["rule"]
    with_rule = set(_ids(client, f"?rule={fired}&limit=200"))
    assert rec["decision_id"] in with_rule
    for d in several:
        assert (d["decision_id"] in with_rule) == any(f["rule"] == fired for f in d["explanation"]["firings"])
    assert _ids(client, "?rule=no.such_rule") == []


@pytest.mark.parametrize("query,field", [("?limit=0", "query.limit"), ("?limit=999", "query.limit"),
                                         ("?cursor=bogus", "query.cursor"), ("?date_from=yesterday",
                                                                             "query.date_from")])
def test_bad_list_query_is_422(client, query, field):
    r = client.get(f"/api/v1/decisions{query}", headers=auth("carol"))
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == field and error["message"]
    if "date" in field:
        assert error["message"].startswith("write a date")


def test_unknown_decision_is_404(client):
    r = client.get("/api/v1/decisions/00000000-0000-0000-0000-000000000000", headers=auth("carol"))
    assert r.status_code == 404 and "no decision" in r.json()["detail"]


def test_no_endpoint_alters_or_deletes_decisions(client, api_app, decision):
    paths = api_app.openapi()["paths"]
    methods = {m for ops in paths.values() for m in ops}
    assert methods <= {"get", "post"}
    posts = {p for p, ops in paths.items() if "post" in ops}
    # rulebase and rollback append rule base versions and activation records, never touch a decision;
    # replay and impact only read decisions and evaluate them again; outcomes append an evaluation of one
    assert posts == {"/api/v1/recommendations", "/api/v1/recommendations/what-if", "/api/v1/rules/check",
                     "/api/v1/rulebase", "/api/v1/rulebase/rollback", "/api/v1/decisions/{decision_id}/replay",
                     "/api/v1/rules/impact", "/api/v1/decisions/{decision_id}/outcomes"}
    for method in ("DELETE", "PUT", "PATCH"):
        r = client.request(method, f"/api/v1/decisions/{decision['decision_id']}", headers=auth("carol"))
        assert r.status_code == 405


# -- audit, rule bases ---------------------------------------------------------------
def test_audit_verify(client, several):
    r = client.get("/api/v1/audit/verify", headers=auth("carol")).json()
    assert r["ok"] is True and r["count"] >= len(several) and r["first_bad_id"] is None


def test_stored_rule_base_versions(client, api_app, decision):
    rb = api_app.state.activator.current.rulebase
    listed = client.get("/api/v1/rulebases", headers=auth("carol")).json()
    assert [v["version"] for v in listed] == [rb.version] and listed[0]["decisions"] >= 1
    stored = client.get(f"/api/v1/rulebases/{rb.version}", headers=auth("dave")).json()
    assert stored["files"] == rb.files
    record = client.get(f"/api/v1/decisions/{decision['decision_id']}", headers=auth("carol")).json()
    assert record["rulebase_digest"] == stored["digest"]
    assert client.get("/api/v1/rulebases/sha256:nope", headers=auth("carol")).status_code == 404


# -- rules, catalogue, schema --------------------------------------------------------
def test_rules_as_authored(client, api_app):
    rb = api_app.state.activator.current.rulebase
    body = client.get("/api/v1/rules", headers=auth("dave")).json()
    assert body["version"] == rb.version and body["rule_count"] == rb.rule_count == len(body["rules"])
    first = body["rules"][0]
    assert first["file"].startswith("policy/") and first["line"] >= 1 and first["when"] and first["then"]
    one = client.get(f"/api/v1/rules/{first['id']}", headers=auth("carol")).json()
    assert one == {**first, "rulebase_version": rb.version}
    text = rb.files[first["file"]].splitlines()
    assert first["id"] in text[first["line"] - 1]
    r = client.get("/api/v1/rules/no.such_rule", headers=auth("dave"))
    assert r.status_code == 404 and rb.version in r.json()["detail"]


def test_catalogue_and_schema(client, api_app):
    cat = client.get("/api/v1/catalogue", headers=auth("alice")).json()
    assert set(cat["techniques"]) == set(api_app.state.activator.current.rulebase.catalogue.techniques)
    assert cat["rulebase_version"] == api_app.state.activator.current.rulebase.version
    schema = client.get("/api/v1/schema/context", headers=auth("alice")).json()
    assert set(schema["required"]) >= {"project", "decision", "public", "stakeholders", "capacity"}


def test_check_candidate_rule_base(client, api_app):
    files = dict(api_app.state.activator.current.rulebase.files)
    ok = client.post("/api/v1/rules/check", json={"files": files}, headers=auth("dave")).json()
    assert ok == {"ok": True, "version": api_app.state.activator.current.rulebase.version,
                  "rule_count": api_app.state.activator.current.rulebase.rule_count, "strata": ok["strata"], "errors": []}
    files["policy/broken.yaml"] = "rules:\n  - id: broken.rule\n    title: Broken\n"
    bad = client.post("/api/v1/rules/check", json={"files": files}, headers=auth("dave")).json()
    assert bad["ok"] is False
    assert all(e["file"] == "policy/broken.yaml" and e["line"] == 2 and e["rule"] == "broken.rule"
               for e in bad["errors"])
    assert bad["errors"][0]["text"].startswith("policy/broken.yaml:2: [broken.rule]")


@pytest.mark.parametrize("path", ["../escape.yaml", "/abs.yaml", "policy/.hidden.yaml", "policy/x.txt"])
def test_check_refuses_paths_outside_the_rule_base(client, path):
    r = client.post("/api/v1/rules/check", json={"files": {path: "rules: []\n"}}, headers=auth("dave"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("body.files")


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/recommendations"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/ProjectContext"
    assert "Stakeholder" in spec["components"]["schemas"]
    assert set(spec["paths"]) >= {"/api/v1/decisions", "/api/v1/decisions/{decision_id}", "/api/v1/rules",
                                  "/api/v1/rules/{rule_id}", "/api/v1/catalogue", "/api/v1/schema/context",
                                  "/healthz", "/readyz"}


# -- local mode ----------------------------------------------------------------------
def test_local_mode_allows_everything_and_says_so(tmp_path):
    app = create_app(settings_for(tmp_path, workers=1))
    with TestClient(app) as c:
        assert c.get("/healthz").json()["mode"] == "local"
        r = c.post("/api/v1/recommendations", json=pilot())
        assert r.status_code == 201 and r.headers["x-cogov-mode"] == "local"
        assert c.get("/api/v1/audit/verify").json()["count"] == 1
        assert c.get("/api/v1/rules").status_code == 200
        me = c.get("/api/v1/me").json()
        assert me["local_mode"] is True and me["roles"] == ["auditor", "author", "evaluator", "manager"]
        record = c.get(f"/api/v1/decisions/{r.json()['decision_id']}").json()
        assert record["caller"] == {"name": "local", "role": "local"}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org"])
def test_local_mode_refuses_a_non_loopback_host(tmp_path, host):
    with pytest.raises(LocalModeError, match="refusing to listen"):
        create_app(settings_for(tmp_path, host=host))


def test_tokens_allow_any_host(tmp_path):
    from svc_helpers import TOKENS_SPEC
    app = create_app(settings_for(tmp_path, host="0.0.0.0", tokens=TOKENS_SPEC))
    assert not app.state.tokens.local_mode
    app.state.store.close()


def test_the_service_on_postgresql(tmp_path, pg_url):
    """The same code on PostgreSQL, by URL: decide, read back, verify."""
    from svc_helpers import TOKENS_SPEC
    app = create_app(settings_for(tmp_path, database_url=pg_url, tokens=TOKENS_SPEC, workers=1))
    with TestClient(app) as c:
        made = [c.post("/api/v1/recommendations", json=pilot(n), headers=auth("alice")).json()
                for n in ("athens", "genoa")]
        listed = c.get("/api/v1/decisions", headers=auth("carol")).json()["items"]
        assert [d["decision_id"] for d in listed] == [m["decision_id"] for m in reversed(made)]
        full = c.get(f"/api/v1/decisions/{made[0]['decision_id']}", headers=auth("alice")).json()
        assert full["context"] == pilot("athens") and full["recommendation"]["approach"] == made[0]["approach"]
        assert c.get("/api/v1/audit/verify", headers=auth("carol")).json() == {
            "ok": True, "count": 2, "first_bad_id": None, "first_bad_seq": None, "reason": None,
            "activations": 1, "first_bad_activation": None,
            "evaluations": 0, "first_bad_evaluation": None, "chain": None, "evaluation_id": None, "decision_id": None}
        assert c.get("/readyz", headers=auth("carol")).json()["checks"]["database"] == {"ok": True}


def test_a_context_the_rules_cannot_resolve_is_422_and_not_logged(tmp_path):
    import shutil

    from svc_helpers import MINI
    rules = tmp_path / "rules"
    shutil.copytree(MINI, rules)
    (rules / "policy" / "zz.yaml").write_text(
        "rules:\n  - id: zz.nothing_left\n    title: Nothing is feasible\n    rationale: Contradictory on purpose.\n"
        "    sources: [thomas1993]\n    when: project.domain == housing\n    then:\n      eliminate: [autonomous, "
        "modified_autonomous, segmented_consultation, unitary_consultation, public_decision]\n")
    app = create_app(settings_for(tmp_path, rules_dir=rules, workers=1))
    context = pilot()
    context["project"]["domain"] = "housing"
    with TestClient(app) as c:
        r = c.post("/api/v1/recommendations", json=context)
        assert r.status_code == 422 and r.json()["errors"] == []
        detail = r.json()["detail"]
        assert "cannot make a recommendation" in detail and "eliminated every approach" in detail
        assert app.state.store.count() == 0
        assert c.post("/api/v1/recommendations", json=pilot()).status_code == 201
