"""405 answers name every method of their path (service.http.AllowHeaderMiddleware), and a body that does not
arrive in time is a 408 (BodyLimitMiddleware's deadline) before anything else runs.

The same against a real `cogov serve` with a raw socket, headers included: tests/reliability/test_rel_slow_clients.py.
"""
from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.http import BodyLimitMiddleware
from svc_helpers import settings_for


@pytest.fixture(scope="module")
def local_client(tmp_path_factory):
    with TestClient(create_app(settings_for(tmp_path_factory.mktemp("methods"), workers=1))) as c:
        yield c


def allow(r) -> set[str]:
    return {m.strip() for m in r.headers["allow"].split(",")}


def test_options_on_the_rule_base_lists_get_and_post(local_client):
    r = local_client.options("/api/v1/rulebase")
    assert r.status_code == 405 and allow(r) == {"GET", "POST"}, (r.status_code, r.headers.get("allow"))


def test_every_path_says_all_its_methods_in_a_405(local_client, h):
    """Allow lists the methods of every route whose path pattern matches the URL (GET /api/v1/rules/check is
    GET /api/v1/rules/{rule_id}), worked out here from the route table, not asked of the router."""
    routes = h.app_routes(local_client.app)
    patterns = [(m, re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$")) for m, p in routes]
    for path in sorted({p for _, p in routes}):
        url = re.sub(r"\{[^}]+\}", "x", path)
        taken = {m for m, pattern in patterns if pattern.match(url)}
        assert taken, path
        for method in ("OPTIONS", "DELETE"):
            r = local_client.request(method, url)
            assert r.status_code == 405, (method, path, r.status_code, r.text[:200])
            assert allow(r) - {"HEAD"} == taken, (method, url, r.headers.get("allow"), taken)


def _scope(method: str = "POST") -> dict:
    return {"type": "http", "method": method, "path": "/api/v1/recommendations", "headers": [
        (b"content-type", b"application/json"), (b"content-length", b"100")]}


def test_a_body_that_stops_arriving_is_408_before_the_app_runs():
    reached = []

    async def app(scope, receive, send):          # the routes, the token check, the engine: never reached
        reached.append(scope)

    sent: list[dict] = []
    parts = [{"type": "http.request", "body": b'{"project": ', "more_body": True}]

    async def receive():
        if parts:
            return parts.pop()
        await asyncio.Event().wait()               # the rest of the body never comes
        raise AssertionError("unreachable")

    async def send(message):
        sent.append(message)

    asyncio.run(asyncio.wait_for(BodyLimitMiddleware(app, limit=1024, timeout=0.2)(_scope(), receive, send), 30))
    assert reached == []
    start = sent[0]
    assert start["status"] == 408 and (b"connection", b"close") in start["headers"]
    assert b"did not arrive within 0.2 s" in sent[1]["body"]


def test_a_body_that_arrives_in_time_reaches_the_app_whole():
    got = []

    async def app(scope, receive, send):
        got.append(await receive())

    parts = [{"type": "http.request", "body": b"}", "more_body": False},
             {"type": "http.request", "body": b'{"a": 1', "more_body": True}]

    async def receive():
        await asyncio.sleep(0.01)
        return parts.pop()

    async def send(message):
        raise AssertionError(message)

    asyncio.run(BodyLimitMiddleware(app, limit=1024, timeout=30)(_scope(), receive, send))
    assert got == [{"type": "http.request", "body": b'{"a": 1}', "more_body": False}]
