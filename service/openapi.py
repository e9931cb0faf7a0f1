"""The OpenAPI document: the contract an integrator generates a client from.

FastAPI builds it from the routes and the models (service/schemas.py, the
engine's output models); this module adds what the routes cannot say: the
context's JSON Schema (the body is read raw), the Bearer security scheme on
every operation that needs a token, the servers, the tags, one error schema
(RFC 9457 problem details) for every 4xx and 5xx with the middlewares'
answers (service.http.document_error_bodies) and the 503 of every operation
that reads or writes the decision log, descriptions the engine's
models leave to their readers (service/openapi_docs.py), examples from a
real run (service/openapi_examples.json, `make docs` writes it), and no
schema nothing refers to. Built once per app, on the first request for it.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi

from engine.context import context_json_schema
from service.deps import get_store
from service.http import PROBLEM_JSON, document_error_bodies
from service.openapi_docs import DESCRIPTIONS, INTRODUCTION, TAGS

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
PROBLEM = "ProblemDetails"
SCHEMES = {"bearerAuth": {"type": "http", "scheme": "bearer", "description": (
    "An API token: `Authorization: Bearer <token>`. The operator makes one per person with `cogov tokens new "
    "NAME ROLE`; its role (manager, auditor or author) says what it may do. A service running without tokens "
    "(local mode, loopback only) takes every request as every role and needs none.")}}
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
LOG_UNAVAILABLE = ("The decision log's database cannot be reached now: retry after the "
                   "`Retry-After` seconds.")
_UNCONSTRAINED = ({"type": "string"}, {"anyOf": [{"type": "string"}, {"type": "null"}]})


def build_openapi(app: FastAPI):
    """`app.openapi`: the document, built on first use and kept."""
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract(app)
        return app.openapi_schema
    return build


def contract(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=INTRODUCTION, routes=app.routes,
                         servers=[{"url": "/", "description": "The service that serves this document."}])
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    context = context_json_schema(ref_template="#/components/schemas/{model}")
    for key in ("$schema", "$id"):   # an $id would change the base its components' references resolve against
        context.pop(key, None)
    for name, definition in context.pop("$defs", {}).items():
        schemas[name] = definition
    schemas["ProjectContext"] = context
    _context_by_reference(schemas, context["title"])
    components["securitySchemes"] = copy.deepcopy(SCHEMES)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            _security(path, operation)
            _problems(operation)
    document_error_bodies(schema)
    _log_unavailable(app, schema)
    _describe(schemas)
    _examples(schema, _load_examples())
    used = {t for ops in schema["paths"].values() for op in ops.values() for t in op.get("tags", ())}
    schema["tags"] = [tag for tag in TAGS if tag["name"] in used]
    _drop_unused(schema)
    return schema


def _context_by_reference(schemas: dict[str, Any], title: str) -> None:
    """A body model that holds a context unvalidated (its route validates it as POST /recommendations does)
    gets the context's schema inlined by pydantic: refer to the published one instead."""
    for definition in schemas.values():
        for name, prop in definition.get("properties", {}).items():
            if isinstance(prop, dict) and prop.get("title") == title and "$ref" not in prop:
                definition["properties"][name] = {"$ref": "#/components/schemas/ProjectContext",
                                                  "description": prop.get("description", "")}


def _security(path: str, operation: dict[str, Any]) -> None:
    """Every API operation needs a token; readiness takes one optionally (an auditor sees why); liveness none."""
    if path.startswith("/api/"):
        operation["security"] = [{"bearerAuth": []}]
    elif path == "/readyz":
        operation["security"] = [{}, {"bearerAuth": []}]
    else:
        operation["security"] = []


