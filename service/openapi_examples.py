"""The OpenAPI's examples, taken from a real run: `python -m service.openapi_examples` (or `make docs`).

It starts the service in local mode on a fresh decision log with the
shipped rule base, sends each operation a real request built from a pilot
context (examples/pilots/) or from the small rule base of the tests
(tests/fixtures/mini/), and writes each request and each answer, by
operation id and status, to service/openapi_examples.json, which
service/openapi.py puts in the document. Nothing is invented: where an
answer is long (the rule base's files, its rules, the catalogues, a diff),
the example keeps a real part of it and its summary says so. Ids, times and
hashes are those of this run.
"""
from __future__ import annotations

import copy
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION
from service.openapi import EXAMPLES_FILE
from service.settings import DEFAULT_RULES, Settings

REPO = Path(__file__).resolve().parents[1]
PILOT = REPO / "examples" / "pilots" / "athens.json"
OTHER_PILOT = REPO / "examples" / "pilots" / "genoa.json"
SMALL_RULES = REPO / "tests" / "fixtures" / "mini"
HOST = "examples.local"   # what the client below sends as Host (allowed explicitly, as an operator would)


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.y*ml")) if p.is_file()}


def _first(mapping: dict[str, Any], n: int = 1) -> dict[str, Any]:
    return dict(list(mapping.items())[:n])


FIRINGS_KEPT = 3
SHORTENED = f"explanations shortened to their first {FIRINGS_KEPT} firings"


