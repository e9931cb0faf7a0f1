"""The form is generated from the context schema (service/pages/forms.py)."""
from __future__ import annotations

import json
import types
import typing
from enum import Enum
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, create_model

from engine import validate_context
from engine.context import Decision, ProjectContext
from service.pages import forms

REPO = Path(__file__).resolve().parents[2]
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))


def _model_leaves(model: type[BaseModel], prefix: str = "") -> dict[str, typing.Any]:
    """Every leaf field of a pydantic model, walked from the models (not the JSON schema)."""
    out: dict[str, typing.Any] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        ann = info.annotation
        inner = ann
        if typing.get_origin(ann) in (typing.Union, types.UnionType):
            inner = next(a for a in typing.get_args(ann) if a is not type(None))
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.update(_model_leaves(inner, path))
        elif typing.get_origin(inner) is list and issubclass(typing.get_args(inner)[0], BaseModel):
            out.update(_model_leaves(typing.get_args(inner)[0], f"{path}[0]"))
        else:
            out[path] = info
    return out


def _enum_of(info) -> type[Enum] | None:
    for a in typing.get_args(info.annotation) or (info.annotation,):
        if isinstance(a, type) and issubclass(a, Enum):
            return a
    return None


def test_every_schema_field_has_a_form_field():
    leaves = _model_leaves(ProjectContext)
    form = forms.build_form()
    fields = {f.path: f for f in form.all_fields()}
    assert set(leaves) == set(fields), "form fields differ from the schema's leaves"
    for path, info in leaves.items():
        f = fields[path]
        assert f.description == info.description, path
        enum = _enum_of(info)
        if enum is not None:
            assert [v for v, _ in f.choices] == [m.value for m in enum], path
        assert f.required == (info.is_required() and not f.in_optional_row), path
        assert f.spec.required == info.is_required(), path


def test_required_flags_and_defaults_follow_the_schema():
    form = forms.build_form()
    fields = {f.path: f for f in form.all_fields()}
    assert fields["project.name"].required
    assert not fields["project.city"].required
    assert fields["project.domain"].value == "other"            # the schema's default
    assert fields["project.objective"].value == "efficiency"
    assert fields["decision.quality_requirement"].widget == "radio"      # required yes/no: no default answer
    assert fields["decision.quality_requirement"].value == ""
    assert fields["capacity.digital_platform_available"].widget == "checkbox"    # defaulted yes/no
    personal = fields["decision.uses_personal_data"]      # a decision's yes/no answer may also be unknown
    assert (personal.widget, personal.value) == ("radio", "false")
    assert personal.choices == [("true", "Yes"), ("false", "No"), ("unknown", "Don't know yet")]
    assert fields["public.size"].widget == "select" and fields["public.size"].required
    assert fields["stakeholders[0].id"].pattern is not None
    assert fields["notes"].widget == "textarea"


def test_a_field_added_to_the_schema_appears_in_the_form():
    Decision2 = create_model("Decision2", __base__=Decision,
                             budget_eur=(int | None, Field(None, description="Budget in euro.")),
                             openness=(typing.Literal["open", "closed"], Field(description="How open.")))
    Context2 = create_model("Context2", __base__=ProjectContext, decision=(Decision2, ...))
    spec = forms.spec_from_model(Context2)
    fields = {f.path: f for f in forms.build_form(forms.default_raw(spec), spec=spec).all_fields()}
    assert fields["decision.budget_eur"].widget == "number"
    assert fields["decision.budget_eur"].description == "Budget in euro."
    assert [v for v, _ in fields["decision.openness"].choices] == ["open", "closed"]
    assert fields["decision.openness"].required
    raw = forms.default_raw(spec)
    raw["decision"]["budget_eur"] = "1200"
    ctx, errors = forms.context_from_raw(raw, spec)
    assert not errors and ctx["decision"]["budget_eur"] == 1200


@pytest.mark.parametrize("pilot", PILOTS, ids=[p.stem for p in PILOTS])
def test_pilot_round_trips_through_the_form(pilot):
    data = json.loads(pilot.read_text(encoding="utf-8"))
    raw = forms.raw_from_context(data)
    ctx, errors = forms.context_from_raw(raw)
    assert errors == []
    assert validate_context(ctx) == validate_context(data)


def test_form_data_round_trips_to_the_raw_tree():
    data = json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))
    raw = forms.raw_from_context(data)
    submitted = {}
    for f in forms.build_form(raw).all_fields():
        if f.widget == "checkbox":
            if f.value == "true":
                submitted[f.path] = "true"
        else:
            submitted[f.path] = f.value
    submitted["stakeholders.__count"] = str(len(data["stakeholders"]))
    again, action = forms.parse_submission(submitted)
    assert action == forms.ACTION_EVALUATE
    assert again == raw


