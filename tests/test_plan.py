"""The plan (issue 15, item 1): a summary and 3 to 12 steps in plain words, each traceable to the firings
behind it, built from the recommendation alone (engine/plan.py)."""
from __future__ import annotations

import json
import re

import pytest

from engine import Engine
from engine.plan import MAX_STEPS, MIN_STEPS, build_plan

PILOTS = ("athens", "bremen", "genoa", "malmo", "milan", "palmela")


@pytest.fixture(scope="module")
def engine(h):
    eng = Engine(h.SHIPPED_RULES, backend="python")
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def pilots(h, engine):
    out = {}
    for name in PILOTS:
        context = json.loads((h.REPO / "examples" / "pilots" / f"{name}.json").read_text(encoding="utf-8"))
        out[name] = engine.evaluate(context)
    return out


def _codes(engine) -> set[str]:
    """Every code a manager should not read in the plan: catalogue codes and rule ids with an underscore or
    a dot, approach codes."""
    cat = engine.rulebase.catalogue
    codes = {c for kind in ("techniques", "roles", "arrangements", "skills", "warnings", "recruitment", "modes")
             for c in getattr(cat, kind)}
    codes |= {"public_decision", "unitary_consultation", "segmented_consultation", "modified_autonomous"}
    codes |= {r.id for r in engine.rulebase.rules}
    return {c for c in codes if "_" in c or "." in c}


@pytest.mark.parametrize("name", PILOTS)
def test_each_pilot_opens_with_a_plan_in_words_traceable_to_its_firings(name, pilots, engine):
    rec = pilots[name]
    plan = build_plan(rec, engine.rulebase.catalogue)
    assert plan["summary"] and MIN_STEPS <= len(plan["steps"]) <= MAX_STEPS
    firings = {f["seq"]: f for f in rec["explanation"]["firings"]}
    texts = [plan["summary"]] + [s["text"] for s in plan["steps"]]
    codes = _codes(engine)
    for text in texts:
        assert text.strip() and text.rstrip().endswith((".", "?", "!"))
        words = set(re.findall(r"[a-z][a-z0-9_.]*[a-z0-9]", text))
        assert not words & codes, f"codes in the plan's words: {sorted(words & codes)}: {text}"
    for step in plan["steps"]:
        assert step["because"], f"a step without firings behind it: {step['text']}"
        for b in step["because"]:
            assert firings[b["firing"]]["rule"] == b["rule"], b


def test_the_steps_follow_the_recommendation(pilots, engine):
    """Whom to involve, then the core techniques, the arrangements, the skills lacking, each warning as an
    action, and the extra techniques last."""
    rec = pilots["athens"]
    plan = build_plan(rec, engine.rulebase.catalogue)
    text = "\n".join(s["text"] for s in plan["steps"])
    cat = engine.rulebase.catalogue
    for w in rec["warnings"]:
        assert " ".join(cat.warnings[w["code"]].action.split()).lower() in text.lower(), w["code"]
    for t in rec["techniques"]:
        assert t["label"] in text
    for s in rec["skills"]:
        assert (s["label"].lower() in text.lower()) == s["lacking"], s["code"]
    steps = [s["text"] for s in plan["steps"]]
    run = next(i for i, s in enumerate(steps) if s.startswith("Run "))
    people = [i for i, s in enumerate(steps) if s.startswith(("Collaborate:", "Involve:", "Consult:", "Inform:"))]
    assert people and max(people) < run
    core = [t["label"] for t in rec["techniques"] if t.get("tier", "core") == "core"]
    extras = [t["label"] for t in rec["techniques"] if t.get("tier") == "extra"]
    assert all(label in steps[run] for label in core) and not any(label in steps[run] for label in extras)
    if extras:     # techniques sized out of the core come last, as what to add when capacity allows
        assert steps[-1].startswith("When your capacity allows") and all(label in steps[-1] for label in extras)


def test_participants_are_ordered_by_level_then_role(pilots, engine):
    plan = build_plan(pilots["genoa"], engine.rulebase.catalogue)
    heads = [s["text"].split(":", 1)[0] for s in plan["steps"]]
    levels = [h for h in heads if h in ("Empower", "Collaborate", "Involve", "Consult", "Inform")]
    order = ["Empower", "Collaborate", "Involve", "Consult", "Inform"]
    assert levels == sorted(levels, key=order.index) and len(levels) >= 2


