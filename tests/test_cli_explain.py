"""`cogov explain why-not` and `cogov explain what-if` on the pilots: sentences, JSON, exit codes."""
from __future__ import annotations

import json
from pathlib import Path

from service.cli import main

GENOA = str(Path(__file__).resolve().parents[1] / "examples" / "pilots" / "genoa.json")



def test_why_not_reads_like_a_sentence(runner):
    out = runner.invoke(main, ["explain", "why-not", GENOA, "approach:public_decision"])
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("The approach “You and the public decide together” is not recommended. The "
                                 "recommendation is “You consult the public together, then decide”.\n"
                                 "  - “The public does not share the agency's goals on a quality decision” ruled it "
                                 "out, because of these answers: The public shares your goals: no; Quality "
                                 "constraints: yes.\n")
    assert "[iap2.delegation_declared]" in out.stdout       # each rule by its title, then its id


def test_why_not_as_json(runner):
    out = runner.invoke(main, ["explain", "why-not", GENOA, "technique:citizen_jury", "--format", "json"])
    assert out.exit_code == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["item"] == "technique:citizen_jury" and not body["recommended"] and body["producers"]


def test_a_misspelt_item_exits_2_with_a_hint(runner):
    out = runner.invoke(main, ["explain", "why-not", GENOA, "technique:citizen_jurry"])
    assert out.exit_code == 2 and "did you mean citizen_jury?" in out.stderr


def test_what_if_lists_the_smallest_changes_checked_by_durable(runner):
    out = runner.invoke(main, ["explain", "what-if", GENOA, "--max-changes", "1", "--format", "json"])
    assert out.exit_code == 0, out.stderr
    body = json.loads(out.stdout)
    assert [s["sentence"] for s in body["scenarios"]] == [
        "if quality_requirement were false, the approach would be public_decision (G) instead of unitary_consultation",
        "if public_shares_goals were true, the approach would be public_decision (G) instead of unitary_consultation"]
    assert all(s["checked_by"] == "durable" and s["agrees"] for s in body["scenarios"])


def test_what_if_text_says_how_far_it_searched(runner):
    out = runner.invoke(main, ["explain", "what-if", GENOA, "--item", "technique:citizen_jury", "--max-changes", "3",
                               "--max-evaluations", "5", "--backend", "python"])
    assert out.exit_code == 0, out.stderr
    assert "stopped at the bound of 5" in out.stdout and "the search is incomplete" in out.stdout
