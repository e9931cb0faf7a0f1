"""National scope (issue 14, item 6): a scope beyond the region, with the warning that fits it."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, load_rulebase
from engine.conditions import FIELDS, holds, parse_line, to_terms

REPO = Path(__file__).resolve().parents[1]


def test_national_is_the_widest_scope():
    assert FIELDS["project.scope"].values[-2:] == ("region", "national")
    (term,) = to_terms(parse_line("project.scope >= city", ()))
    assert all(holds(lit, {"project.scope": "national"}, set()) for lit in term)


@pytest.fixture(scope="module")
def engine():
    e = Engine(load_rulebase(REPO / "rules"), backend="python")
    yield e
    e.close()


@pytest.mark.parametrize("scope, warning, not_warning", [
    ("national", "limited_impact_national", "limited_impact_city_wide"),
    ("region", "limited_impact_city_wide", "limited_impact_national"),
    ("city", "limited_impact_city_wide", "limited_impact_national"),
])
def test_the_warning_fits_the_scope(engine, h, scope, warning, not_warning):
    ctx = h.make_context(project={"scope": scope},
                         decision={"quality_requirement": True, "manager_has_information": False,
                                   "problem_structured": False, "acceptance_critical": True,
                                   "acceptance_likely_if_autonomous": False, "public_shares_goals": False,
                                   "public_conflict_likely": True})
    rec = engine.evaluate(ctx)
    codes = {w["code"] for w in rec["warnings"]}
    assert rec["approach"]["iap2_level"] == "involve"
    assert warning in codes and not_warning not in codes