def test_the_summary_says_the_approach_and_with_whom_not_the_deciders_themselves(pilots, engine):
    rec = pilots["genoa"]
    summary = build_plan(rec, engine.rulebase.catalogue)["summary"]
    assert "then decide yourself" in summary
    involved = [p for p in rec["participants"] if p["iap2_level"] == "involve"]
    authorities = [p for p in rec["participants"] if p["role"] == "responsible_authority"]
    assert involved and all(p["name"] in summary or p["stakeholder"] in summary for p in involved)
    assert authorities and not any(p["name"] in summary or p["stakeholder"] in summary for p in authorities)


def _warning(code: str, n: int) -> dict:
    return {"code": code, "label": f"Warning {n}", "message": f"Message {n}.",
            "because": [{"rule": f"w.r{n}", "firing": n, "subject": None}]}


def test_at_most_twelve_steps_the_remaining_warnings_share_the_last_warning_step(engine):
    rec = {"approach": {"code": "autonomous", "because": [{"rule": "a", "firing": 1, "subject": None}]},
           "participants": [{"stakeholder": "x", "name": "X", "role": "informed_public", "role_label": "Informed public",
                             "iap2_level": "inform", "because": [{"rule": "p", "firing": 2, "subject": "x"}]}],
           "techniques": [{"code": "fact_sheet", "label": "Fact sheet", "because": [{"rule": "t", "firing": 3}]}],
           "governance": [], "skills": [], "warnings": [_warning(f"w{n}", n) for n in range(10, 30)]}
    plan = build_plan(rec)
    assert len(plan["steps"]) == MAX_STEPS
    last = plan["steps"][-1]
    assert "message 29." in last["text"] and "message 10." not in last["text"]
    assert {b["rule"] for b in last["because"]} >= {"w.r29", "w.r20"}
    # every warning is said once, in order
    said = " ".join(s["text"] for s in plan["steps"])
    assert [int(n) for n in re.findall(r"message (\d+)\.", said)] == list(range(10, 30))


def test_a_bare_recommendation_still_gets_three_steps(engine):
    rec = {"approach": {"code": "autonomous", "because": [{"rule": "a", "firing": 1, "subject": None}]},
           "participants": [{"stakeholder": "x", "name": "X", "role": "informed_public", "role_label": "Informed public",
                             "iap2_level": "inform", "because": [{"rule": "p", "firing": 2, "subject": "x"}]}],
           "techniques": [{"code": "fact_sheet", "label": "Fact sheet", "because": [{"rule": "t", "firing": 3}]}],
           "governance": [], "skills": [], "warnings": []}
    plan = build_plan(rec, engine.rulebase.catalogue)
    assert [s["text"].split(":")[0] for s in plan["steps"]] == ["Inform", "Run this core technique",
                                                                 "Take the decision as planned"]
    assert plan["steps"][-1]["because"] == [{"rule": "a", "firing": 1, "subject": None}]


def test_stated_constraints_come_first(engine, h):
    context = h.make_context(decision={"quality_requirement": True, "delegated_within_constraints": True,
                                       "constraints": "A budget of 200,000 euros, within the city's plan."})
    rec = engine.evaluate(context)
    plan = build_plan(rec, engine.rulebase.catalogue)
    first = plan["steps"][0]
    assert first["text"].startswith("State the constraints up front") and "200,000 euros" in first["text"]
    assert first["because"]


def test_an_unknown_answer_to_find_out_first(engine):
    rec = {"approach": {"code": "unitary_consultation", "because": [{"rule": "a", "firing": 1, "subject": None}]},
           "participants": [], "techniques": [], "governance": [], "skills": [], "warnings": [],
           "unknowns": [{"field": "decision.acceptance_likely_if_autonomous", "changes_approach": False},
                        {"field": "decision.public_conflict_likely", "changes_approach": True, "first": True,
                         "approaches": {"yes": "unitary_consultation", "no": "segmented_consultation"},
                         "because": [{"rule": "u", "firing": 4, "subject": None}]}]}
    step = build_plan(rec, engine.rulebase.catalogue)["steps"][0]
    assert step["text"].startswith("Find out first: Are groups of the public likely to disagree")
    assert "if yes, you consult the public together" in step["text"]
    assert "if no, you consult each group separately" in step["text"]
    assert "1 other answer is unknown too" in step["text"]
    # the firings behind it: the unknown's own, then those that chose the approach the plan follows meanwhile
    assert step["because"] == [{"rule": "u", "firing": 4, "subject": None}, {"rule": "a", "firing": 1, "subject": None}]


