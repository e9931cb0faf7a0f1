"""The pages' only contact with the backend: the evaluation pool, the decision
store and the loaded rule base on ``request.app.state``.

Everything the pages read from a stored record goes through :func:`field`, so
records may be objects or mappings.
"""
from __future__ import annotations

import inspect
from typing import Any, Mapping

from fastapi import Request
from starlette.concurrency import run_in_threadpool


async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a store method whether it is a coroutine or blocking."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args, **kwargs)
    result = await run_in_threadpool(fn, *args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def field(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def state(request: Request, name: str) -> Any:
    return getattr(request.app.state, name, None)


async def evaluate(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    return await state(request, "pool").evaluate(context)


async def record(request: Request, identity: Any, context: dict[str, Any], rec: dict[str, Any]) -> Any:
    store = state(request, "store")
    return await call(store.record, identity=identity, context=context, recommendation=rec,
                      rulebase_version=rec["rulebase"]["version"], engine_version=rec["engine"].get("version", ""))


async def get_record(request: Request, decision_id: str) -> Any | None:
    store = state(request, "store")
    try:
        return await call(store.get, decision_id)
    except (KeyError, LookupError, ValueError):
        return None


async def list_records(request: Request, filters: dict[str, Any], cursor: str | None,
                       limit: int) -> tuple[list[Any], str | None]:
    store = state(request, "store")
    result = await call(store.list, filters, cursor, limit)
    if isinstance(result, tuple):
        items, next_cursor = result[0], (result[1] if len(result) > 1 else None)
    else:
        items = field(result, "items", None)
        if items is None:
            items = field(result, "records", [])
        next_cursor = field(result, "next_cursor", None) or field(result, "cursor", None)
    return list(items), (str(next_cursor) if next_cursor not in (None, "") else None)


async def verify(request: Request) -> dict[str, Any]:
    store = state(request, "store")
    try:
        result = await call(store.verify)
    except Exception as exc:  # noqa: BLE001 - a report must still render
        return {"ok": None, "count": 0, "first_bad_id": None, "reason": f"verification failed: {exc}"}
    return {"ok": bool(field(result, "ok")), "count": field(result, "count", 0),
            "first_bad_id": field(result, "first_bad_id"), "reason": field(result, "reason")}


async def fire_counts(request: Request) -> dict[str, int]:
    store = state(request, "store")
    if store is None:
        return {}
    return dict(await call(store.rule_fire_counts))
