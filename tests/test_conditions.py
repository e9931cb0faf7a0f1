"""engine/conditions.py: the condition language, its errors and its normal form."""
from __future__ import annotations

import re

import pytest

from engine import Engine
from engine.conditions import (FIELDS, MAX_LITERALS, MAX_TERMS, All, AnyOf, Cmp, ConditionError, Derived, Exists, Not,
                               holds, parse_condition, parse_line, to_terms)


def terms(raw):
    return to_terms(parse_condition(raw, ("when",)), ("when",))


def cond_error(raw) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        terms(raw)
    return info.value


# ---- the field table ------------------------------------------------------------------

def test_fields_come_from_the_context_schema():
    assert FIELDS["public.size"].kind == "ordinal"
    assert FIELDS["public.size"].values == ("small", "medium", "large", "city_wide")
    assert FIELDS["public.size"].key == "public__size"
    assert FIELDS["stakeholder.kind"].kind == "nominal" and FIELDS["stakeholder.kind"].scope == "stakeholder"
    assert FIELDS["decision.quality_requirement"].kind == "bool"
    assert FIELDS["approach.level"].values == ("inform", "consult", "involve", "collaborate", "empower")
    optional = sorted(p for p, f in FIELDS.items() if f.optional)
    assert optional == ["decision.technical_complexity", "decision.urgency", "project.phase", "project.scope"]
    # free text and ids are not readable by rules
    for path in ("project.name", "project.city", "project.arena", "stakeholder.id", "stakeholder.name"):
        assert path not in FIELDS


# ---- parsing every operator ----------------------------------------------------------------

@pytest.mark.parametrize("text, node", [
    ("decision.public_conflict_likely", Cmp("decision.public_conflict_likely", "==", True)),
    ("not decision.public_conflict_likely", Not(Cmp("decision.public_conflict_likely", "==", True))),
    ("decision.quality_requirement == false", Cmp("decision.quality_requirement", "==", False)),
    ("decision.quality_requirement != true", Cmp("decision.quality_requirement", "!=", True)),
    ("public.size == small", Cmp("public.size", "==", "small")),
    ("public.size != small", Cmp("public.size", "!=", "small")),
    ("public.size < large", Cmp("public.size", "<", "large")),
    ("public.size <= large", Cmp("public.size", "<=", "large")),
    ("public.size > large", Cmp("public.size", ">", "large")),
    ("public.size >= large", Cmp("public.size", ">=", "large")),
    ("  public.size   >=   large  ", Cmp("public.size", ">=", "large")),
    ("stakeholder.kind in [research, civil_society]", Cmp("stakeholder.kind", "in", ("civil_society", "research"))),
    ("stakeholder.kind in [media, media]", Cmp("stakeholder.kind", "in", ("media",))),
    ("stakeholder.kind not in [media, business]", Cmp("stakeholder.kind", "not in", ("business", "media"))),
    ("stakeholder.kind not   in [media]", Cmp("stakeholder.kind", "not in", ("media",))),
    ("decision.urgency exists", Exists("decision.urgency", True)),
    ("project.scope missing", Exists("project.scope", False)),
    ("derived.key_player", Derived("key_player", True)),
    ("not derived.key_player", Derived("key_player", False)),
    ("approach.code == unitary_consultation", Cmp("approach.code", "==", "unitary_consultation")),
    ("approach.level >= involve", Cmp("approach.level", ">=", "involve")),
    ("public.size == 'small'", Cmp("public.size", "==", "small")),
])
def test_parse_line(text, node):
    assert parse_line(text, ()) == node


def test_blocks_parse_to_ast():
    node = parse_condition({"all": ["public.size == small", {"any": ["derived.a", {"not": "derived.b"}]}]})
    assert node == All((Cmp("public.size", "==", "small"),
                        AnyOf((Derived("a", True), Not(Derived("b", True))))))
    assert parse_condition(["derived.a", "derived.b"]) == All((Derived("a", True), Derived("b", True)))


# ---- errors ---------------------------------------------------------------------------------

def test_unknown_field_in_wrong_section_suggests_the_right_one():
    err = cond_error("project.quality_requirement")
    assert err.message == "unknown field 'project.quality_requirement' (did you mean decision.quality_requirement?)"
    assert err.path == ("when",)


