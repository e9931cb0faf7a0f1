"""The published context schema and the service give the same verdict on every context (issue 19, item 5).

The same contexts, valid, broken and at the edges (blank names, 200 characters plus trailing blanks, NUL,
a trailing newline in an id, cross-field rules), go to a standard JSON Schema validator (the `jsonschema`
package, Draft 2020-12) with the schema GET /api/v1/schema/context serves, and to POST
/api/v1/recommendations. What the schema cannot express is listed in its description and checked here as
the one difference.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from svc_helpers import PILOTS, pilot, settings_for

Edit = Callable[[dict[str, Any]], None]
SPACES = " \t\n\u00a0\u2003\u3000"


def _set(path: str, value: Any) -> Edit:
    def edit(ctx: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = ctx
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return edit


_DELETE = object()


def _stakeholders(n: int) -> Edit:
    def edit(ctx: dict[str, Any]) -> None:
        first = ctx["stakeholders"][0]
        ctx["stakeholders"] = [{**first, "id": f"g{i}", "co_produces": []} for i in range(n)]
    return edit


def _all(*edits: Edit) -> Edit:
    def edit(ctx: dict[str, Any]) -> None:
        for e in edits:
            e(ctx)
    return edit


# name -> (edit of the Athens pilot, expected verdict: True valid)
CASES: dict[str, tuple[Edit, bool]] = {
    "as given": (lambda ctx: None, True),
    "name with blanks around": (_set("project.name", f"{SPACES}Athens{SPACES}"), True),
    "name of 200 characters": (_set("project.name", "n" * 200), True),
    "name of 200 characters plus trailing blanks": (_set("project.name", "n" * 200 + "   \t"), True),
    "name of 200 characters between blanks": (_set("project.name", "  " + "n" * 199 + "m  "), True),
    "name of 200 astral characters": (_set("project.name", "\U0001F333" * 200), True),
    "name with inner blanks and newlines": (_set("project.name", "a  b\nc"), True),
    "name of one character": (_set("project.name", "x"), True),
    "name of an information separator (not white space here)": (_set("project.name", "\x1c"), True),
    "name starting with a byte order mark": (_set("project.name", "\ufeffx"), True),
    "city of blanks (a short text may be empty)": (_set("project.city", "   "), True),
    "city null": (_set("project.city", None), True),
    "note of 2000 characters": (_set("notes", {"project.name": "v" * 2000}), True),
    "200 stakeholders": (_stakeholders(200), True),
    "activities with their phase": (_all(_set("project.phase", "co_design"),
                                         _set("project.activities", ["co_design", "co_delivery"])), True),
    "a group co-producing in a stated activity": (_all(
        _set("project.phase", "co_delivery"), _set("project.activities", ["co_delivery"]),
        _set("stakeholders.0.co_produces", [{"activity": "co_delivery", "contributes": "time"}])), True),
    "a group co-producing in the phase (no activities)": (_all(
        _set("project.phase", "co_design"), _set("project.activities", None),
        _set("stakeholders.0.co_produces", [{"activity": "co_design"}])), True),
    # refused
    "blank name": (_set("project.name", SPACES), False),
    "empty name": (_set("project.name", ""), False),
    "name of 201 characters": (_set("project.name", "n" * 201), False),
    "name of 201 characters plus trailing blanks": (_set("project.name", "n" * 201 + "  "), False),
    "name of 201 astral characters": (_set("project.name", "\U0001F333" * 201), False),
    "NUL in a name": (_set("project.name", "Ath\x00ens"), False),
    "NUL after a name's trailing blanks": (_set("project.name", "Athens  \x00"), False),
    "NUL in a city": (_set("project.city", "\x00"), False),
    "NUL in a note's key": (_set("notes", {"a\x00": "v"}), False),
    "NUL in a note": (_set("notes", {"a": "v\x00"}), False),
    "note of 2001 characters": (_set("notes", {"a": "v" * 2001}), False),
    "note key of 201 characters": (_set("notes", {"k" * 201: "v"}), False),
    "201 notes": (_set("notes", {f"k{i}": "v" for i in range(201)}), False),
    "id with a trailing newline": (_set("stakeholders.0.id", "residents\n"), False),
    "id in capitals": (_set("stakeholders.0.id", "Residents"), False),
    "id of 65 characters": (_set("stakeholders.0.id", "r" * 65), False),
    "unknown field": (_set("project.colour", "blue"), False),
    "missing section": (_set("capacity", _DELETE), False),
    "missing answer": (_set("decision.quality_requirement", _DELETE), False),
    "yes as a string": (_set("decision.quality_requirement", "true"), False),
    "yes as 1": (_set("decision.quality_requirement", 1), False),
    "unknown choice": (_set("public.size", "huge"), False),
    "no stakeholders": (_set("stakeholders", []), False),
    "201 stakeholders": (_stakeholders(201), False),
    "an activity twice": (_all(_set("project.phase", None),
                               _set("project.activities", ["co_design", "co_design"])), False),
    "five activities": (_set("project.activities", ["co_design"] * 5), False),
    "phase not among the activities": (_all(_set("project.phase", "co_assessment"),
                                            _set("project.activities", ["co_design"])), False),
    "phase with no activities at all": (_all(_set("project.phase", "co_design"),
                                             _set("project.activities", [])), False),
    "a group co-producing outside the activities": (_all(
        _set("project.phase", "co_design"), _set("project.activities", ["co_design"]),
        _set("stakeholders.0.co_produces", [{"activity": "co_delivery"}])), False),
    "a group co-producing with no phase nor activities": (_all(
        _set("project.phase", None), _set("project.activities", None),
        _set("stakeholders.0.co_produces", [{"activity": "co_design"}])), False),
    "a context that is a list": (lambda ctx: ctx.clear(), False),
}
# the schema cannot say these (its description lists them); the service refuses them
UNEXPRESSED = {
    "duplicate stakeholder ids": (_all(_stakeholders(2), _set("stakeholders.1.id", "g0")), "stakeholder ids are "
                                                                                          "unique"),
}


def _context(edit: Edit) -> Any:
    ctx = pilot("athens")
    edit(ctx)
    return ctx if ctx else []


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path_factory.mktemp("schema"), workers=1))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def validator(service) -> jsonschema.Draft202012Validator:
    schema = service.get("/api/v1/schema/context").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _service_accepts(service: TestClient, context: Any) -> bool:
    """The service's verdict: a 422 "invalid context" refuses; a recommendation, or a 422 saying the rules
    cannot make one for this (valid) context, accepts."""
    r = service.post("/api/v1/recommendations", content=json.dumps(context).encode(),
                     headers={"Content-Type": "application/json"})
    assert r.status_code in (201, 422), r.text
    return r.status_code == 201 or r.json()["detail"] != "invalid context"


def test_the_schema_identifies_itself_and_says_what_it_cannot_express(validator):
    schema = validator.schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:cogov:")
    for words in ("stakeholder ids are unique", "262144 bytes", "no key appears twice", "trimmed"):
        assert words in schema["description"], words


@pytest.mark.parametrize("case", sorted(CASES))
def test_schema_and_service_agree(service, validator, case):
    edit, valid = CASES[case]
    context = _context(edit)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(context)]
    assert (not errors) == valid, f"the schema says {'valid' if not errors else errors}, expected {valid}"
    assert _service_accepts(service, context) == valid


@pytest.mark.parametrize("case", sorted(UNEXPRESSED))
def test_what_the_schema_cannot_express_is_said_and_refused(service, validator, case):
    edit, words = UNEXPRESSED[case]
    context = _context(edit)
    assert validator.is_valid(context) and words in validator.schema["description"]
    assert not _service_accepts(service, context)


@pytest.mark.parametrize("name", sorted(p.stem for p in PILOTS.glob("*.json")))
def test_every_pilot_is_valid_under_the_schema(validator, name):
    assert validator.is_valid(pilot(name))


def test_the_openapi_refers_to_the_same_schema(service):
    """The OpenAPI's ProjectContext is the served schema, minus $schema/$id (which would change how its
    references resolve) and with its references into the OpenAPI's components."""
    served = service.get("/api/v1/schema/context").json()
    components = service.get("/openapi.json").json()["components"]["schemas"]
    published = copy.deepcopy(components["ProjectContext"])
    assert {k: v for k, v in served.items() if k not in ("$schema", "$id", "$defs")} == \
        json.loads(json.dumps(published).replace("#/components/schemas/", "#/$defs/"))
    for name, definition in served["$defs"].items():
        assert json.loads(json.dumps(components[name]).replace("#/components/schemas/", "#/$defs/")) == definition
