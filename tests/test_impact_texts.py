"""engine.impact: a changed rule shows the old and new text of each edited condition and conclusion (issue 20,
item 6), so a reviewer of an impact report sees what was edited, not only that `when` changed."""
from __future__ import annotations

from pathlib import Path

from engine import load_rulebase
from engine.impact import TextEdit, rulebase_diff

KEY_PLAYER_WHEN = "when: [stakeholder.power == high, stakeholder.interest >= medium]"


def _edit(root: Path, old: str, new: str, rel: str = "policy/people.yaml") -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _texts(h, tmp_path, *edits: tuple[str, str]) -> tuple[list[TextEdit], str]:
    root = h.copy_mini(tmp_path)
    for old, new in edits:
        _edit(root, old, new)
    d = rulebase_diff(load_rulebase(h.MINI), load_rulebase(root))
    (edit,) = d.rules
    assert edit.rule == "people.key_player" and edit.kind == "changed"
    return edit.texts, str(d)


def test_a_condition_edited_in_place_shows_its_old_and_new_text(h, tmp_path):
    texts, shown = _texts(h, tmp_path, (KEY_PLAYER_WHEN,
                                        "when: [stakeholder.power == high, stakeholder.interest == high]"))
    assert texts == [TextEdit(part="when[2]", old="stakeholder.interest >= medium", new="stakeholder.interest == high")]
    assert '    when[2]: "stakeholder.interest >= medium" -> "stakeholder.interest == high"' in shown
    assert "~ rule people.key_player (when) [policy/people.yaml:2]" in shown


def test_added_and_removed_conditions_are_shown_as_such(h, tmp_path):
    texts, shown = _texts(h, tmp_path, (KEY_PLAYER_WHEN, "when:\n      all:\n        - stakeholder.power == high\n"
                                                         "        - stakeholder.interest >= medium\n"
                                                         "        - stakeholder.affected\n"))
    assert texts == [TextEdit(part="when.all[3]", new="stakeholder.affected")]
    assert 'when.all[3]: added "stakeholder.affected"' in shown
    texts, shown = _texts(h, tmp_path / "b", (KEY_PLAYER_WHEN, "when: [stakeholder.power == high]"))
    assert texts == [TextEdit(part="when[2]", old="stakeholder.interest >= medium")]
    assert 'when[2]: removed "stakeholder.interest >= medium"' in shown


def test_edited_conclusions_and_fields_show_old_and_new(h, tmp_path):
    texts, shown = _texts(h, tmp_path,
                          ("participant: {role: decision_partner, level: collaborate}",
                           "participant: {role: decision_partner, level: involve}\n      warnings: [conflict]"),
                          ("    for_each: stakeholder\n    when: [stakeholder.power == high",
                           "    for_each: stakeholder\n    priority: 60\n    when: [stakeholder.power == high"))
    assert TextEdit(part="priority", old="50", new="60") in texts
    assert TextEdit(part="then.participant", old="{role: decision_partner, level: collaborate}",
                    new="{role: decision_partner, level: involve}") in texts
    assert TextEdit(part="then.warnings", new="[conflict]") in texts
    assert 'then.participant: "{role: decision_partner, level: collaborate}" -> ' \
           '"{role: decision_partner, level: involve}"' in shown


def test_added_and_removed_rules_carry_no_texts(h, tmp_path):
    root = h.copy_mini(tmp_path)
    h.write_policy(root, "more.yaml", h.rule("more.rule", "public.size == small", {"warnings": ["conflict"]}))
    (edit,) = rulebase_diff(load_rulebase(h.MINI), load_rulebase(root)).rules
    assert edit.kind == "added" and edit.texts == [] and str(edit) == edit.headline()
