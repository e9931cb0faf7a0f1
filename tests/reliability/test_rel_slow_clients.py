"""Slow clients against a live `cogov serve` (COGOV_REQUEST_TIMEOUT=1), over raw sockets on loopback.

Before, a connection that never finished its request headers, or a body that never finished, was held
open for as long as the client liked, before any token check. Now the server closes a connection whose
headers have not all arrived within the limit (service.http.timed_h11_protocol) and answers 408 to a
body that has not (BodyLimitMiddleware), with no token needed to be refused, and keeps serving others.
Each test is bounded by its socket timeouts; nothing is asserted about how long anything took.
"""
from __future__ import annotations

import socket
import time

import pytest

from rel_helpers import auth, pilot

LIMIT = "1"          # seconds, COGOV_REQUEST_TIMEOUT
WAIT = 20.0          # the most any read here waits: far beyond the limit, and a bound on the test


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    from rel_helpers import LiveService
    tmp = tmp_path_factory.mktemp("slow")
    service = LiveService(tmp, f"sqlite:///{tmp / 'log.db'}", COGOV_REQUEST_TIMEOUT=LIMIT, COGOV_WORKERS="1").start()
    yield service
    service.stop()


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    s.settimeout(WAIT)
    return s


def read_until_closed(s: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout fails the test)."""
    chunks = []
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def still_serving(svc) -> None:
    with svc.client() as c:
        r = c.post("/api/v1/recommendations", json=pilot(), headers=auth("alice"))
        assert r.status_code == 201, r.text


def test_a_connection_that_sends_nothing_is_closed(svc):
    with connect(svc.port) as s:
        assert read_until_closed(s) == b""
    still_serving(svc)


def test_headers_that_never_finish_get_the_connection_closed_before_any_token_check(svc):
    with connect(svc.port) as s:
        s.sendall(b"POST /api/v1/recommendations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
        assert read_until_closed(s) == b""          # no answer at all: not even a 401
    still_serving(svc)


def test_headers_trickled_a_byte_at_a_time_do_not_keep_the_connection(svc):
    """Slowloris: a byte of header every 0.2 s, which no per-read timeout would ever catch."""
    request = b"GET /api/v1/rules HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Padding: " + b"a" * 1000
    sent = 0
    with connect(svc.port) as s:
        s.settimeout(0.2)
        closed = False
        deadline = time.monotonic() + WAIT
        while not closed and sent < len(request) and time.monotonic() < deadline:
            try:
                s.sendall(request[sent:sent + 1])
                sent += 1
                closed = s.recv(1) == b""
            except TimeoutError:
                continue                            # nothing from the server yet: go on trickling
            except (BrokenPipeError, ConnectionResetError):
                closed = True
        assert closed, f"still open after {sent} bytes of headers"
    assert sent < len(request)                      # closed while the headers were still coming
    still_serving(svc)


def test_a_body_that_never_finishes_is_answered_408_and_closed_without_a_token(svc):
    with connect(svc.port) as s:
        s.sendall(b"POST /api/v1/recommendations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + b'{"project": {')
        answer = read_until_closed(s)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert b"did not arrive within 1 s" in answer and b"connection: close" in answer.lower()
    still_serving(svc)


def test_many_stalled_connections_do_not_stop_the_service(svc):
    stalled = [connect(svc.port) for _ in range(20)]
    try:
        for i, s in enumerate(stalled):
            s.sendall(b"POST /api/v1/recommendations HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                      (b"Content-Type: application/json\r\nContent-Length: 900\r\n\r\n{" if i % 2 else b""))
        still_serving(svc)                          # answered while they all hang
        for i, s in enumerate(stalled):
            answer = read_until_closed(s)
            assert answer == b"" if i % 2 == 0 else answer.startswith(b"HTTP/1.1 408 "), (i, answer[:200])
    finally:
        for s in stalled:
            s.close()
    with svc.client() as c:
        assert c.get("/api/v1/audit/verify", headers=auth("carol")).json()["ok"] is True
