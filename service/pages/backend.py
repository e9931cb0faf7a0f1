"""The pages' only contact with the backend: the evaluation pool, the decision
store (service.log) and the loaded rule base, all on ``request.app.state``.

The store is synchronous (SQLAlchemy); its calls run in the thread pool so a
page never blocks the event loop.
"""
from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from service.log import DecisionFilter, DecisionPage, DecisionRecord, VerifyResult


def state(request: Request, name: str) -> Any:
    return getattr(request.app.state, name, None)


async def evaluate(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """The recommendation; raises ContextError (engine) or WorkerFailure. It names the
    rule base version that made it (rec["rulebase"]["version"]), which the log records."""
    with state(request, "serving").lease() as serving:
        return await serving.pool.evaluate(context)


async def record(request: Request, identity: Any, context: dict[str, Any], rec: dict[str, Any]) -> DecisionRecord:
    store = state(request, "store")
    # A form has no JSON text "as received": the log keeps the context the form built, as canonical JSON.
    return await run_in_threadpool(
        lambda: store.record(identity=identity, context=context, recommendation=rec,
                             rulebase_version=rec["rulebase"]["version"], engine_version=rec["engine"]["version"]))


async def get_record(request: Request, decision_id: str) -> DecisionRecord | None:
    store = state(request, "store")
    return await run_in_threadpool(store.get, decision_id)


async def list_records(request: Request, filters: DecisionFilter, cursor: str | None,
                       limit: int) -> DecisionPage:
    """A page of the log, newest first; ValueError for a bad cursor."""
    store = state(request, "store")
    return await run_in_threadpool(lambda: store.list(filters, cursor, limit))


async def verify(request: Request) -> dict[str, Any]:
    store = state(request, "store")
    try:
        result: VerifyResult = await run_in_threadpool(store.verify)
    except Exception as exc:  # noqa: BLE001 - a report must still render, saying why it could not check
        return {"ok": None, "count": 0, "first_bad_id": None, "first_bad_seq": None,
                "reason": f"verification failed: {type(exc).__name__}: {exc}"}
    return result.as_dict()


async def fire_counts(request: Request) -> dict[str, int]:
    """Decisions each rule fired in."""
    store = state(request, "store")
    if store is None:
        return {}
    return await run_in_threadpool(store.rule_fire_counts)
