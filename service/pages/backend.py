"""The pages' calls into the backend: the engine pool and the decision store (service.log).

A page route receives the pool and the store as typed dependencies
(service.deps) and passes them here. The store is synchronous (SQLAlchemy);
its calls run in the thread pool so a page never blocks the event loop.
"""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from engine.catalogue import Catalogue
from service.log import DecisionFilter, DecisionPage, DecisionRecord, DecisionStore, VerifyResult
from service.rule_words import keep_translations
from service.workers import EnginePool

from . import l10n


async def evaluate(pool: EnginePool, context: dict[str, Any]) -> dict[str, Any]:
    """The recommendation; raises ContextError (engine) or WorkerFailure. It names the
    rule base version that made it (rec["rulebase"]["version"]), which the log records."""
    return await pool.evaluate(context)


async def record(store: DecisionStore, identity: Any, context: dict[str, Any], rec: dict[str, Any],
                 catalogue: Catalogue | None = None) -> DecisionRecord:
    """Log a decision made through the form. A form has no JSON text "as received": the log keeps the context
    the form built, as canonical JSON. The answer is shown in the page's language (l10n.current(), the reader's
    choice), so the record says that language and the version of the translations of `catalogue` (the
    request's rule base's) it used, which are kept in the log, as for the API's decisions
    (service/rule_words.py keep_translations). Without a catalogue the record says no language (as before
    the pages said one)."""
    lang = l10n.current()

    def write() -> DecisionRecord:
        wording = keep_translations(store, catalogue, lang) if catalogue is not None else None
        return store.record(identity=identity, context=context, recommendation=rec,
                            rulebase_version=rec["rulebase"]["version"], engine_version=rec["engine"]["version"],
                            wording=wording)
    return await run_in_threadpool(write)


async def get_record(store: DecisionStore, decision_id: str) -> DecisionRecord | None:
    return await run_in_threadpool(store.get, decision_id)


async def list_records(store: DecisionStore, filters: DecisionFilter, cursor: str | None,
                       limit: int) -> DecisionPage:
    """A page of the log, newest first; ValueError for a bad cursor."""
    return await run_in_threadpool(lambda: store.list(filters, cursor, limit))


async def verify(store: DecisionStore) -> dict[str, Any]:
    try:
        result: VerifyResult = await run_in_threadpool(store.verify)
    except Exception as exc:  # noqa: BLE001 - a report must still render, saying why it could not check
        return {"ok": None, "count": 0, "first_bad_id": None, "first_bad_seq": None,
                "reason": f"verification failed: {type(exc).__name__}: {exc}"}
    return result.as_dict()


async def fire_counts(store: DecisionStore) -> dict[str, int]:
    """Decisions each rule fired in."""
    return await run_in_threadpool(store.rule_fire_counts)