def test_add_and_remove_groups():
    raw = forms.default_raw()
    assert len(raw["stakeholders"]) == 1
    raw["stakeholders"][0]["name"] = "First"
    anchor = forms.apply_action(raw, "add:stakeholders")
    assert anchor == "f-stakeholders-1" and len(raw["stakeholders"]) == 2
    raw["stakeholders"][1]["name"] = "Second"
    forms.apply_action(raw, "add:stakeholders")
    raw["stakeholders"][2]["name"] = "Third"
    forms.apply_action(raw, "remove:stakeholders:1")
    assert [s["name"] for s in raw["stakeholders"]] == ["First", "Third"]
    forms.apply_action(raw, "remove:stakeholders:9")          # out of range: ignored
    forms.apply_action(raw, "remove:nothing:0")
    assert len(raw["stakeholders"]) == 2
    assert forms.apply_action(raw, "bogus") is None


def test_errors_land_on_their_fields():
    errors = [{"field": "project.name", "message": "too short"},
              {"field": "stakeholders[1].id", "message": "used twice"},
              {"field": "stakeholders[1]", "message": "odd group"},
              {"field": "stakeholders", "message": "too many"},
              {"field": "notes.project.city", "message": "too long"},
              {"field": "", "message": "whole context wrong"},
              {"field": "mystery.field", "message": "unknown field"}]
    raw = forms.default_raw()
    forms.apply_action(raw, "add:stakeholders")
    form = forms.build_form(raw, errors)
    fields = {f.path: f for f in form.all_fields()}
    assert fields["project.name"].errors == ["too short"]
    assert fields["stakeholders[1].id"].errors == ["used twice"]
    assert fields["notes"].errors == ["project.city: too long"]
    stakeholders = next(s for s in form.sections if s.path == "stakeholders")
    assert stakeholders.errors == ["too many"]
    assert stakeholders.items[1].errors == ["odd group"]
    assert form.unplaced == ["whole context wrong", "mystery.field: unknown field"]
    assert len(form.errors) == len(errors)


def test_empty_answers_are_left_out():
    ctx, errors = forms.context_from_raw(forms.default_raw())
    assert errors == []
    assert "quality_requirement" not in ctx["decision"]      # unanswered: the engine says "field required"
    assert "city" not in ctx["project"]                       # optional: absent, never ""
    assert ctx["project"]["domain"] == "other"
    assert ctx["decision"]["uses_personal_data"] is False


def test_notes_parse_and_dump():
    notes = {"project.city": "known: DOMAIN.md", "decision.urgency": "line one\nline two"}
    text = forms.dump_map(notes)
    assert forms.parse_map(text) == (notes, [])
    parsed, errors = forms.parse_map("no colon here\n: no key\nok: fine")
    assert parsed == {"ok": "fine"} and len(errors) == 2
    raw = forms.default_raw()
    raw["notes"] = "not a note"
    _, errors = forms.context_from_raw(raw)
    assert errors and errors[0]["field"] == "notes"


def test_html_pattern_escapes_class_hyphens():
    assert forms.html_pattern("^[a-z0-9][a-z0-9_-]{0,63}$") == "^[a-z0-9][a-z0-9_\\-]{0,63}$"
    assert forms.html_pattern("[-a]") == "[\\-a]"
    assert forms.html_pattern("a-b") == "a-b"
    assert forms.html_pattern(None) is None


def test_an_untouched_optional_row_means_none_and_a_half_filled_one_is_kept_for_validation():
    """A new group is shown with a blank co-production row: left blank it means "co-produces nothing"; filled in
    half it is kept, so validation names the missing field."""
    from service.pages import forms

    def child(spec, name):
        return next(c for c in spec.children if c.name == name)

    ctx = json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))
    raw = forms.raw_from_context(ctx)
    row_spec = child(child(forms.context_spec(), "stakeholders").item, "co_produces").item
    raw["stakeholders"][0]["co_produces"] = [forms.default_raw(row_spec)]
    out, errors = forms.context_from_raw(raw)
    assert errors == [] and out["stakeholders"][0]["co_produces"] == []
    validate_context(out)
    raw["stakeholders"][0]["co_produces"][0]["contributes"] = "time"
    out, errors = forms.context_from_raw(raw)
    assert out["stakeholders"][0]["co_produces"] == [{"contributes": "time"}]


def test_a_blank_optional_row_does_not_stop_the_browser_from_submitting():
    """The browser enforces `required`: on a field of an optional list's row it would refuse to send a form whose
    row is left blank, although a blank row means none. Fields of required rows (a stakeholder group's) keep it."""
    from service.pages import forms

    ctx = json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))
    form = forms.build_form(forms.raw_from_context(ctx) | {"stakeholders": [
        dict(forms.raw_from_context(ctx)["stakeholders"][0],
             co_produces=[forms.default_raw(next(c for c in next(
                 c for c in forms.context_spec().children if c.name == "stakeholders").item.children
                 if c.name == "co_produces").item)])]})
    fields = {f.path: f for f in form.all_fields()}
    assert fields["stakeholders[0].id"].required
    assert not fields["stakeholders[0].co_produces[0].activity"].required
    assert fields["stakeholders[0].co_produces[0].activity"].spec.required
