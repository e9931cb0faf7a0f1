"""Pinned recommendations (engine/pins.py, `cogov rules pin`, the pilots' 'exactly as pinned' step).

A pin holds a pilot's whole recommendation with its reasons: both backends must give the same view, the
shipped pins must be what the shipped rules recommend, the scenario step must fail on any extra, missing
or changed item and say which in words, and the update command must show the difference and rewrite the
pins (only) when asked.
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Engine
from engine.errors import PinError
from engine.pins import SECTIONS, compare, describe, parse_pin, pin_text, pinned_view
from features.steps import world as w
from features.steps.pilot_steps import check_pinned
from service.cli import main

REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "features" / "expected"
PILOTS = ["athens", "bremen", "genoa", "malmo", "milan", "palmela"]


@pytest.fixture(scope="module")
def engines():
    durable, python = Engine(REPO / "rules", backend="durable"), Engine(REPO / "rules", backend="python")
    yield durable, python
    durable.close()


@pytest.fixture(scope="module")
def genoa_rec(engines) -> dict:
    return engines[1].evaluate(_context("genoa"))


def _context(name: str) -> dict:
    return json.loads((REPO / "examples" / "pilots" / f"{name}.json").read_text(encoding="utf-8"))


def _world(rec: dict, name: str = "genoa") -> w.World:
    return w.World(engine=None, context=_context(name), result=copy.deepcopy(rec))


# ---------------------------------------------------------------- the shipped pins


@pytest.mark.parametrize("name", PILOTS)
def test_both_backends_give_the_same_pinned_view_and_it_is_the_shipped_pin(engines, name):
    durable, python = (pinned_view(e.evaluate(_context(name))) for e in engines)
    assert compare(durable, python) == [] and durable == python
    pin = parse_pin((PINS / f"{name}.yaml").read_text(encoding="utf-8"), f"{name}.yaml")
    assert (PINS / pin.context).resolve() == REPO / "examples" / "pilots" / f"{name}.json"
    assert describe(compare(pin.view, durable)) == "no difference"


def test_every_pilot_scenario_checks_its_pin():
    feature = (REPO / "features" / "pilots.feature").read_text(encoding="utf-8")
    assert sorted(p.stem for p in PINS.glob("*.yaml")) == PILOTS
    for name in PILOTS:
        assert feature.count(f'the recommendation is exactly as pinned in "{name}"') == 1, name


def test_a_pin_holds_every_item_with_its_reasons(genoa_rec):
    view = pinned_view(genoa_rec)
    assert list(view) == list(SECTIONS)
    assert set(view["participants"]) == {p["stakeholder"] for p in genoa_rec["participants"]}
    assert set(view["techniques"]) == {t["code"] for t in genoa_rec["techniques"]}
    assert set(view["arrangements"]) == {g["code"] for g in genoa_rec["governance"]}
    assert set(view["skills"]) == {s["code"] for s in genoa_rec["skills"]}
    assert set(view["warnings"]) == {x["code"] for x in genoa_rec["warnings"]}
    residents = next(p for p in genoa_rec["participants"] if p["stakeholder"] == "residents")
    pinned = view["participants"]["residents"]
    assert (pinned["role"], pinned["level"]) == (residents["role"], residents["iap2_level"])
    assert pinned["because"] == sorted({b["rule"] for b in residents["because"]})
    # a reason that fired for another group names it
    advocacy = next(g for g in genoa_rec["governance"] if g["code"] == "advocacy_support")
    assert view["arrangements"]["advocacy_support"] == [f"{b['rule']} for {b['subject']}" for b in advocacy["because"]]


def test_the_text_of_a_pin_reads_back_as_the_same_view_and_does_not_depend_on_order(genoa_rec):
    view = pinned_view(genoa_rec)
    text = pin_text("../../examples/pilots/genoa.json", view)
    assert parse_pin(text).view == view
    shuffled = copy.deepcopy(genoa_rec)
    for key in ("participants", "techniques", "governance", "skills", "warnings"):
        shuffled[key].reverse()
    for t in shuffled["techniques"]:
        for b in t["because"]:
            b["firing"] += 100                     # firing numbers are not pinned
    assert pin_text("../../examples/pilots/genoa.json", pinned_view(shuffled)) == text


# ---------------------------------------------------------------- the scenario step


def test_the_step_passes_on_the_pilots_own_recommendation(genoa_rec):
    check_pinned(_world(genoa_rec), "genoa")


def test_the_step_fails_on_an_extra_item(genoa_rec):
    world = _world(genoa_rec)
    extra = copy.deepcopy(world.result["techniques"][0])
    extra.update(code="deliberative_poll", tier="extra",
                 because=[{"rule": "techniques.size_large_deliberation", "firing": 1, "subject": None}])
    world.result["techniques"].append(extra)
    with pytest.raises(AssertionError) as info:
        check_pinned(world, "genoa")
    message = str(info.value)
    assert "features/expected/genoa.yaml: 1 difference" in message
    assert "+ technique deliberative_poll: now recommended (extra, because of techniques.size_large_deliberation)" \
        ", not pinned" in message
    assert "cogov rules pin" in message


def test_the_step_fails_on_a_missing_item(genoa_rec):
    world = _world(genoa_rec)
    world.result["warnings"] = [x for x in world.result["warnings"] if x["code"] != "conflict"]
    world.result["governance"] = [g for g in world.result["governance"] if g["code"] != "independent_facilitator"]
    with pytest.raises(AssertionError) as info:
        check_pinned(world, "genoa")
    message = str(info.value)
    assert "2 differences" in message
    assert "- warning conflict: pinned (because of warnings.conflict), no longer given" in message
    assert "- arrangement independent_facilitator: pinned (because of governance.facilitator_conflict), " \
           "no longer recommended" in message


def test_the_step_fails_on_a_changed_level_and_a_changed_tier(genoa_rec):
    world = _world(genoa_rec)
    residents = next(p for p in world.result["participants"] if p["stakeholder"] == "residents")
    residents["iap2_level"] = "consult"
    living_lab = next(t for t in world.result["techniques"] if t["code"] == "living_lab")
    living_lab["tier"] = "extra"
    with pytest.raises(AssertionError) as info:
        check_pinned(world, "genoa")
    message = str(info.value)
    assert "~ participant residents: IAP2 level is now consult, pinned involve" in message
    assert "~ technique living_lab: tier is now extra, pinned core" in message


def test_the_step_fails_on_a_changed_reason(genoa_rec):
    world = _world(genoa_rec)
    mediation = next(t for t in world.result["techniques"] if t["code"] == "mediation")
    mediation["because"] = [{"rule": "techniques.thomas_unitary", "firing": 5, "subject": None}]
    with pytest.raises(AssertionError) as info:
        check_pinned(world, "genoa")
    message = str(info.value)
    assert "+ technique mediation: a new reason techniques.thomas_unitary, not pinned" in message
    assert "- technique mediation: the pinned reason techniques.conflict_mediation is no longer one" in message


def test_the_step_fails_on_a_changed_recruitment_and_a_skill_no_longer_lacking(genoa_rec):
    world = _world(genoa_rec)
    residents = next(p for p in world.result["participants"] if p["stakeholder"] == "residents")
    residents["recruitment"] = {**residents["recruitment"], "code": "random_selection",
                                "because": [{"rule": "recruitment.x", "firing": 3, "subject": "residents"}]}
    evaluation = next(s for s in world.result["skills"] if s["code"] == "evaluation")
    evaluation.update(lacking=False, lacking_because=[])
    with pytest.raises(AssertionError) as info:
        check_pinned(world, "genoa")
    message = str(info.value)
    assert ("~ participant residents: recruitment is now random_selection (because of recruitment.x), pinned "
            "open_self_selection (because of recruitment.open)") in message
    assert "~ skill evaluation: lacking is now no, pinned yes" in message


def test_the_step_refuses_another_context_and_an_unknown_pin(genoa_rec):
    world = _world(genoa_rec)
    world.context["public"]["size"] = "small"
    with pytest.raises(AssertionError, match="made for the context examples/pilots/genoa.json"):
        check_pinned(world, "genoa")
    with pytest.raises(AssertionError, match=r"no pin 'genova' in features/expected \(did you mean genoa\?\)"):
        check_pinned(_world(genoa_rec), "genova")


# ---------------------------------------------------------------- reading a pin file


@pytest.mark.parametrize("text, expected", [
    ("context: a.json\nrecommendation: {}\n", r"p\.yaml:2: missing section\(s\) approach, participants"),
    ("context: a.json\nwhatever: 1\nrecommendation: {}\n", r"p\.yaml:2: unknown key 'whatever'"),
    ("context: a.json\nrecommendation:\n  approach: [\n", r"^p\.yaml:\d+: "),
    ("recommendation: {}\n", r"p\.yaml: `context:` must name the context file"),
    ("- a\n", r"p\.yaml: a pin file holds `context:` and `recommendation:`"),
])
def test_a_malformed_pin_is_refused_naming_the_file_and_line(text, expected):
    with pytest.raises(PinError, match=expected):
        parse_pin(text, "p.yaml")


# ---------------------------------------------------------------- `cogov rules pin`


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the rules with techniques.thomas_unitary also recommending open_house, and a pins folder
    holding Genoa's shipped pin (its context named by absolute path)."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    policy = rules / "policy" / "techniques.yaml"
    text = policy.read_text(encoding="utf-8")
    at = text.index("id: techniques.thomas_unitary")
    old = "techniques: [public_meeting]"
    at = text.index(old, at)
    policy.write_text(text[:at] + "techniques: [public_meeting, open_house]" + text[at + len(old):],
                      encoding="utf-8")
    pins = tmp_path / "pins"
    pins.mkdir()
    pin = parse_pin((PINS / "genoa.yaml").read_text(encoding="utf-8"))
    (pins / "genoa.yaml").write_text(pin_text(str(REPO / "examples" / "pilots" / "genoa.json"), pin.view),
                                     encoding="utf-8")
    return rules, pins


def _pin(*args: str):
    return CliRunner().invoke(main, ["rules", "pin", *args], catch_exceptions=False)


def _expected_lines(rules: Path, pins: Path) -> list[str]:
    """The differences the edited rules make to Genoa's pin, worked out here through the engine."""
    edited = Engine(rules, backend="python").evaluate(_context("genoa"))
    pinned = parse_pin((pins / "genoa.yaml").read_text(encoding="utf-8")).view
    return [str(d) for d in compare(pinned, pinned_view(edited))]