def test_unknown_answers_that_change_nothing_are_said_so(engine):
    rec = {"approach": {"code": "unitary_consultation", "because": [{"rule": "a", "firing": 1, "subject": None}]},
           "participants": [], "techniques": [], "governance": [], "skills": [], "warnings": [],
           "unknowns": [{"field": "decision.public_conflict_likely", "changes_approach": False, "first": False,
                         "assumed": True}]}
    step = build_plan(rec, engine.rulebase.catalogue)["steps"][0]
    assert step["text"].startswith("Find out, when you can, the answer you do not know yet: “Are groups of the "
                                   "public likely to disagree")
    assert "the plan works with the answer “yes”" in step["text"] and "It does not change the approach" in step["text"]
    assert step["because"] == [{"rule": "a", "firing": 1, "subject": None}]


def test_every_recommendation_starts_with_its_plan(pilots, engine):
    """The JSON recommendation's first key is the plan: the words first (summary, steps), then the techniques
    sized to the team's capacity; the output contract's model holds it."""
    from engine.recommendation import Recommendation
    for name, rec in pilots.items():
        assert list(rec)[0] == "plan", name
        assert list(rec["plan"])[:2] == ["summary", "steps"]
        assert {"bounds", "core", "extra", "sizing"} <= set(rec["plan"])
        rebuilt = build_plan({k: v for k, v in rec.items()}, engine.rulebase.catalogue)
        assert rebuilt == {"summary": rec["plan"]["summary"], "steps": rec["plan"]["steps"]}, name
        assert list(Recommendation.model_validate(rec).model_dump())[0] == "plan"


def test_the_text_report_opens_with_the_plan(pilots, engine, h):
    from engine.report import render_text
    text = render_text(pilots["genoa"])
    lines = text.splitlines()
    assert lines[3] == "PLAN" and lines[4].strip() == pilots["genoa"]["plan"]["summary"]
    assert text.index("PLAN") < text.index("APPROACH:") < text.index("HOW THE RULES FIRED")
    assert "  1. " + pilots["genoa"]["plan"]["steps"][0]["text"] in text


@pytest.mark.parametrize("name", PILOTS)
def test_the_brief_format_prints_the_plan_in_at_most_60_lines(name, h, pilots):
    from click.testing import CliRunner

    from service.cli import main
    path = h.REPO / "examples" / "pilots" / f"{name}.json"
    out = CliRunner().invoke(main, ["evaluate", str(path), "--format", "brief", "--backend", "python"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert len(lines) <= 60 and max(map(len, lines)) <= 100
    plan = pilots[name]["plan"]
    assert " ".join(plan["summary"].split()[:6]) in " ".join(out.output.split())
    assert sum(1 for ln in lines if re.match(r"^\d+\. ", ln)) == len(plan["steps"])


def test_the_stored_plan_names_groups_by_id_a_reader_sees_their_names(pilots, engine):
    """The engine's plan (stored in the log) never copies a group's name, which may be a personal field; the
    page, the PDF and the brief format rebuild the same plan for their reader with the names."""
    rec = pilots["genoa"]
    stored = " ".join([rec["plan"]["summary"]] + [s["text"] for s in rec["plan"]["steps"]])
    shown = build_plan(rec, engine.rulebase.catalogue, names=True)
    read = " ".join([shown["summary"]] + [s["text"] for s in shown["steps"]])
    for p in rec["participants"]:
        if p["role"] and p["name"] != p["stakeholder"]:
            assert p["name"] not in stored and p["name"] in read, p["stakeholder"]
    assert [s["because"] for s in shown["steps"]] == [s["because"] for s in rec["plan"]["steps"]]
