"""Impact analysis of a rule edit over stored decisions (service.impact, when present)."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
            t0 = time.perf_counter()
            _fill(store, rb.version, contexts, recs, n)
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
    cores = os.cpu_count() or 1
    return Table(TITLE, [Row(f"{n:,} decisions, rule thomas.r4_acceptance removed", None,
                             f"{secs:.1f} s ({n / secs:,.0f} decisions/s); {report.changed:,} changed, "
                             f"{report.unchanged:,} unchanged, {report.failed} failed; {report.workers} worker "
                             f"process(es) on {cores} core(s)",
                             values={"decisions": n, "workers": report.workers, "cores": cores})],
                 f"service.impact.run_impact over a SQLite decision log of {n:,} decisions (the 256 Thomas "
                 f"combinations in turn; filling the log took {fill:.0f} s, not counted), with the worker count "
                 "it chooses itself (one process per core past a few hundred decisions; each reads, renders and "
                 "compares its own ranges of the log).")


def _fill(store: Any, version: str, contexts: list[dict], recs: list[dict], n: int, batch: int = 500) -> None:
    """Append n decisions (the contexts in turn), `batch` per transaction as the service's group commit does."""
    from engine.explanation import compact
    from service.log.chain import canonical_json, compact_json, recommendation_index
    who = SimpleNamespace(name="bench", role="manager")
    # as an engine worker hands them to the log (service/worker_process.py): the compact recommendation's text
    items = [dict(identity=who, context_raw=canonical_json(c), context=c, canonical=compact_json(compact(r)),
                  index=recommendation_index(r), rulebase_version=version, engine_version=ENGINE_VERSION)
             for c, r in zip(contexts, recs)]
    for start in range(0, n, batch):
        results = store.record_texts([items[i % len(items)] for i in range(start, min(n, start + batch))])
        failed = next((r for r in results if isinstance(r, Exception)), None)
        if failed is not None:
            raise failed
