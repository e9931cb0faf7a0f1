"""A rule edit with known effects, and the six pilots recorded in a log (for replay and impact tests).

The edit: techniques.thomas_unitary also recommends an open house, and
techniques.size_small_qualitative is removed. `expected_changes` says what
that must change in a stored recommendation, worked out from the stored
explanation alone (which rules fired, what each item rests on), not by
evaluating under the edited rules.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION, Engine, load_rulebase

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))
CHANGED_RULE = "techniques.thomas_unitary"
REMOVED_RULE = "techniques.size_small_qualitative"
UNITARY_THEN = "      techniques: [public_meeting]\n"


class Who:
    def __init__(self, name: str = "mara", role: str = "manager"):
        self.name, self.role = name, role


def edited_rules(target: Path) -> Path:
    """A copy of rules/ with the edit, at `target`."""
    shutil.copytree(RULES, target)
    path = target / "policy" / "techniques.yaml"
    text = path.read_text(encoding="utf-8")
    assert UNITARY_THEN in text and f"  - id: {REMOVED_RULE}\n" in text, "rules/ changed: update this helper"
    text = text.replace(UNITARY_THEN, "      techniques: [public_meeting, open_house]\n", 1)
    start = text.index(f"  - id: {REMOVED_RULE}\n")
    end = text.index("  - id:", start + 8)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return target


def expected_changes(stored: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(item, kind, responsible rule) the edit must cause in this stored recommendation."""
    fired = {f["rule"] for f in stored["explanation"]["firings"]}
    techniques = {t["code"]: {b["rule"] for b in t["because"]} for t in stored["techniques"]}
    out = set()
    if CHANGED_RULE in fired and "open_house" not in techniques:
        out.add(("technique:open_house", "added", CHANGED_RULE))
        out |= {(item, "changed", CHANGED_RULE) for item in displaced(stored)}
    for code, rules in techniques.items():
        if rules == {REMOVED_RULE}:
            out.add((f"technique:{code}", "removed", REMOVED_RULE))
    return out


def displaced(stored: dict[str, Any]) -> set[str]:
    """The technique the added open house pushes from a full core to extra (the plan's order, engine/resolve.py:
    the highest priority among its rules, then the lightest demands, then catalogue order), as item keys."""
    plan = stored.get("plan") or {}
    limit = next((b["value"] for b in plan.get("bounds", ()) if b["bound"] == "core_at_most"), None)
    core = [t for t in stored["techniques"] if t.get("tier") == "core"]
    if limit is None or len(core) < limit:
        return set()
    rb = load_rulebase(RULES)
    order = list(rb.catalogue.techniques)

    def rank(code: str, priority: int) -> tuple:
        d = rb.catalogue.techniques[code].demands
        return (-priority, sum(("low", "medium", "high").index(getattr(d, k)) for k in ("cost", "facilitation",
                                                                                      "time")), order.index(code))
    last = max(core, key=lambda t: rank(t["code"], max(rb.by_id[b["rule"]].priority for b in t["because"])))
    opened = rank("open_house", rb.by_id[CHANGED_RULE].priority)
    return {f"technique:{last['code']}"} if opened < rank(last["code"], max(
        rb.by_id[b["rule"]].priority for b in last["because"])) else set()


def pilot_contexts() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in PILOTS}


def durable_results() -> dict[str, dict[str, Any]]:
    """Each pilot's recommendation from the durable backend, as the service records it."""
    engine = Engine(RULES, backend="durable")
    try:
        return {name: engine.evaluate(ctx) for name, ctx in pilot_contexts().items()}
    finally:
        engine.close()


def record_pilots(store: Any, results: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Record every pilot's decision in `store`; returns pilot name -> decision id."""
    rulebase = load_rulebase(RULES)
    store.store_rulebase(rulebase.version, rulebase.files)
    contexts = pilot_contexts()
    return {name: store.record(identity=Who(), context_raw=json.dumps(contexts[name], ensure_ascii=False),
                               recommendation=rec, rulebase_version=rulebase.version,
                               engine_version=ENGINE_VERSION).id
            for name, rec in results.items()}
