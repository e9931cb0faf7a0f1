"""Cross-site writes against a live `cogov serve` (issue 13, item 2): what a page on another origin can send.

In local mode every caller has every role, so before this a page on any site could log a decision for
good with fetch(url, {method: 'POST', mode: 'no-cors', body}); with tokens a page on a sibling origin
(another port of the same host) could through the cookie. Here the requests are made as the browser
makes them (the browser itself: tests/browser/test_cross_site.py), and the log must stay empty.
"""
from __future__ import annotations

import json

from rel_helpers import USERS, auth, free_port, pilot

CONTEXT = json.dumps(pilot()).encode()


def test_a_live_local_service_takes_no_write_from_another_origin(live):
    svc = live(COGOV_TOKENS="", COGOV_WORKERS="1")
    sibling = f"http://127.0.0.1:{free_port()}"        # another port of the same host: another origin
    with svc.client() as c:
        assert c.get("/healthz").json()["mode"] == "local"
        attempts = [
            ({"Origin": sibling}, 403),                                        # no-cors, a Blob body: no type
            ({"Origin": sibling, "Content-Type": "text/plain;charset=UTF-8"}, 403),   # no-cors, a string body
            ({"Origin": sibling, "Content-Type": "application/json"}, 403),   # would need CORS: refused anyway
            ({"Origin": "null", "Content-Type": "application/json"}, 403),    # a sandboxed frame, a data: URL
            ({"Origin": "http://evil.example", "Content-Type": "application/json"}, 403),
            ({}, 415),                                                        # no Origin, but no JSON either
            ({"Content-Type": "text/plain"}, 415),
        ]
        for headers, status in attempts:
            r = c.post("/api/v1/recommendations", content=CONTEXT, headers=headers)
            assert r.status_code == status, (headers, r.status_code, r.text[:300])
            if status == 403:
                assert f"the Origin '{headers['Origin']}' is not this service's own origin" in r.json()["detail"]
        r = c.post("/evaluate", content=b"action=evaluate",
                   headers={"Origin": sibling, "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
        r = c.options("/api/v1/recommendations", headers={"Origin": sibling, "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type"})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
        assert c.get("/api/v1/audit/verify").json()["count"] == 0            # nothing was logged

        own = svc.url                                                          # the service's own pages may
        r = c.post("/api/v1/recommendations", content=CONTEXT,
                   headers={"Origin": own, "Content-Type": "application/json"})
        assert r.status_code == 201, r.text
        assert c.get("/api/v1/audit/verify").json()["count"] == 1


def test_with_tokens_a_sibling_origin_cannot_post_through_the_cookie_and_allowed_origins_get_cors(live):
    dashboard = f"http://localhost:{free_port()}"
    svc = live(COGOV_WORKERS="1", COGOV_ALLOWED_ORIGINS=dashboard)
    sibling = f"http://127.0.0.1:{free_port()}"
    with svc.client() as c:
        cookie = {"Cookie": f"cogov_token={USERS['alice'][1]}", "Content-Type": "application/json"}
        r = c.post("/api/v1/recommendations", content=CONTEXT, headers={**cookie, "Origin": sibling})
        assert r.status_code == 403, r.text
        r = c.post("/api/v1/recommendations", content=CONTEXT, headers={**cookie, "Origin": svc.url})
        assert r.status_code == 201, r.text                                    # the same cookie, its own origin

        r = c.options("/api/v1/recommendations", headers={
            "Origin": dashboard, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == dashboard
        r = c.post("/api/v1/recommendations", content=CONTEXT,
                   headers={**auth("alice"), "Content-Type": "application/json", "Origin": dashboard})
        assert r.status_code == 201 and r.headers["access-control-allow-origin"] == dashboard
        assert c.get("/api/v1/audit/verify", headers=auth("carol")).json()["count"] == 2
