"""Hostile input against a live service: each gets a clear 4xx within a bounded time, and the service
keeps serving with bounded memory.

Builds on tests/service/test_svc_api.py (unreadable bodies, body limit) and tests/test_yamlsource.py
(YAML tricks in the loader): here the same kinds of input go through a real `cogov serve` process,
together with the kinds those do not cover.
"""
from __future__ import annotations

import json

import pytest

from rel_helpers import MINI, auth, pilot

LIMIT = 2 * 1024 * 1024          # the body limit this service runs with: big enough for the lists below


def _stakeholders(n: int, same_id: bool = False) -> list[dict]:
    return [{"id": "dup" if same_id else f"s{i}", "name": f"Group {i}", "kind": "citizens", "power": "low",
             "interest": "high"} for i in range(n)]


def _with(**changes) -> bytes:
    context = pilot("athens")
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = context
        for p in parents:
            target = target[p]
        target[last] = value
    return json.dumps(context).encode()


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))

# id -> (body, content type, status, a phrase the error must contain)
CASES = {
    "deeply-nested": (b"[" * 200_000 + b"]" * 200_000, "application/json", 422, "nested too deeply"),
    "deep-object": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "application/json", 422, "nested too deeply"),
    "huge-string": (_with(project__name="x" * 1_500_000), "application/json", 422, "at most 200 characters"),
    "over-the-limit": (b'{"project": "' + b"x" * (LIMIT + 10) + b'"}', "application/json", 413, "larger than"),
    "thousands-of-stakeholders": (_with(stakeholders=_stakeholders(5000)), "application/json", 422,
                                  "at most 200 items"),
    "duplicate-stakeholder-ids": (_with(stakeholders=_stakeholders(3, same_id=True)), "application/json", 422,
                                  "used more than once"),
    "huge-list-of-notes": (_with(notes={f"k{i}": "n" for i in range(20_000)}), "application/json", None, None),
    "300-properties": (_with(decision={**pilot()["decision"], **{f"p{i}": True for i in range(300)}}),
                       "application/json", 422, "unknown field"),
    "mixed-types": (_with(stakeholders=[{**_stakeholders(1)[0], "power": 3, "legitimate": "yes"}]),
                    "application/json", 422, "stakeholders[0].power"),
    "null-bytes-and-surrogates": (b'{"project": {"name": "\\u0000\\ud800"}}', "application/json", 422, ""),
    "non-utf8": (b'{"project": {"name": "\xff\xfe"}}', "application/json", 422, "not UTF-8"),
    "utf16": ('{"project": {}}'.encode("utf-16"), "application/json", 422, "not UTF-8"),
    "huge-integer": (b'{"n": ' + b"9" * 100_000 + b"}", "application/json", 422, "invalid JSON"),
    "nan": (b'{"project": NaN}', "application/json", 422, ""),
    "form-encoded": (b"project=x", "application/x-www-form-urlencoded", 415, "must be JSON"),
    "text-plain": (json.dumps(pilot()).encode(), "text/plain", 415, "must be JSON"),
    "multipart": (b"--b\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b", 415, "must be JSON"),
    "empty": (b"", "application/json", 422, "invalid JSON"),
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from rel_helpers import LiveService
    tmp = tmp_path_factory.mktemp("hostile")
    svc = LiveService(tmp, f"sqlite:///{tmp / 'log.db'}", COGOV_MAX_BODY_BYTES=str(LIMIT)).start()
    yield svc
    svc.stop()


def rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_context_gets_a_clear_4xx_and_the_service_keeps_serving(service, case):
    body, content_type, status, phrase = CASES[case]
    with service.client(timeout=30) as c:    # a hang fails here (httpx timeout) rather than blocking the suite
        r = c.post("/api/v1/recommendations", content=body, headers={**auth("alice"), "Content-Type": content_type})
        if status is None:      # a valid context with many notes: accepted or refused, never a crash
            assert r.status_code in (201, 413, 422), r.text[:500]
        else:
            assert r.status_code == status, r.text[:500]
            text = json.dumps(r.json())
            assert phrase in text, text[:500]
        assert c.get("/healthz").status_code == 200
        ok = c.post("/api/v1/recommendations", json=pilot("genoa"), headers=auth("alice"))
        assert ok.status_code == 201, ok.text[:500]
    assert rss_mib(service.proc.pid) < 1024, "the service grew past 1 GiB"


def test_nothing_refused_was_logged(service):
    """Only the good decisions between the hostile ones are in the log, and it verifies."""
    with service.client() as c:
        items = c.get("/api/v1/decisions?limit=200", headers=auth("carol")).json()["items"]
        assert items and {d["project_name"] for d in items} == {pilot("genoa")["project"]["name"]}
        assert c.get("/api/v1/audit/verify", headers=auth("carol")).json()["ok"]


@pytest.mark.parametrize("name,text,phrase", [
    ("bomb.yaml", BOMB, "anchor"),
    ("tags.yaml", "rules:\n  - !!python/object/apply:os.system [echo pwned]\n", "tag"),
    ("on.yaml", "on: yes\nyes: no\nrules: []\n", ""),
    ("merge.yaml", "base: &b {x: 1}\nrules:\n  - <<: *b\n", ""),
    ("dup.yaml", "rules: []\nrules: []\n", "duplicate"),
])
def test_yaml_tricks_in_a_candidate_rule_base_are_load_errors(service, name, text, phrase):
    with service.client(timeout=30) as c:
        files = {str(p.relative_to(MINI)): p.read_text(encoding="utf-8") for p in MINI.rglob("*.yaml")}
        files[f"policy/{name}"] = text
        r = c.post("/api/v1/rules/check", json={"files": files}, headers=auth("dave"))
        assert r.status_code in (200, 422), r.text[:500]
        body = r.json()
        assert body.get("ok") is not True, body
        errors = json.dumps(body)
        assert name in errors and phrase.lower() in errors.lower(), errors[:800]
        assert c.get("/healthz").status_code == 200
