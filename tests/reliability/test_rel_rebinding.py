"""DNS rebinding against a live `cogov serve` in local mode (no tokens: every caller has every role).

A page on another site whose name is switched to 127.0.0.1 reaches the
service as that name: the browser connects to loopback and sends
`Host: <the other site>`. The real server must refuse it (421) on the API, the
pages and POST routes, and still answer loopback names and the names the
operator allowed (COGOV_ALLOWED_HOSTS). The connection here goes to
127.0.0.1, exactly as a rebound browser's would; only the Host differs.
"""
from __future__ import annotations

import socket

from rel_helpers import pilot

EVIL = "evil.example.com"


def _raw_get(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_live_local_service_refuses_a_foreign_host(live):
    svc = live(COGOV_TOKENS="", COGOV_WORKERS="1", COGOV_ALLOWED_HOSTS="cogov.lan")
    with svc.client() as c:
        assert c.get("/healthz").json()["mode"] == "local"          # really local mode
        for host in (EVIL, f"{EVIL}:{svc.port}"):
            r = c.get("/api/v1/decisions", headers={"Host": host})
            assert r.status_code == 421 and f"Host header '{host}' is not allowed" in r.json()["detail"], r.text
            r = c.get("/log", headers={"Host": host})
            assert r.status_code == 421 and r.headers["content-type"].startswith("text/html"), r.text[:300]
            assert "Wrong address" in r.text and "Local mode" not in r.text
            r = c.post("/api/v1/recommendations", json=pilot(), headers={"Host": host})
            assert r.status_code == 421, r.text
            r = c.post("/evaluate", content=b"action=evaluate", headers={
                "Host": host, "Origin": f"http://{host}", "Content-Type": "application/x-www-form-urlencoded"})
            assert r.status_code == 421, r.text[:300]
        # nothing got through: the log is empty
        assert c.get("/api/v1/audit/verify").json()["count"] == 0

        # the names a local user types, and the one the operator allowed, are served
        for host in ("localhost", f"localhost:{svc.port}", f"127.0.0.1:{svc.port}", "cogov.lan", "cogov.lan:80"):
            assert c.get("/api/v1/me", headers={"Host": host}).json()["local_mode"] is True, host
            assert c.get("/", headers={"Host": host}).status_code == 200, host
        assert c.post("/api/v1/recommendations", json=pilot(), headers={"Host": f"localhost:{svc.port}"}
                      ).status_code == 201
        assert c.get("/api/v1/audit/verify").json()["count"] == 1

    # HTTP/1.0 lets a client leave Host out: refused too
    answer = _raw_get(svc.port, b"GET /api/v1/me HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 421") and b"no Host header" in answer, answer[:300]
    assert svc.alive()
