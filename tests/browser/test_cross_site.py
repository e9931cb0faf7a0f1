"""A page on ANOTHER origin, in Debian's chromium, tries to write into a local-mode service's log (issue 13,
item 2): fetch in 'no-cors' mode with a Blob body (no Content-Type) and a string body (text/plain), fetch
with text/plain and with JSON (a preflight), and a form posted to the manager's page. None may log a
decision. The same page served from an origin listed in COGOV_ALLOWED_ORIGINS is the control: its JSON
fetch, preflight and all, logs exactly one decision and reads the answer, so a write that got through
would be seen. Screenshots of both pages go to test-artifacts/.
"""
from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .live_service import loopback_socket, running_service, url_of

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CONTEXT = json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>running</title>
<style>body {{ font: 16px sans-serif; margin: 2em; }} td {{ padding: .3em 1em; border-bottom: 1px solid #ccc; }}</style>
</head><body>
<h1>A page on {origin}</h1>
<p>It sends requests to the cogov service at <code>{service}</code>:</p>
<table id="out"></table>
<form id="form" method="post" action="{service}/evaluate" target="sink">
  <input type="hidden" name="action" value="evaluate"></form>
<iframe name="sink" style="width: 40em; height: 8em"></iframe>
<script>
const service = {service_json};
const url = service + "/api/v1/recommendations";
const body = JSON.stringify({context});
const results = {{}};
function show(name, value) {{
  results[name] = value;
  const row = document.createElement("tr");
  row.innerHTML = "<td></td><td></td>";
  row.cells[0].textContent = name;
  row.cells[1].textContent = value;
  document.getElementById("out").appendChild(row);
}}
async function attempt(name, init) {{
  try {{
    const r = await fetch(url, init);
    show(name, r.type === "opaque" ? "sent (opaque answer)" : "answered " + r.status + " " + (await r.text()).slice(0, 60));
  }} catch (e) {{
    show(name, "failed: " + e);
  }}
}}
(async () => {{
  await attempt("no-cors, Blob body (no Content-Type)", {{method: "POST", mode: "no-cors", body: new Blob([body])}});
  await attempt("no-cors, string body (text/plain)", {{method: "POST", mode: "no-cors", body}});
  await attempt("cors, text/plain", {{method: "POST", headers: {{"Content-Type": "text/plain"}}, body}});
  await attempt("cors, application/json (preflight)", {{method: "POST", headers: {{"Content-Type": "application/json"}}, body}});
  const sink = document.querySelector("iframe");
  await new Promise(done => {{ sink.onload = done; document.getElementById("form").submit(); }});
  show("form post to /evaluate", "posted");
  document.title = "done";
  window.results = results;
}})();
</script></body></html>
"""


def page_server(service: str) -> ThreadingHTTPServer:
    """A tiny web site on a loopback port of its own, serving the page above at / (the port is bound here,
    so no other process can take it between choosing and binding)."""
    page: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page[0])))
            self.end_headers()
            self.wfile.write(page[0])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    page.append(PAGE.format(origin=f"http://127.0.0.1:{server.server_port}", service=service,
                            service_json=json.dumps(service),
                            context=json.dumps(CONTEXT).replace("</", "<\\/")).encode())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The service (local mode, one allowed origin), an attacker's site and the allowed site."""
    sock = loopback_socket()         # bound first: the pages must name the service's address
    service = url_of(sock)
    attacker, allowed = page_server(service), page_server(service)
    try:
        with running_service(tmp_path_factory.mktemp("cross-site"), sock, log_level="info", COGOV_WORKERS="1",
                             COGOV_ALLOWED_ORIGINS=f"http://127.0.0.1:{allowed.server_port}") as (url, log):
            yield url, f"http://127.0.0.1:{attacker.server_port}", f"http://127.0.0.1:{allowed.server_port}", log
    finally:
        for server in (attacker, allowed):
            server.shutdown()
            server.server_close()


def logged(service: str) -> int:
    with urllib.request.urlopen(service + "/api/v1/audit/verify", timeout=10) as r:
        answer = json.load(r)
    assert answer["ok"] is True
    return answer["count"]


def run_page(browser, url: str, name: str) -> dict:
    context = browser.new_context(viewport={"width": 1100, "height": 700})
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function("document.title === 'done'", timeout=60_000)
    results = page.evaluate("window.results")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    return results


def test_a_page_on_another_origin_logs_nothing(browser, sites):
    service, attacker, _, log = sites
    before = logged(service)
    results = run_page(browser, attacker, "cross-site-attacker")
    assert logged(service) == before, results                        # not one decision got through
    assert results["no-cors, Blob body (no Content-Type)"] == "sent (opaque answer)"   # sent, as before
    assert results["cors, application/json (preflight)"].startswith("failed"), results
    # the requests reached the service and were refused there, by their Origin (the preflight too)
    access = log.read_text(encoding="utf-8", errors="replace")
    assert access.count('"POST /api/v1/recommendations HTTP/1.1" 403') >= 3, access[-3000:]
    assert '"OPTIONS /api/v1/recommendations HTTP/1.1" 403' in access, access[-3000:]
    assert '"POST /evaluate HTTP/1.1" 403' in access, access[-3000:]
    assert '"POST /api/v1/recommendations HTTP/1.1" 201' not in access


def test_the_same_page_on_an_allowed_origin_logs_its_json_request_only(browser, sites):
    service, _, allowed, log = sites
    before = logged(service)
    results = run_page(browser, allowed, "cross-site-allowed")
    assert results["cors, application/json (preflight)"].startswith("answered 201"), results
    assert results["cors, text/plain"].startswith("answered 415"), results      # readable: CORS allows it
    assert logged(service) == before + 1, results                               # that one, nothing else
    assert '"POST /evaluate HTTP/1.1" 403' in log.read_text(encoding="utf-8", errors="replace")   # not a page's
