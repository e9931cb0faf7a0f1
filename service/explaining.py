"""Why-not and what-if for the service: the API and the pages both come here.

A stored decision is explained under the rule base version that made it (the
current one, or its files from the decision log, loaded once and cached), by
the Python evaluator in a worker thread, never on the event loop. At most
EXPLAIN_SLOTS explanations run at once so the web process stays responsive,
and what-if is bounded (SERVICE_MAX_EVALUATIONS). What-if results are
re-checked by the engine workers (the real durable engine) when the decision's
version is the one they serve; otherwise by the Python evaluator, and the
answer says which (`checked_by`).
"""
from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import anyio.from_thread
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from engine import RuleBase, WhatIf, WhyNot, load_rulebase, what_if, why_not
from service.log import DecisionRecord
from service.worker_process import write_rulebase

EXPLAIN_SLOTS = 2
SERVICE_MAX_EVALUATIONS = 2000
SERVICE_MAX_CHANGES = 3
_slots = threading.BoundedSemaphore(EXPLAIN_SLOTS)
_cache: OrderedDict[str, RuleBase] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 4


class RuleBaseUnavailable(LookupError):
    """The decision's rule base version is not stored in the decision log."""


def _load_stored(request: Request, version: str) -> RuleBase:
    with _cache_lock:
        if version in _cache:
            _cache.move_to_end(version)
            return _cache[version]
    stored = request.app.state.store.get_rulebase(version)
    if stored is None:
        raise RuleBaseUnavailable(f"rule base {version} is not stored in the decision log")
    with tempfile.TemporaryDirectory(prefix="cogov-explain-") as tmp:
        write_rulebase(Path(tmp), stored.files)
        rulebase = load_rulebase(tmp)
    with _cache_lock:
        _cache[version] = rulebase
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return rulebase


async def rulebase_for(request: Request, version: str) -> RuleBase:
    """The rule base of `version`: the served one when it matches, else from the log (RuleBaseUnavailable)."""
    current = request.app.state.rulebase     # read once: a hot reload may replace it
    if current.version == version:
        return current
    return await run_in_threadpool(_load_stored, request, version)


def _bounded(fn, *args: Any, **kwargs: Any) -> Any:
    with _slots:
        return fn(*args, **kwargs)


async def why_not_decision(request: Request, record: DecisionRecord, item: str) -> WhyNot:
    """Raises ItemError, ContextError, ResolutionError, RuleBaseUnavailable."""
    rulebase = await rulebase_for(request, record.rulebase_version)
    return await run_in_threadpool(_bounded, why_not, rulebase, record.context, item)


async def what_if_context(request: Request, rulebase: RuleBase, context: Any, *, item: str | None,
                          max_changes: int, limit: int) -> WhatIf:
    """The search in a worker thread; each result re-checked by the engine workers when they serve `rulebase`.

    Raises ItemError, ContextError, ResolutionError, WorkerFailure (a worker
    could not re-check a result).
    """
    with request.app.state.serving.lease() as serving:   # its pool stays open across a hot reload
        pool = serving.pool
        reevaluate, checker = None, "python"
        if serving.version == rulebase.version:
            def reevaluate(ctx: dict[str, Any]) -> dict[str, Any]:
                return anyio.from_thread.run(pool.evaluate, ctx)
            checker = "durable"
        return await run_in_threadpool(_bounded, what_if, rulebase, context, item=item, max_changes=max_changes,
                                       limit=limit, max_evaluations=SERVICE_MAX_EVALUATIONS,
                                       reevaluate=reevaluate, checker=checker)


async def what_if_decision(request: Request, record: DecisionRecord, *, item: str | None, max_changes: int,
                           limit: int) -> WhatIf:
    rulebase = await rulebase_for(request, record.rulebase_version)
    return await what_if_context(request, rulebase, record.context, item=item, max_changes=max_changes, limit=limit)