def test_unknown_stakeholder_field_suggests_the_right_section():
    err = cond_error("public.power == high")
    assert "did you mean stakeholder.power?" in err.message


def test_misspelt_field_gets_a_did_you_mean():
    # The authoring guide promises help for typos; `decision.quality_requirment` is the
    # typical mistake. The hint must name the field the author meant.
    err = cond_error("decision.quality_requirment")
    assert "unknown field 'decision.quality_requirment'" in err.message
    assert "did you mean decision.quality_requirement" in err.message


def test_unknown_field_path_points_into_the_block():
    err = cond_error({"all": ["public.size == small", {"any": ["derived.a", "public.sise == small"]}]})
    assert err.path == ("when", "all", 1, "any", 1)
    assert err.message.startswith("unknown field 'public.sise'")


@pytest.mark.parametrize("text, message", [
    ("public.size == huge", "'huge' is not a value of public.size (allowed: small, medium, large, city_wide)"),
    ("stakeholder.kind == citizen",
     "'citizen' is not a value of stakeholder.kind (allowed: citizens, civil_society, business, research, "
     "public_authority, utility, media, other)"),
    ("stakeholder.kind in [citizens, citizen]", "'citizen' is not a value of stakeholder.kind"),
    ("public.size == 3", "3 is not a value of public.size"),
    ("decision.urgency == null", "None is not a value of decision.urgency"),
    ("decision.quality_requirement == maybe", "decision.quality_requirement is yes/no: compare it with true or false"),
    ("stakeholder.kind >= business", "stakeholder.kind has no order: only ==, !=, in and not in apply"),
    ("project.domain < energy", "project.domain has no order"),
    ("decision.quality_requirement >= true", "decision.quality_requirement has no order"),
    ("public.size exists", "public.size always has a value: 'exists' makes no sense for it"),
    ("decision.quality_requirement missing", "decision.quality_requirement always has a value: 'missing'"),
    ("approach.code exists", "approach.code always has a value"),
    ("decision.urgency exists high", "'exists' takes no value"),
    ("stakeholder.kind in citizens", "'in' needs a list such as [a, b]"),
    ("stakeholder.kind not in media", "'not in' needs a list such as [a, b]"),
    ("stakeholder.kind in []", "'in' needs a list such as [a, b]"),
    ("stakeholder.kind in {a: b}", "'in' needs a list such as [a, b]"),
    ("decision.quality_requirement in [true, false]", "decision.quality_requirement is yes/no: use == or !="),
    ("public.size", "public.size is not yes/no: compare it, e.g. 'public.size == small'"),
    ("public.size >=", "'>=' needs a value"),
    ("public.size>=large", "cannot read condition"),
    ("derived.key_player == true", "a derived fact is tested alone"),
    ("derived.a.b", "a derived fact is tested alone"),
    ("public.size == [small", "cannot read value"),
    ("", "cannot read condition"),
])
def test_condition_errors(text, message):
    err = cond_error(text)
    assert message in err.message


@pytest.mark.parametrize("raw, message", [
    (None, "a condition is a line of text or an all/any/not block"),
    (True, "a condition is a line of text or an all/any/not block"),
    (5, "a condition cannot be a int"),
    ([], "an empty list of conditions"),
    ({"all": []}, "'all' needs a non-empty list"),
    ({"any": "public.size == small"}, "'any' needs a non-empty list"),
    ({"all": ["derived.a"], "any": ["derived.b"]}, "a block has exactly one of all, any, not, any_stakeholder, "
     "no_stakeholder or count_stakeholders, not all, any: put each under its own '- ' in an all list"),
    ({"either": ["derived.a"]}, "unknown block 'either' (use all, any, not, any_stakeholder, no_stakeholder or "
     "count_stakeholders)"),
    ({"any_stakeholder": {"any": ["stakeholder.organised", {"alll": ["stakeholder.urgent"]}]}},
     "unknown block 'alll' (did you mean all?) (use all, any or not)"),
])
def test_block_errors(raw, message):
    assert cond_error(raw).message == message


# ---- normal form ----------------------------------------------------------------------------