def test_pin_check_shows_the_difference_and_rewrites_nothing(workspace):
    rules, pins = workspace
    before = (pins / "genoa.yaml").read_text(encoding="utf-8")
    expected = _expected_lines(rules, pins)
    assert any(line.startswith("+ technique open_house: now recommended (") and
               line.endswith("because of techniques.thomas_unitary), not pinned") for line in expected)
    result = _pin("--check", "--rules", str(rules), "--pins-dir", str(pins), "--backend", "python")
    assert result.exit_code == 1, result.output
    n = len(expected)
    assert f"genoa.yaml: {n} difference{'s' if n > 1 else ''} from the pin" in result.output
    assert [line.strip() for line in result.output.splitlines() if line.startswith("  ")] == expected
    assert "differ (not rewritten: --check)" in result.output
    assert (pins / "genoa.yaml").read_text(encoding="utf-8") == before


def test_pin_rewrites_the_pins_that_changed_then_says_they_are_unchanged(workspace):
    rules, pins = workspace
    expected = _expected_lines(rules, pins)
    result = _pin("--rules", str(rules), "--pins-dir", str(pins), "--backend", "python")
    assert result.exit_code == 0, result.output
    assert [line.strip() for line in result.output.splitlines() if line.startswith("  ")] == expected
    assert "1 rewritten: review the difference above" in result.output
    rewritten = parse_pin((pins / "genoa.yaml").read_text(encoding="utf-8")).view
    assert rewritten["techniques"]["open_house"]["because"] == ["techniques.thomas_unitary"]
    again = _pin("genoa", "--check", "--rules", str(rules), "--pins-dir", str(pins), "--backend", "python")
    assert again.exit_code == 0, again.output
    assert "genoa.yaml: unchanged" in again.output and "1 pin(s): 1 unchanged" in again.output
    # with the shipped rules, the difference goes the other way
    back = _pin("--check", "--pins-dir", str(pins), "--backend", "python")
    assert back.exit_code == 1
    assert "- technique open_house: pinned (" in back.output
    assert "because of techniques.thomas_unitary), no longer recommended" in back.output


