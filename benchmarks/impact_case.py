"""Impact analysis of a rule edit over stored decisions (service.impact, when present)."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from engine import ENGINE_VERSION, Engine, load_rulebase

from . import peers
from .config import Mode
from .report import Row, Table

REPO = Path(__file__).resolve().parent.parent
TITLE = "Impact analysis: a rule edit over stored decisions"


def impact(mode: Mode, base_context: dict) -> Table:
    n = mode.impact_decisions
    try:
        from service.impact import run_impact
        from service.log.store import DecisionStore
    except ImportError as exc:
        return Table(TITLE, [Row(f"{n:,} decisions", None, f"not available: {exc}")])
    with tempfile.TemporaryDirectory() as tmp:
        rb = load_rulebase(REPO / "rules")
        engine = Engine(rb, backend="python")
        contexts = peers.combinations(base_context)
        recs = [engine.evaluate(c) for c in contexts]
        engine.close()
        store = DecisionStore(f"sqlite:///{tmp}/impact.db")
        try:
            store.store_rulebase(rb.version, rb.files)
            who = SimpleNamespace(name="bench", role="manager")
            t0 = time.perf_counter()
            for i in range(n):
                store.record(identity=who, context=contexts[i % len(contexts)], recommendation=recs[i % len(recs)],
                             rulebase_version=rb.version, engine_version=ENGINE_VERSION)
            fill = time.perf_counter() - t0
            # the candidate: Thomas's acceptance rule R4 removed
            cand = Path(tmp) / "candidate"
            import shutil
            shutil.copytree(REPO / "rules", cand)
            thomas = cand / "policy" / "thomas.yaml"
            text = thomas.read_text(encoding="utf-8")
            start = text.index("  - id: thomas.r4_acceptance")
            end = text.index("  - id: thomas.r5_conflict")
            thomas.write_text(text[:start] + text[end:], encoding="utf-8")
            candidate = load_rulebase(cand)
            t0 = time.perf_counter()
            report = run_impact(store, candidate)
            secs = time.perf_counter() - t0
        finally:
            store.close()
    return Table(TITLE, [Row(f"{n:,} decisions, rule thomas.r4_acceptance removed", None,
                             f"{secs:.1f} s ({n / secs:,.0f} decisions/s); {report.changed:,} changed, "
                             f"{report.unchanged:,} unchanged, {report.failed} failed")],
                 f"service.impact.run_impact over a SQLite decision log of {n:,} decisions (the 256 Thomas "
                 f"combinations in turn; filling the log took {fill:.0f} s, not counted).")