def test_negation_pushes_inward_de_morgan():
    got = terms({"not": {"all": ["public.size == small", "decision.quality_requirement"]}})
    assert got == [(Cmp("public.size", "!=", "small"),), (Cmp("decision.quality_requirement", "==", False),)]
    got = terms({"not": {"any": ["public.size >= large", "not derived.a"]}})
    assert got == [(Cmp("public.size", "<", "large"), Derived("a", True))]


@pytest.mark.parametrize("op, neg", [("==", "!="), ("!=", "=="), ("<", ">="), (">=", "<"), ("<=", ">"), (">", "<=")])
def test_negated_comparison_on_required_field_flips_the_operator(op, neg):
    assert terms({"not": f"public.size {op} large"}) == [(Cmp("public.size", neg, "large"),)]


@pytest.mark.parametrize("op, neg", [("==", "!="), ("!=", "=="), ("<", ">="), (">=", "<"), ("<=", ">"), (">", "<=")])
def test_negated_comparison_on_optional_field_also_accepts_missing(op, neg):
    assert terms(f"not decision.urgency {op} high") == [
        (Exists("decision.urgency", False),), (Cmp("decision.urgency", neg, "high"),)]


def test_negated_in_on_optional_field():
    assert terms({"not": "project.scope in [city, region]"}) == [
        (Exists("project.scope", False),), (Cmp("project.scope", "not in", ("city", "region")),)]


def test_double_negation_and_negated_exists():
    assert terms({"not": {"not": "public.size == small"}}) == [(Cmp("public.size", "==", "small"),)]
    assert terms({"not": "decision.urgency exists"}) == [(Exists("decision.urgency", False),)]
    assert terms("not decision.urgency missing") == [(Exists("decision.urgency", True),)]
    assert terms({"not": "not derived.a"}) == [(Derived("a", True),)]


def test_bool_literals_are_canonical():
    want = [(Cmp("decision.quality_requirement", "==", False),)]
    assert terms("decision.quality_requirement != true") == want
    assert terms("decision.quality_requirement == false") == want
    assert terms("not decision.quality_requirement") == want
    assert terms({"not": "decision.quality_requirement != false"}) == want


def test_dnf_expansion_order_and_dedup():
    got = terms({"all": [{"any": ["derived.a", "derived.b"]}, {"any": ["public.size == small", "derived.a"]}]})
    assert got == [
        (Cmp("public.size", "==", "small"), Derived("a", True)),
        (Derived("a", True),),
        (Cmp("public.size", "==", "small"), Derived("b", True)),
        (Derived("a", True), Derived("b", True)),
    ]
    # identical alternatives collapse
    assert terms({"any": ["derived.a", "derived.a", {"all": ["derived.a"]}]}) == [(Derived("a", True),)]


def test_literals_in_a_term_are_sorted_fields_first_then_derived():
    got = terms(["derived.z", "stakeholder.power == high", "derived.a", "decision.urgency exists"])
    assert got == [(Exists("decision.urgency", True), Cmp("stakeholder.power", "==", "high"),
                    Derived("a", True), Derived("z", True))]


def test_contradictions_are_kept():
    assert terms(["public.size == small", "public.size == large"]) == [
        (Cmp("public.size", "==", "large"), Cmp("public.size", "==", "small"))]


def _pairs(n: int) -> dict:
    """all of n two-way `any` blocks: 2**n alternatives."""
    return {"all": [{"any": [f"derived.a{i}", f"derived.b{i}"]} for i in range(n)]}


def test_dnf_limit_on_alternatives():
    assert len(terms(_pairs(6))) == 64 == MAX_TERMS
    err = cond_error(_pairs(7))
    assert err.message == f"condition expands to more than {MAX_TERMS} alternatives"
    assert err.path == ("when",)


def test_dnf_limit_on_a_flat_any():
    assert len(terms({"any": [f"derived.a{i}" for i in range(MAX_TERMS)]})) == MAX_TERMS
    assert "alternatives" in cond_error({"any": [f"derived.a{i}" for i in range(MAX_TERMS + 1)]}).message


def test_dnf_limit_counts_negated_conjunctions():
    # not(all[x1..x65]) is any[not x1 .. not x65]: 65 alternatives
    assert "alternatives" in cond_error({"not": {"all": [f"derived.a{i}" for i in range(MAX_TERMS + 1)]}}).message