def test_pin_json_gives_each_difference_with_its_words(workspace):
    rules, pins = workspace
    expected = _expected_lines(rules, pins)
    result = _pin("--check", "--json", "--rules", str(rules), "--pins-dir", str(pins), "--backend", "python")
    assert result.exit_code == 1
    (differences,) = json.loads(result.output).values()
    assert [d["words"] for d in differences] == expected
    added = next(d for d in differences if d["path"] == ["techniques", "open_house"])
    assert added["kind"] == "extra" and added["actual"]["because"] == ["techniques.thomas_unitary"]


def test_the_step_names_a_context_it_cannot_read(genoa_rec, tmp_path):
    pin = parse_pin((PINS / "genoa.yaml").read_text(encoding="utf-8"))
    (tmp_path / "genoa.yaml").write_text(pin_text("gone.json", pin.view), encoding="utf-8")
    with pytest.raises(AssertionError, match="names the context gone.json, which cannot be read"):
        check_pinned(_world(genoa_rec), "genoa", tmp_path)


def test_pin_new_pins_a_context_and_names_the_step(tmp_path):
    pins = tmp_path / "pins"
    context = REPO / "examples" / "pilots" / "milan.json"
    result = _pin("--new", str(context), "--name", "campus", "--pins-dir", str(pins), "--backend", "python")
    assert result.exit_code == 0, result.output
    assert 'Then the recommendation is exactly as pinned in "campus"' in result.output
    made = parse_pin((pins / "campus.yaml").read_text(encoding="utf-8"))
    assert (pins / made.context).resolve() == context
    assert made.view == parse_pin((PINS / "milan.yaml").read_text(encoding="utf-8")).view
    again = _pin("--new", str(context), "--name", "campus", "--pins-dir", str(pins))
    assert again.exit_code != 0 and "exists: run `cogov rules pin campus` to update it" in again.output


def test_pin_names_an_unknown_pin_with_a_suggestion():
    result = _pin("genova", "--check", "--backend", "python")
    assert result.exit_code != 0
    assert "no pin 'genova'" in result.output and "did you mean genoa" in result.output