def _problems(operation: dict[str, Any]) -> None:
    """Every error answer as problem details; FastAPI's own 422 only where a request can be invalid (a body, a
    required or constrained parameter), described as this service answers it."""
    responses = operation.get("responses", {})
    fastapi_422 = _FASTAPI_422 in json.dumps(responses.get("422", {}))
    if fastapi_422 and not _can_be_invalid(operation):
        del responses["422"]
    elif fastapi_422:
        responses["422"]["description"] = "The request is not valid: `errors` names each bad field."
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        content = response.get("content")
        if content is None or any(ref in json.dumps(content) for ref in (_FASTAPI_422, f"/{PROBLEM}\"")):
            response["content"] = {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}}


def _log_unavailable(app: FastAPI, schema: dict[str, Any]) -> None:
    """A 503 on every operation whose route uses the decision log (service.deps.get_store): its database may
    be down. An operation that documents its own 503 keeps its words."""
    problem = {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}}
    for route in _api_routes(app):
        if not _uses_store(route.dependant):
            continue
        operations = schema["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is not None:
                operation.setdefault("responses", {}).setdefault(
                    "503", {"description": LOG_UNAVAILABLE, "content": copy.deepcopy(problem)})


def _api_routes(app: FastAPI) -> list[Any]:
    """The app's documented API routes (path_format, methods, dependant), however FastAPI nests the routers
    included (FastAPI >= 0.16x walks them with iter_route_contexts; before, app.routes held them flat)."""
    contexts = getattr(routing, "iter_route_contexts", None)
    found = contexts(app.routes) if contexts is not None else app.routes
    return [r for r in found
            if isinstance(getattr(r, "original_route", r), routing.APIRoute) and r.include_in_schema]


def _uses_store(dependant: Dependant) -> bool:
    return dependant.call is get_store or any(_uses_store(d) for d in dependant.dependencies)


def _can_be_invalid(operation: dict[str, Any]) -> bool:
    if "requestBody" in operation:
        return True
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == "path":
            continue
        bare = {k: v for k, v in parameter.get("schema", {}).items() if k not in ("title", "description")}
        if parameter.get("required") or bare not in _UNCONSTRAINED:
            return True
    return False


def _describe(schemas: dict[str, Any]) -> None:
    """The integrator's descriptions of schemas and properties the models leave undescribed (or describe for
    their developers): DESCRIPTIONS[schema][''] for the schema, [schema][property] for a property."""
    for name, texts in DESCRIPTIONS.items():
        definition = schemas.get(name)
        if definition is None:
            continue
        for prop, text in texts.items():
            if prop == "":
                definition["description"] = text
            elif prop in definition.get("properties", {}):
                definition["properties"][prop]["description"] = text


def _load_examples() -> dict[str, Any]:
    try:
        return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _examples(schema: dict[str, Any], examples: dict[str, Any]) -> None:
    """Each operation's example request body and answers, by operation id and status (from a real run)."""
    source = examples.get("source", "")
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            found = examples.get("operations", {}).get(operation.get("operationId"), {})
            if "request" in found and "requestBody" in operation:
                for media in operation["requestBody"].get("content", {}).values():
                    media["examples"] = {"pilot": {"summary": found.get("request_summary", source),
                                                   "value": found["request"]}}
            for status, value in found.get("responses", {}).items():
                response = operation.get("responses", {}).get(status)
                if response is None:
                    continue
                for media in response.get("content", {}).values():
                    media["examples"] = {"pilot": {"summary": found.get("summary", source), "value": value}}


def _drop_unused(schema: dict[str, Any]) -> None:
    """Remove component schemas nothing refers to (FastAPI's validation error models among them)."""
    schemas = schema["components"]["schemas"]
    prefix = "#/components/schemas/"

    def refs(node: Any) -> set[str]:
        found: set[str] = set()
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str) and ref.startswith(prefix):
                    found.add(ref[len(prefix):])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return found

    keep: set[str] = set()
    todo = refs(schema["paths"])
    while todo:
        name = todo.pop()
        if name in keep or name not in schemas:
            continue
        keep.add(name)
        todo |= refs(schemas[name]) - keep
    for name in list(schemas):
        if name not in keep:
            del schemas[name]
