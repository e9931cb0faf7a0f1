"""The OpenAPI document as an integrator's tools read it (issue 19, items 1-4 and 7).

A standard validator (openapi-spec-validator) and Redocly's recommended ruleset (@redocly/cli, pinned in
package.json, installed by `make test`) accept it; every operation is named, tagged, described and secured;
every schema and property is described in words for integrators, with no internal names; every error
answer is problem details; each operation documents the statuses it can give; and every request body and
2xx answer has an example that its own schema accepts.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from svc_helpers import REPO

PROBLEM = "application/problem+json"
REF = "#/components/schemas/"
# module or library names, the rule engine's process names, and Thomas's question codes have no place in a
# contract: an integrator can do nothing with them
INTERNAL = re.compile(r"\bservice\.[a-z_]|\bengine\.[a-z_]|durable[_ -]rules|engine worker|\bpydantic|\bfastapi"
                      r"|\bstarlette|sqlalchemy|alembic|psycopg|\bz3\b|middleware|\bpython\b"
                      r"|\b(?:QR|INFO|STRUCT|AR|AP|GC|CONF):", re.IGNORECASE)
REDOCLY = REPO / "node_modules" / ".bin" / "redocly"


@pytest.fixture(scope="module")
def spec(client) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def texts(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) of every description, summary and title in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary", "title") and isinstance(value, str):
                yield f"{where}/{key}", value
            elif key not in ("examples", "example"):
                yield from texts(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from texts(value, f"{where}/{i}")


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_redocly_recommended_ruleset_reports_no_error(spec, tmp_path):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the Redocly check needs them (the test target installs "
                    "@redocly/cli with npm ci when npm is there)")
    assert REDOCLY.exists(), "node_modules/.bin/redocly is missing: run `make test` (it runs npm ci)"
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}
    run = subprocess.run([str(REDOCLY), "lint", "--extends", "recommended", "--format", "json", str(path)],
                         capture_output=True, text=True, env=env, timeout=240)
    report = json.loads(run.stdout)
    errors = [f"{p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}" for p in report["problems"]
              if p["severity"] == "error"]
    assert not errors, "\n".join(errors)
    assert report["totals"]["errors"] == 0


def test_every_operation_is_named_tagged_described_and_secured(spec):
    ids, tags, wrong = [], {t["name"]: t for t in spec["tags"]}, []
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        ids.append(op.get("operationId"))
        if not re.fullmatch(r"[a-z][A-Za-z0-9]+", op.get("operationId", "")):
            wrong.append(f"{where}: operationId {op.get('operationId')!r} is not an explicit camelCase name")
        if not op.get("tags") or any(not tags.get(t, {}).get("description") for t in op["tags"]):
            wrong.append(f"{where}: no tag, or a tag not described in the document's tags")
        if not op.get("summary") or not op.get("description"):
            wrong.append(f"{where}: a summary and a description are needed")
        wanted = [{"bearerAuth": []}] if path.startswith("/api/") else \
            [{}, {"bearerAuth": []}] if path == "/readyz" else []
        if op.get("security") != wanted:
            wrong.append(f"{where}: security {op.get('security')}, expected {wanted}")
    assert not wrong, "\n".join(wrong)
    assert len(ids) == len(set(ids))
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert spec["servers"] and all(s["url"] for s in spec["servers"])
    assert "createRecommendation" in ids and "getDecision" in ids


def test_every_schema_and_property_is_described(spec):
    schemas, missing = spec["components"]["schemas"], []
    for name, schema in schemas.items():
        if not schema.get("description"):
            missing.append(name)
        for prop, sub in schema.get("properties", {}).items():
            target = sub.get("$ref", "").removeprefix(REF)
            if not sub.get("description") and not schemas.get(target, {}).get("description"):
                missing.append(f"{name}.{prop}")
    assert not missing, ("described neither in the model nor in service/openapi_docs.py:\n" + "\n".join(missing))


def test_no_internal_names(spec):
    found = [f"{where}: {m.group(0)!r} in {text[:120]!r}" for where, text in texts(spec)
             for m in [INTERNAL.search(text)] if m]
    assert not found, "\n".join(found)


def test_every_error_answer_is_problem_details(spec):
    schemas, wrong = spec["components"]["schemas"], []
    assert not {"HTTPValidationError", "ValidationError", "ErrorOut", "RefusalOut"} & set(schemas)
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            if int(status) < 400 or (path, status) == ("/readyz", "503"):   # readiness answers its checks
                continue
            if response.get("content") != {PROBLEM: {"schema": {"$ref": f"{REF}ProblemDetails"}}}:
                wrong.append(f"{method.upper()} {path} {status}: {response.get('content')}")
    assert not wrong, "\n".join(wrong)
    refs = json.dumps(schemas["ProblemDetails"])
    assert set(schemas["ProblemDetails"]["required"]) >= {"title", "status", "detail"} and "FieldError" in refs


def _can_be_invalid(op: dict[str, Any]) -> bool:
    """A body, or a parameter a request may get wrong (required, or constrained beyond "a string")."""
    if "requestBody" in op:
        return True
    for p in op.get("parameters", ()):
        bare = {k: v for k, v in p["schema"].items() if k not in ("title", "description")}
        if p["in"] != "path" and (p.get("required") or bare not in (
                {"type": "string"}, {"anyOf": [{"type": "string"}, {"type": "null"}]})):
            return True
    return False


def test_each_operation_documents_the_statuses_it_can_give(spec):
    wrong = []
    for path, method, op in operations(spec):
        have, want = set(op["responses"]), {"421"}
        if path.startswith("/api/"):
            want |= {"401"} | ({"403"} if path != "/api/v1/me" else set())
        if "requestBody" in op:
            want |= {"408", "413", "415", "422"}
        if "{" in path:
            want.add("404")
        if method == "post" and path.startswith("/api/"):
            want.add("403")   # a cross-site page's request, whatever the role
        if not want <= have:
            wrong.append(f"{method.upper()} {path}: missing {sorted(want - have)}")
        if ("422" in have) != _can_be_invalid(op):
            wrong.append(f"{method.upper()} {path}: 422 {'documented' if '422' in have else 'missing'}, though "
                         f"a request {'cannot' if '422' in have else 'can'} be invalid")
    assert not wrong, "\n".join(wrong)


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator of `schema` whose references resolve in the document's components."""
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]})


def test_every_body_and_every_2xx_answer_has_an_example_its_schema_accepts(spec):
    wrong = []
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        media = [("request", m) for m in op.get("requestBody", {}).get("content", {}).values()]
        media += [(status, m) for status, r in op["responses"].items() if status.startswith("2")
                  for m in r.get("content", {}).values()]
        for what, content in media:
            examples = content.get("examples") or {}
            if not examples:
                wrong.append(f"{where} {what}: no example (run `make docs` for service/openapi_examples.json)")
            for name, example in examples.items():
                problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:150]}"
                            for e in _validator(spec, content["schema"]).iter_errors(example["value"])][:3]
                if problems:
                    wrong.append(f"{where} {what} example {name} does not fit its schema (regenerate it with "
                                 f"`make docs`): {problems}")
                if not example.get("summary"):
                    wrong.append(f"{where} {what} example {name}: no summary saying where it comes from")
    assert not wrong, "\n".join(wrong)
