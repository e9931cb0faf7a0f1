"""Plain words from one source (issue 15, item 2): every code a manager may meet has a label and a one-line
explanation in the shipped catalogue, and the words are looked up, not invented, by engine/words.py."""
from __future__ import annotations

from enum import Enum

import pytest

from engine import load_rulebase, load_rulebase_files
from engine.approaches import APPROACHES, STRATEGIES
from engine.catalogue import TERMS_FILE
from engine.context import SECTION_MODELS, CoProduction, IAP2Level, ProjectContext, Stakeholder, field_enum
from engine.errors import RuleBaseError
from engine.words import ITEM_KINDS, Words, field_vocabulary, vocabulary_name


@pytest.fixture(scope="module")
def shipped(h):
    return load_rulebase(h.SHIPPED_RULES)


def _field_paths() -> list[tuple[str, type, str]]:
    """Every field of the context as rules and pages name it: section.field, stakeholder.field, co_produces.field."""
    models = {**SECTION_MODELS, "stakeholder": Stakeholder, "co_produces": CoProduction}
    return [(f"{prefix}.{name}", model, name) for prefix, model in models.items() for name in model.model_fields]


def test_every_catalogue_entry_has_a_label_and_an_explanation(shipped):
    missing = []
    for kind in ITEM_KINDS.values():
        for code, entry in getattr(shipped.catalogue, kind).items():
            explanation = entry.description or getattr(entry, "message", None)
            if not entry.label.strip() or not (explanation or "").strip():
                missing.append(f"{kind}:{code}")
    assert missing == []


def test_every_warning_says_what_to_do(shipped):
    """The plan turns each warning into an action: the catalogue gives it in one sentence."""
    assert [code for code, w in shipped.catalogue.warnings.items() if not w.action] == []


def test_every_field_and_section_of_the_context_has_words(shipped):
    terms = shipped.catalogue.terms
    wanted = [path for path, _, _ in _field_paths()] + list(ProjectContext.model_fields)
    wanted += ["stakeholder.contributes"]     # a fact rules read, beside the field co_produces
    assert [p for p in wanted if p not in terms.fields] == []
    assert all(t.description.strip() and t.label.strip() for t in terms.fields.values())


def test_every_option_of_every_field_has_a_label(shipped):
    """Walks the context schema: each enum value of each field, and yes/no of each boolean, has a label."""
    options = shipped.catalogue.terms.options
    missing = []
    for path, model, name in _field_paths():
        kind, enum = field_enum(model, name)
        vocabulary = field_vocabulary(path)
        if kind == "bool":
            values = ["yes", "no"]
        elif enum is not None:
            values = [m.value for m in enum]
        else:
            continue
        if vocabulary == "levels":
            known = shipped.catalogue.terms.levels
        else:
            known = options.get(vocabulary or "", {})
        missing += [f"{path}={v} ({vocabulary})" for v in values if v not in known]
    assert missing == []


def test_approaches_levels_and_strategies_have_words(shipped):
    terms = shipped.catalogue.terms
    assert [a.code for a in APPROACHES if a.code not in terms.approaches] == []
    assert [lvl.value for lvl in IAP2Level if lvl.value not in terms.levels] == []
    assert [s for s in (*STRATEGIES, "preferred", "default") if s not in terms.strategies] == []


def test_vocabulary_names_follow_the_enums():
    class PublicSize(Enum):
        small = "small"
    assert vocabulary_name(PublicSize) == "public_size"
    assert vocabulary_name(IAP2Level) == "levels"
    assert field_vocabulary("decision.quality_requirement") == "answer"
    assert field_vocabulary("project.activities") == "phase"
    assert field_vocabulary("stakeholder.contributes") == "contribution"
    assert field_vocabulary("project.name") is None


def test_values_read_as_words(shipped):
    w = Words(shipped.catalogue)
    assert w.value("public.size", "city_wide") == "The whole city"
    assert w.value("decision.quality_requirement", False) == "No"
    assert w.value("decision.quality_requirement", "unknown") == "Don't know yet"
    assert w.value("project.activities", ["co_design", "co_delivery"]).startswith("Designing the service")
    assert w.value("project.city", None) == "not given"
    assert w.value("approach.code", "public_decision") == "You and the public decide together"
    assert w.field("decision.public_conflict_likely") == "Conflict in the public"
    assert "efficiency" in w.policy("least_involving (preference of thomas.choice_time_efficient)")
    assert "least_involving" not in w.policy("least_involving (default: no preference rule fired)")


def test_a_rule_base_without_terms_falls_back_to_readable_codes(h):
    w = Words(load_rulebase(h.MINI).catalogue)
    assert w.value("public.size", "city_wide") == "city wide"
    assert w.value("decision.quality_requirement", True) == "Yes"
    assert w.approach("public_decision") == "Public decision"       # engine/approaches.py's label


def test_terms_file_is_part_of_the_rule_base_and_checked(h):
    files = {p.relative_to(h.MINI).as_posix(): p.read_text() for p in h.MINI.rglob("*.yaml")}
    plain = load_rulebase_files(files)
    worded = load_rulebase_files({**files, TERMS_FILE: "levels:\n  - {code: inform, label: Inform, "
                                                        "description: Keep them informed.}\n"})
    assert worded.version != plain.version and TERMS_FILE in worded.files
    assert Words(worded.catalogue).level("inform") == "Inform"
    with pytest.raises(RuleBaseError) as bad:
        load_rulebase_files({**files, TERMS_FILE: "levels:\n  - {code: inform, label: Inform}\n"})
    assert any(e.file == TERMS_FILE and e.line == 2 and "description" in e.message for e in bad.value.errors)
    with pytest.raises(RuleBaseError) as twice:
        load_rulebase_files({**files, TERMS_FILE: "levels:\n  - {code: inform, label: A, description: B.}\n"
                                                  "  - {code: inform, label: C, description: D.}\n"})
    assert any("given twice" in e.message for e in twice.value.errors)


def test_conditions_read_as_sentences(shipped):
    from engine.words import condition_words
    w = Words(shipped.catalogue)
    tree = condition_words(w, {"all": ["decision.quality_requirement", "not capacity.prior_coproduction_experience",
                                       "public.size >= large", "project.activities contains co_delivery",
                                       "public.digital_access in [low, mixed]", "decision.urgency exists"]})
    assert tree["op"] == "all"
    assert [i["text"] for i in tree["items"]] == [
        "Quality constraints: yes", "Experience of co-production: no", "Size of the public is large (a district) or more",
        "Activities include delivering the service (co-delivery)", "Digital access is low or mixed", "Urgency is given"]
    assert condition_words(w, "this is not a condition")["text"] == "this is not a condition"
