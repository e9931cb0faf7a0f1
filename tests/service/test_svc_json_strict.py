"""Every JSON body the API reads is strict JSON (engine/jsontext.py, service/api/common.py): a key given twice
is a 422 naming its path, and a body that is not UTF-8 is the same 422 on every route that reads a body.

Before, `{"quality_requirement": true, "quality_requirement": false}` was decided on `false` while the
raw context logged said both, and five POST routes answered a non-UTF-8 body with FastAPI's 400.
"""
from __future__ import annotations

import json

import pytest

from svc_helpers import auth, pilot

CONTEXT_ROUTE = "/api/v1/recommendations"     # reads its body itself (parse_context): the context's 422
TWICE = '"quality_requirement": true, "quality_requirement": false'


def body_routes(app, h) -> list[tuple[str, str, object]]:
    """(method, path, route) of every API route that reads a body model."""
    out = []
    for route in app.routes:
        for ctx in route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]:
            original = getattr(ctx, "original_route", ctx)
            if ctx.path.startswith("/api/") and getattr(original, "body_field", None) is not None:
                out.extend((m, ctx.path.replace("{decision_id}", "d-0"), original) for m in ctx.methods)
    assert {p for _, p, _ in out} >= {"/api/v1/rules/check", "/api/v1/rulebase", "/api/v1/rules/impact"}, out
    assert {m for m, _, _ in out} <= {m for m, _ in h.app_routes(app)}
    return out


def json_post(client, path: str, body: bytes, who: str = "alice"):
    return client.post(path, content=body, headers={**auth(who), "Content-Type": "application/json"})


def repeated(context: dict) -> bytes:
    text = json.dumps(context)
    assert text.count('"quality_requirement": false') == 1, "the pilot must state quality_requirement: false"
    return text.replace('"quality_requirement": false', TWICE).encode()


def test_a_context_with_a_key_twice_is_422_naming_it_and_nothing_is_logged(client, api_app):
    context = pilot("athens")
    context["decision"]["quality_requirement"] = False
    before = api_app.state.store.count()
    r = json_post(client, CONTEXT_ROUTE, repeated(context))
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "invalid context"
    assert r.json()["errors"] == [{"field": "decision.quality_requirement", "message": "duplicate key",
                                   "type": "duplicate_key"}]
    assert api_app.state.store.count() == before
    assert json_post(client, CONTEXT_ROUTE, json.dumps(context).encode()).status_code == 201   # once is fine


def test_every_repeated_key_of_a_context_is_named_with_its_list_index(client):
    text = json.dumps(pilot("athens"))
    text = text.replace('"power": ', '"power": "low", "power": ', 1).replace('"project": {', '"project": {"x": 1, "x": 1, ', 1)
    r = json_post(client, CONTEXT_ROUTE, text.encode())
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["project.x", "stakeholders[0].power"]


def test_every_route_reading_a_body_model_refuses_a_key_twice_naming_its_path(client, api_app, h):
    routes = body_routes(api_app, h)
    for method, path, _ in routes:
        r = client.request(method, path, content=b'{"a": 1, "b": [{"c": 2, "c": 3}], "a": 1}',
                           headers={**auth("dave"), "Content-Type": "application/json"})
        assert r.status_code == 422, (path, r.text)
        assert r.json()["detail"] == "invalid request", (path, r.text)
        assert r.json()["errors"] == [{"field": "body.a", "message": "duplicate key", "type": "duplicate_key"},
                                      {"field": "body.b[0].c", "message": "duplicate key",
                                       "type": "duplicate_key"}], (path, r.text)


def test_a_what_if_context_with_a_key_twice_is_not_answered_on_the_last_value(client):
    context = pilot("athens")
    context["decision"]["quality_requirement"] = False
    body = json.dumps({"context": context, "changes": [{"field": "public.size", "value": "small"}]})
    r = json_post(client, "/api/v1/recommendations/what-if", body.replace('"quality_requirement": false', TWICE)
                  .encode())
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.context.decision.quality_requirement"]


@pytest.mark.parametrize("body", [b'{"a": "\xff\xfe"}', '{"a": 1}'.encode("utf-16"), b"\xc3"],
                         ids=["latin-1", "utf-16", "cut-short"])
def test_an_undecodable_body_is_the_same_422_on_every_route_that_reads_one(client, api_app, h, body):
    routes = [("POST", CONTEXT_ROUTE)] + [(m, p) for m, p, _ in body_routes(api_app, h)]
    for method, path in routes:
        who = "alice" if path == CONTEXT_ROUTE else "dave"    # the context route reads its body after the role
        r = client.request(method, path, content=body, headers={**auth(who), "Content-Type": "application/json"})
        assert r.status_code == 422, (path, r.status_code, r.text)
        (error,) = r.json()["errors"]
        assert error["type"] == "invalid_encoding" and error["message"].startswith("the body is not UTF-8 text"), \
            (path, r.text)
        assert error["field"] == ("" if path == CONTEXT_ROUTE else "body"), (path, r.text)


def test_every_route_reading_a_body_model_reads_it_strictly(api_app, h):
    """A new router with body routes must be made with route_class=JsonBodyRoute, or FastAPI would read its
    bodies leniently (the last of two keys; a 400 for a body that is not UTF-8)."""
    from service.api.common import JsonBodyRoute
    loose = [path for _, path, route in body_routes(api_app, h) if not isinstance(route, JsonBodyRoute)]
    assert loose == []
