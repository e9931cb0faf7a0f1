"""Docs generated from the schema must match the schema."""
from pathlib import Path

from engine.schemadoc import context_reference

ROOT = Path(__file__).resolve().parents[1]


def test_context_reference_is_generated_from_the_schema():
    on_disk = (ROOT / "docs" / "CONTEXT.md").read_text(encoding="utf-8")
    assert on_disk == context_reference(), "docs/CONTEXT.md is stale: run `make docs`"


def test_context_reference_lists_every_section_field():
    from engine.context import SECTION_MODELS, Stakeholder
    text = context_reference()
    for section, model in SECTION_MODELS.items():
        for name in model.model_fields:
            assert f"`{section}.{name}`" in text
    for name in Stakeholder.model_fields:
        assert f"`stakeholder.{name}`" in text
