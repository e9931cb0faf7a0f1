"""What a decision costs in bytes: the decision log's growth per pilot decision and the recommendation's texts.

The log's growth is the SQLite file's growth over N pilot decisions written by the service's own store
(service.log.DecisionStore.record), measured after a WAL checkpoint and VACUUM, so that free pages and the
write-ahead log do not count; the first decision (and the stored rule base) is written before the baseline.
The texts are the engine's JSON: the full explained recommendation (what `Engine.evaluate` answers and what
the log stored before compact records) and its compact form (engine.explanation.compact, what the log keeps).
"""
from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from engine import ENGINE_VERSION, Engine

from .config import Mode
from .report import Row, Table

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("log bytes per decision", "answer bytes")
TITLE = "Decision sizes: the log's growth and the texts, six pilots"


def vacuumed_size(path: Path) -> int:
    """The SQLite file's size once its write-ahead log is checkpointed into it and its free pages dropped."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return path.stat().st_size


def decision_count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM decisions").fetchone()[0]
    finally:
        con.close()


def _stored_text_bytes(path: Path) -> list[int]:
    """Per stored decision, the bytes its texts take in its row (service.log.packing.stored_bytes)."""
    try:
        from service.log.packing import stored_bytes
    except ImportError:         # before compact records: the two texts as they are
        def stored_bytes(row: Any) -> int:
            return len(row["context_raw"].encode()) + len(row["recommendation"].encode())
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [stored_bytes(dict(r)) for r in con.execute("SELECT * FROM decisions ORDER BY seq")]
    finally:
        con.close()


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def sizes(mode: Mode, contexts: list[dict[str, Any]], names: list[str]) -> Table:
    from service.log import DecisionStore
    engine = Engine(REPO / "rules", backend="durable")
    try:
        recs = [engine.evaluate(c) for c in contexts]
    finally:
        engine.close()
    raws = [json.dumps(c, ensure_ascii=False) for c in contexts]
    who = SimpleNamespace(name="bench", role="manager")
    n = mode.log_decisions
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.db"
        store = DecisionStore(f"sqlite:///{path}")
        try:
            rb = engine.rulebase
            store.store_rulebase(rb.version, rb.files)

            def write(i: int) -> None:
                k = i % len(contexts)
                store.record(identity=who, context_raw=raws[k], recommendation=recs[k],
                             rulebase_version=rb.version, engine_version=ENGINE_VERSION)
            write(0)
            store.close()
            before = vacuumed_size(path)
            store = DecisionStore(f"sqlite:///{path}")
            for i in range(1, n + 1):
                write(i)
        finally:
            store.close()
        after = vacuumed_size(path)
        stored = _stored_text_bytes(path)
    per = (after - before) / n
    try:
        from engine.explanation import compact
    except ImportError:
        compact = None
    for k, name in enumerate(names):
        full = len(json.dumps(recs[k], ensure_ascii=False).encode())
        small = len(json.dumps(compact(recs[k]), ensure_ascii=False).encode()) if compact else None
        texts = statistics.mean(stored[1 + j] for j in range(n) if (1 + j) % len(contexts) == k) \
            if n >= len(contexts) else None
        rows.append(Row(f"{name}: texts", None,
                        f"context {_kb(len(raws[k].encode()))}; full recommendation {_kb(full)}"
                        + (f"; compact recommendation {_kb(small)}" if small is not None else "")
                        + (f"; stored texts {_kb(texts)}" if texts is not None else ""),
                        cells={"answer bytes": f"{full:,}"}))
    rows.append(Row(f"SQLite file growth per decision ({n:,} pilot decisions)", None,
                    f"{before:,} -> {after:,} bytes after checkpoint and VACUUM; the texts as stored average "
                    f"{_kb(statistics.mean(stored))} of it (the rest: the index columns, the hash chain, the "
                    "rule-count rows and their indexes)", cells={"log bytes per decision": f"{per:,.0f}"},
                    values={"log_bytes": per}))
    return Table(TITLE, rows,
                 "In process, no server: the decisions are written by the service's store "
                 "(service.log.DecisionStore.record, one transaction each) from the durable backend's "
                 "recommendations, the six pilots in turn. 'answer bytes' here is the full explained "
                 "recommendation as JSON (what the engine answers); the API's default answer is measured on "
                 "the running service (Service table). Growth is measured after a WAL checkpoint and VACUUM.",
                 columns=COLUMNS)
