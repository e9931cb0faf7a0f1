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

import asyncio
import functools
import weakref
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from starlette.concurrency import run_in_threadpool

from engine import RuleBase, WhatIf, WhyNot, what_if, why_not
from service import candidates
from service.errors import ServiceError
from service.log import DecisionRecord, DecisionStore
from service.serving import Serving

EXPLAIN_SLOTS = 2
SERVICE_MAX_EVALUATIONS = 2000
SERVICE_MAX_CHANGES = 3
_limiters: weakref.WeakKeyDictionary[Any, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


class RuleBaseUnavailable(ServiceError, LookupError):
    """The decision's rule base version is not stored in the decision log, or its stored files are unusable."""

    status_code = 409
    title = "Rule base not available"


def _load_stored(store: DecisionStore, version: str) -> RuleBase:
    """The stored version, rebuilt and checked by service.candidates (one cache of stored versions; files
    that no longer load, or load as another version because they were altered, are refused)."""
    try:
        return candidates.from_store(store, version)
    except candidates.CandidateError as exc:
        raise RuleBaseUnavailable(f"rule base {version} cannot be used to explain this decision: {exc}") from None


async def rulebase_for(store: DecisionStore, serving: Serving, version: str) -> RuleBase:
    """The rule base of `version`: the request's served one when it matches, else from the log
    (RuleBaseUnavailable)."""
    if serving.version == version:
        return serving.rulebase
    return await run_in_threadpool(_load_stored, store, version)


def _slots() -> anyio.CapacityLimiter:
    """This event loop's EXPLAIN_SLOTS: a request waits for one on the loop, not in a thread (a thread
    blocked on a lock would hold one of the pool's threads that every other route needs)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(EXPLAIN_SLOTS)
    return limiter


async def in_slot(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) in a worker thread, at most EXPLAIN_SLOTS at once."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_slots())


async def why_not_decision(store: DecisionStore, serving: Serving, record: DecisionRecord, item: str) -> WhyNot:
    """Raises ItemError, ContextError, ResolutionError, RuleBaseUnavailable."""
    rulebase = await rulebase_for(store, serving, record.rulebase_version)
    return await in_slot(why_not, rulebase, record.context, item)


async def what_if_context(serving: Serving, rulebase: RuleBase, context: Any, *, item: str | None,
                          max_changes: int, limit: int) -> WhatIf:
    """The search in a worker thread; each result re-checked by the engine workers when they serve `rulebase`.

    `serving` is the request's leased snapshot (service.deps.ServingDep): its
    pool stays open across a hot reload. Raises ItemError, ContextError,
    ResolutionError, WorkerFailure (a worker could not re-check a result).
    """
    pool = serving.pool
    reevaluate, checker = None, "python"
    if serving.version == rulebase.version:
        def reevaluate(ctx: dict[str, Any]) -> dict[str, Any]:
            return anyio.from_thread.run(pool.evaluate, ctx)
        checker = "durable"
    return await in_slot(what_if, rulebase, context, item=item, max_changes=max_changes, limit=limit,
                         max_evaluations=SERVICE_MAX_EVALUATIONS, reevaluate=reevaluate, checker=checker)


async def what_if_decision(store: DecisionStore, serving: Serving, record: DecisionRecord, *, item: str | None,
                           max_changes: int, limit: int) -> WhatIf:
    rulebase = await rulebase_for(store, serving, record.rulebase_version)
    return await what_if_context(serving, rulebase, record.context, item=item, max_changes=max_changes, limit=limit)
