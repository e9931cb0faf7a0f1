"""GroupCommit: the decisions of concurrent requests written in one transaction.

Every decision is in the log before its recommendation is answered, and
appends are serialised (the chain is linear). With one transaction per
request, concurrent requests queued on the database's write lock (SQLite's
busy handler sleeps up to 100 ms at a time: a p99 near half a second at 8
clients) and flushed the disk once each. Here at most one write is under
way per process: it takes whatever requests have queued, writes them in one
transaction (DecisionStore.record_texts) and answers each only after the
commit. Nothing is acknowledged before it is durable; a transaction that
fails fails each of its requests (they answer 503, as before); a request
refused on its own (e.g. an unknown rule base) does not fail the others.
Several processes still serialise on the database's lock, as before.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from service.log.store import DecisionStore

MAX_BATCH = 64      # decisions per transaction at most


class GroupCommit:
    """`await log_writer.record_text(**kw)`: one item of DecisionStore.record_texts, group-committed; answers
    (id, created_at) or raises what kept the decision out of the log."""

    def __init__(self, store: DecisionStore, max_batch: int = MAX_BATCH):
        self.store = store
        self.max_batch = max_batch
        # Per event loop: a request's future may only be resolved on its own loop (asyncio futures are not
        # thread-safe), so each loop has its own queue and writer task (one loop per process when served; tests
        # may run several, one after another or at once).
        self._queues: dict[asyncio.AbstractEventLoop, list[tuple[dict[str, Any], asyncio.Future]]] = {}
        self._writers: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}
        self.batches = 0        # transactions written (for tests and benchmarks)

    async def record_text(self, **kw: Any) -> tuple[str, datetime]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queues.setdefault(loop, []).append((kw, future))
        writer = self._writers.get(loop)
        if writer is None or writer.done():
            for other in list(self._writers):
                if other.is_closed():           # a loop closed without ending its writer: forget it
                    self._writers.pop(other, None)
                    self._queues.pop(other, None)
            self._writers[loop] = loop.create_task(self._drain(loop))
        # A cancelled request (its client went away) still has its decision written, as a direct write in a
        # worker thread would: only the answer is lost.
        return await future

    async def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        queue = self._queues[loop]
        try:
            while queue:
                batch = queue[:self.max_batch]
                del queue[:self.max_batch]
                try:
                    results: list[Any] = await run_in_threadpool(self.store.record_texts, [kw for kw, _ in batch])
                except Exception as exc:        # the call itself failed: this batch fails, the queue goes on
                    results = [exc] * len(batch)
                except BaseException as exc:    # the event loop is going away: fail every waiting request
                    failure = RuntimeError(repr(exc))
                    for _, future in batch + queue:
                        if not future.done():
                            future.set_exception(failure)
                    queue.clear()
                    raise
                else:
                    self.batches += 1
                for (_, future), result in zip(batch, results):
                    if future.done():           # cancelled
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            if not queue and self._writers.get(loop) is asyncio.current_task():
                self._writers.pop(loop, None)
                self._queues.pop(loop, None)