def test_dnf_limit_on_literals_per_alternative():
    assert len(terms([f"derived.a{i}" for i in range(MAX_LITERALS)])[0]) == MAX_LITERALS
    err = cond_error([f"derived.a{i}" for i in range(MAX_LITERALS + 1)])
    assert err.message == f"an alternative has more than {MAX_LITERALS} conditions"


def test_exponential_blowup_is_stopped_early():
    # 2**40 alternatives if expanded; must be refused without trying
    err = cond_error(_pairs(40))
    assert "alternatives" in err.message


def test_documented_limits_match_the_engine(h):
    guide = (h.REPO / "docs" / "AUTHORING.md").read_text(encoding="utf-8")
    m = re.search(r"at most (\d+) alternatives", guide)
    assert m, "AUTHORING.md no longer states the alternatives limit"
    assert int(m.group(1)) == MAX_TERMS, (
        f"AUTHORING.md promises at most {m.group(1)} alternatives per `when`; the engine allows {MAX_TERMS}")
    m = re.search(r"of at most (\d+) conditions each", guide)
    assert m and int(m.group(1)) == MAX_LITERALS


# ---- reference semantics (holds) ---------------------------------------------------------------

def test_holds_on_missing_optional_field():
    state: dict = {}
    for op in ("==", "!=", "<", "<=", ">", ">="):
        assert holds(Cmp("decision.urgency", op, "high"), state, set()) is False
    assert holds(Cmp("decision.urgency", "not in", ("high",)), state, set()) is False
    assert holds(Exists("decision.urgency", False), state, set()) is True
    assert holds(Exists("decision.urgency", True), state, set()) is False


def test_holds_compares_ordinals_by_rank_not_alphabetically():
    state = {"public.size": "city_wide", "capacity.engagement_budget": "medium"}
    assert holds(Cmp("public.size", ">", "large"), state, set())           # "city_wide" < "large" alphabetically
    assert holds(Cmp("capacity.engagement_budget", "<", "high"), state, set())
    assert not holds(Cmp("capacity.engagement_budget", "<", "low"), state, set())


def test_holds_derived():
    assert holds(Derived("a", True), {}, {"a"})
    assert not holds(Derived("a", False), {}, {"a"})
    assert holds(Derived("a", False), {}, set())


# ---- semantics through both engines -----------------------------------------------------------

@pytest.fixture(scope="module")
def semantics_rb(tmp_path_factory, h):
    from engine import load_rulebase
    root = h.copy_mini(tmp_path_factory.mktemp("sem"), policy=False)
    h.write_policy(root, "sem.yaml",
                   h.rule("s.not_urgent", "not decision.urgency >= high", {"warnings": ["conflict"]}),
                   h.rule("s.urgent_neq", "decision.urgency != high", {"skills": ["facilitation"]}),
                   h.rule("s.not_in", "decision.urgency not in [low]", {"arrangements": ["steering_group"]}),
                   h.rule("s.missing", "decision.urgency missing", {"techniques": ["fact_sheet"]}),
                   h.rule("s.neg_block", {"not": {"all": ["decision.technical_complexity == high",
                                                             "public.size >= large"]}},
                          {"techniques": ["mediation"]}))
    return load_rulebase(root)


@pytest.mark.parametrize("backend", ["durable", "python"])
@pytest.mark.parametrize("urgency, complexity, expected", [
    (None, None, {"s.not_urgent", "s.missing", "s.neg_block"}),
    ("high", "high", {"s.not_in"}),
    ("medium", "high", {"s.not_urgent", "s.urgent_neq", "s.not_in"}),
    ("low", "low", {"s.not_urgent", "s.urgent_neq", "s.neg_block"}),
])
def test_optional_field_semantics_in_both_engines(semantics_rb, h, backend, urgency, complexity, expected):
    decision = {}
    if urgency:
        decision["urgency"] = urgency
    if complexity:
        decision["technical_complexity"] = complexity
    engine = Engine(semantics_rb, backend=backend)
    try:
        rec = engine.evaluate(h.make_context(decision=decision))
    finally:
        engine.close()
    assert {r for r, _ in h.firing_keys(rec)} == expected
