"""The service's seams: errors are mapped in one place (service.errors) into the API's JSON and the pages'
error page, and request-time state is read only where the app is built and where the dependencies are
defined (service.app, service.deps)."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from engine import ChangeError, ContextError, EngineError, ItemError, LoadError, ResolutionError, RuleBaseError
from service.app import create_app
from service.workers import WorkerFailure
from svc_helpers import REPO, settings_for

SERVICE = REPO / "service"
BAD_FIELD = {"field": "decision.quality_requirement", "message": "not one of the choices", "type": "enum"}
BAD_CHANGE = {"field": "changes[0].field", "message": "no such answer", "type": "value_error"}

# what a route raises -> (status, the API's JSON body, the page's heading)
RAISED: dict[str, tuple[Exception, int, dict[str, Any], str]] = {
    "context": (ContextError([BAD_FIELD]), 422, {"detail": "invalid context", "errors": [BAD_FIELD]},
                "Invalid context"),
    "item": (ItemError("unknown item kind 'colour'"), 422,
             {"detail": "unknown item kind 'colour'",
              "errors": [{"field": "query.item", "message": "unknown item kind 'colour'", "type": "value_error"}]},
             "Unknown item"),
    "change": (ChangeError([BAD_CHANGE]), 422, {"detail": "invalid changes", "errors": [BAD_CHANGE]},
               "Invalid changes"),
    "resolution": (ResolutionError("every approach was eliminated"), 422,
                   {"detail": "the rule base cannot make a recommendation for this context: every approach was "
                              "eliminated", "errors": []}, "No recommendation possible"),
    "rulebase": (RuleBaseError([LoadError("policy/x.yaml", 3, "unknown key 'whne'", "r1")]), 422,
                 {"detail": "invalid rule base", "errors": [{"field": "policy/x.yaml", "message": "unknown key 'whne'",
                                                             "type": "rule_base_error", "line": 3}]},
                 "Invalid rule base"),
    "engine": (EngineError("durable_rules aborted"), 500,
               {"detail": "the rules engine failed on this context: durable_rules aborted"}, "The rules engine failed"),
    "worker": (WorkerFailure("all 2 engine workers stayed busy for 10 s; retry", "busy"), 503,
               {"detail": "all 2 engine workers stayed busy for 10 s; retry"}, "The engine is unavailable"),
}


@pytest.fixture(scope="module")
def raising(tmp_path_factory) -> Iterator[TestClient]:
    """A local-mode app with one more API route and one more page that raise what they are told.
    No lifespan: nothing here needs an engine worker."""
    app = create_app(settings_for(tmp_path_factory.mktemp("seams")))

    async def raise_it(kind: str) -> None:
        raise RAISED[kind][0]

    app.add_api_route("/api/v1/raise/{kind}", raise_it)
    app.add_api_route("/raise/{kind}", raise_it, include_in_schema=False)
    try:
        yield TestClient(app)
    finally:
        app.state.store.close()


@pytest.mark.parametrize("kind", sorted(RAISED))
def test_an_error_raised_in_an_api_route_is_the_mapped_json(raising, kind):
    _, status, body, _ = RAISED[kind]
    r = raising.get(f"/api/v1/raise/{kind}")
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert r.json() == {"type": "about:blank", "title": r.reason_phrase if status != 422 else "Unprocessable Content",
                        "status": status, **body}   # RFC 9457 problem details
    assert (r.headers.get("retry-after") == "1") == (kind == "worker")


@pytest.mark.parametrize("kind", sorted(RAISED))
def test_the_same_error_raised_in_a_page_is_the_error_page(raising, kind):
    _, status, body, heading = RAISED[kind]
    r = raising.get(f"/raise/{kind}")
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]     # the pages' own policy
    for error in body.get("errors") or ():
        assert str(escape(error["message"])) in r.text                      # each problem is listed


def test_an_unknown_page_path_gets_the_error_page_and_an_unknown_api_path_json(raising):
    page = raising.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and "There is no page at this address." in page.text
    api = raising.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["detail"] == "Not Found" and api.json()["status"] == 404
    probe = raising.post("/healthz")
    assert probe.status_code == 405 and probe.json()["detail"] == "Method Not Allowed"
    assert probe.headers["content-type"] == "application/problem+json"


def test_a_page_given_a_bad_query_value_gets_the_error_page(raising):
    r = raising.get("/decisions/some-id/what-if", params={"max_changes": "many"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Invalid request</h1>" in r.text and "query.max_changes" in r.text


def _sources() -> Iterator[tuple[str, ast.AST]]:
    for path in sorted(SERVICE.rglob("*.py")):
        yield str(path.relative_to(REPO)), ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_app_state_is_read_only_by_the_app_factory_and_the_dependencies():
    """`<anything>.app.state` or `app.state`: the long-lived objects have one way in, service.deps."""
    readers = set()
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "state" and (
                    (isinstance(node.value, ast.Name) and node.value.id == "app")
                    or (isinstance(node.value, ast.Attribute) and node.value.attr == "app")):
                readers.add(name)
    assert readers == {"service/app.py", "service/deps.py"}


def test_exception_handlers_are_registered_in_one_module():
    """The API and the pages map errors in service.errors only: no other module registers a handler."""
    registering = set()
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("add_exception_handler", "exception_handler",
                                                                 "exception_handlers"):
                registering.add(name)
    assert registering == {"service/errors.py"}