def _short_explanations(node: Any) -> Any:
    """Every recommendation in `node` with its explanation's first firings only (and the sources they cite):
    a whole explanation lists every firing, tens of kilobytes per recommendation."""
    if isinstance(node, list):
        return [_short_explanations(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _short_explanations(value) for key, value in node.items()}
    explanation = out.get("explanation")
    if isinstance(explanation, dict) and "approach" in out and isinstance(explanation.get("firings"), list):
        kept = explanation["firings"][:FIRINGS_KEPT]
        cited = {key for firing in kept for key in firing.get("sources", ())}
        out["explanation"] = {**explanation, "firings": kept,
                              "sources": {k: v for k, v in explanation.get("sources", {}).items() if k in cited}}
    return out


class _Run:
    """One run of the service: each call records its request and answer under the operation id."""

    def __init__(self, client: Any):
        self.client, self.operations = client, {}

    def call(self, operation: str, method: str, path: str, body: Any = None, *, expect: int = 200,
             shorten: Callable[[Any], Any] | None = None, note: str = "", **params: Any) -> Any:
        r = self.client.request(method, path, params=params or None,
                                **({} if body is None else {"content": json.dumps(body).encode(),
                                                            "headers": {"Content-Type": "application/json"}}))
        if r.status_code != expect:
            raise SystemExit(f"{operation}: {method} {path} answered {r.status_code}, not {expect}: {r.text[:500]}")
        answer = r.json()
        entry = self.operations.setdefault(operation, {"responses": {}})
        shown = _short_explanations(shorten(copy.deepcopy(answer)) if shorten else answer)
        entry["responses"][str(expect)] = shown
        if body is not None:
            entry["request"] = body
        if note or shown != answer:
            entry["summary"] = "; ".join(filter(None, [note or "A real answer", SHORTENED if _short_explanations(
                answer) != answer else ""]))
        return answer


def record(run: _Run) -> None:
    """Every operation once, in an order that gives each its data."""
    pilot = json.loads(PILOT.read_text(encoding="utf-8"))
    other = json.loads(OTHER_PILOT.read_text(encoding="utf-8"))
    small = _files(SMALL_RULES)
    run.call("getHealth", "GET", "/healthz")
    run.call("getReadiness", "GET", "/readyz")
    run.call("getCurrentCaller", "GET", "/api/v1/me")
    made = run.call("createRecommendation", "POST", "/api/v1/recommendations", pilot, expect=201)
    run.client.post("/api/v1/recommendations", content=json.dumps(other).encode(),
                    headers={"Content-Type": "application/json"})
    decision = made["decision_id"]
    run.call("listDecisions", "GET", "/api/v1/decisions", limit=2)
    run.call("getDecision", "GET", f"/api/v1/decisions/{decision}")
    run.call("getExplanation", "GET", f"/api/v1/decisions/{decision}/explanation")
    technique = next(code for code in run.client.get("/api/v1/catalogue").json()["techniques"]
                     if code not in {t["code"] for t in made["techniques"]})
    run.call("explainWhyNot", "GET", f"/api/v1/decisions/{decision}/why-not", item=f"technique:{technique}")
    run.call("findWhatIf", "GET", f"/api/v1/decisions/{decision}/what-if", max_changes=1, limit=1)
    flipped = not pilot["decision"]["public_conflict_likely"]
    run.call("compareRecommendations", "POST", "/api/v1/recommendations/what-if",
             {"context": pilot, "changes": [{"field": "decision.public_conflict_likely", "value": flipped}]})
    run.call("getContextSchema", "GET", "/api/v1/schema/context")
    run.call("getCatalogue", "GET", "/api/v1/catalogue", shorten=lambda a: {
        k: (_first(v) if isinstance(v, dict) else v) for k, v in a.items()},
        note="A real answer, each catalogue shortened to its first entry")
    rules = run.call("listRules", "GET", "/api/v1/rules", shorten=lambda a: {**a, "rules": a["rules"][:2]},
                     note="A real answer, shortened to its first two rules")
    run.call("getRule", "GET", f"/api/v1/rules/{rules['rules'][0]['id']}")
    run.call("checkRuleBase", "POST", "/api/v1/rules/check", {"files": small},
             note="The small rule base of cogov's tests, checked")
    shipped = run.call("getActiveRuleBase", "GET", "/api/v1/rulebase")["version"]
    activated = run.call("activateRuleBase", "POST", "/api/v1/rulebase",
                         {"files": small, "note": "the small rule base, to try it"},
                         note="The small rule base of cogov's tests, activated")
    edited = dict(small)
    path = next(p for p in edited if p.startswith("policy/"))
    edited[path] = edited[path].replace("title: ", "title: (edited) ", 1)
    second = run.client.post("/api/v1/rulebase", content=json.dumps({"files": edited}).encode(),
                             headers={"Content-Type": "application/json"}).json()
    run.call("diffRuleBaseVersions", "GET", f"/api/v1/rulebases/{activated['version']}/diff/{second['version']}",
             shorten=lambda a: {**a, "files": [f for f in a["files"] if f["status"] != "same"] + [
                 next(f for f in a["files"] if f["status"] == "same")]},
             note="A real answer: the changed file, and one of the files that are the same")
    run.call("rollbackRuleBase", "POST", "/api/v1/rulebase/rollback",
             {"version": shipped, "note": "back to the shipped rule base"})
    run.call("getActiveRuleBase", "GET", "/api/v1/rulebase")
    run.call("listRuleBaseVersions", "GET", "/api/v1/rulebases")
    run.call("getRuleBaseVersion", "GET", f"/api/v1/rulebases/{activated['version']}",
             shorten=lambda a: {**a, "files": _first(a["files"])},
             note="A real answer, shortened to the first of its files")
    run.call("replayDecision", "POST", f"/api/v1/decisions/{decision}/replay",
             {"rulebase_version": activated["version"]},
             shorten=lambda a: {**a, "against": {**a["against"], "edits": {
                 **a["against"]["edits"], "rules": a["against"]["edits"]["rules"][:5]}}},
             note="The Athens pilot's decision replayed, and compared under the small rule base (its rule edits "
                  "shortened to the first five)")
    run.call("assessRuleImpact", "POST", "/api/v1/rules/impact", {"rulebase_version": activated["version"],
                                                                  "limit": 10},
             shorten=lambda a: {**a, "edits": [{**e, "rules": e["rules"][:5]} for e in a["edits"]]},
             note="What the small rule base would change in the two decisions of this run, its rule edits "
                  "shortened to the first five")
    _evidence(run, made)
    run.call("verifyLog", "GET", "/api/v1/audit/verify")


SYNTHETIC = "A synthetic evaluation (example data, marked synthetic: cogov ships no outcomes)"


def _evidence(run: _Run, made: dict[str, Any]) -> None:
    """Evaluations and the evidence (docs/EVIDENCE.md): one evaluation of the Athens pilot's decision, made up
    for the example and marked synthetic, and what the evidence and the export then say."""
    decision, used = made["decision_id"], [t["code"] for t in made["techniques"]][:3]
    group = next(p["stakeholder"] for p in made["participants"] if p.get("role") and not p.get("excluded"))
    role = next(p["role"] for p in made["participants"] if p.get("role") and not p.get("excluded"))
    run.call("recordOutcome", "POST", f"/api/v1/decisions/{decision}/outcomes", {
        "stage": "process", "evaluated_by": "independent", "techniques_used": used, "participants": 60,
        "groups": [{"stakeholder": group, "participants": 12, "population": 400}],
        "scores": {"representativeness": 3, "influence": 4, "transparency": 4}, "synthetic": True,
        "notes": "SYNTHETIC example evaluation"}, expect=201, note=SYNTHETIC)
    run.call("listOutcomes", "GET", f"/api/v1/decisions/{decision}/outcomes", note=f"{SYNTHETIC}, listed")
    few = {**{k: (lambda rows: rows[:2]) for k in ("techniques", "rules", "approaches", "roles")}}
    run.call("evidenceOverview", "GET", "/api/v1/evidence", shorten=lambda a: {
        k: (few[k](v) if k in few else v) for k, v in a.items()},
        note=f"The evidence after {SYNTHETIC.lower()}, each list shortened to its first two rows")
    for operation, path in (("techniqueEvidence", f"techniques/{used[0]}"),
                            ("ruleEvidence", f"rules/{made['techniques'][0]['because'][0]['rule']}"),
                            ("approachEvidence", f"approaches/{made['approach']['code']}"),
                            ("roleEvidence", f"roles/{role}")):
        run.call(operation, "GET", f"/api/v1/evidence/{path}", shorten=lambda a: {
            **a, "outcomes": {k: v for k, v in a["outcomes"].items() if k in ("overall", "influence")},
            "by_context": {k: v for k, v in a["by_context"].items() if k == "domain"}},
            note=f"The evidence after {SYNTHETIC.lower()}, its measures shortened to the overall and influence "
                 "scores and its context to the domain")
    run.call("exportEvaluations", "GET", "/api/v1/evidence/export", note=f"{SYNTHETIC}, exported")
    csv = run.client.get("/api/v1/evidence/export.csv").text
    run.operations["exportEvaluationsCsv"] = {"responses": {"200": csv}, "summary": f"{SYNTHETIC}, exported"}


def main(argv: list[str] | None = None) -> int:
    """Write service/openapi_examples.json (or the path given) from a real run."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    out = Path((argv or sys.argv[1:] or [str(EXAMPLES_FILE)])[0])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'log.db'}", rules_dir=DEFAULT_RULES,
                            workers=1, allowed_hosts=HOST)
        app = create_app(settings)
        with TestClient(app, base_url=f"http://{HOST}") as client:
            run = _Run(client)
            record(run)
            version = client.get("/api/v1/rulebase").json()["version"]
    document = {"source": f"A real answer of cogov {ENGINE_VERSION} (rule base {version}) to "
                          f"examples/pilots/{PILOT.name}", "operations": run.operations}
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: examples of {len(run.operations)} operations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
