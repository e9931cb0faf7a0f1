"""Replicas on one decision log converge: each serves the log's latest rule base activation.

An activation, a rollback or a restart's startup is recorded once, by the
replica it happened on (service.serving). The others learn of it here and
call `Activator.follow`, which loads the version's stored files through the
same checks and hot swap and records nothing, so the history does not double.
Two ways to learn of it:

- on PostgreSQL, LISTEN on the channel each activation's transaction
  NOTIFYs when it commits (service.log.store.ACTIVATION_CHANNEL), on a
  connection of this module's own: within a moment;
- on any database, a check of the log's latest activation every
  COGOV_REPLICA_POLL_SECONDS: the fallback for a notification missed while
  the listening connection was down, and on SQLite (no NOTIFY) the only way.

The notification only wakes a check; what is served is always what the log
says is latest, read under the activator's lock, so two activations on two
replicas at once end with every replica on the later one in the chain.
Each decision still names the version that produced it: a request keeps the
snapshot it leased (service.deps), whatever is followed meanwhile.
"""
from __future__ import annotations

import asyncio
import logging

import psycopg
from psycopg import sql

from service.log import DecisionStore
from service.log.store import ACTIVATION_CHANNEL
from service.serving import Activator
from service.settings import Settings

log = logging.getLogger("cogov.replicas")

RELISTEN_SECONDS = 5.0   # how soon a lost listening connection is tried again when there is no periodic check


class ReplicaSync:
    """Keeps this replica on the log's latest activation; started and closed with the app (service.app)."""

    def __init__(self, activator: Activator, store: DecisionStore, settings: Settings):
        self.activator, self.store = activator, store
        self.poll = settings.replica_poll_seconds or None   # 0: no periodic check
        self.dsn = store.listen_dsn()                         # None: no NOTIFY on this database
        self.listening = False
        self._task: asyncio.Task | None = None
        self._following: asyncio.Task | None = None
        self._failing = self._listen_failing = False

    async def start(self) -> None:
        if self.dsn is None and self.poll is None:
            log.info("replica sync off: no NOTIFY on this database and COGOV_REPLICA_POLL_SECONDS=0")
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Stop listening and checking; a follow under way is let finish, so its new pool is the activator's
        to close rather than left running."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._following is not None:
            await asyncio.gather(self._following, return_exceptions=True)

    async def check(self, why: str) -> None:
        """Follow the log's latest activation if it is not what serves here. Never raises: a database that
        does not answer now is logged (once until it answers again) and checked again later."""
        joined = self._following is not None and not self._following.done()
        if joined:
            # a follow under way may have read the log's latest before what woke this check was recorded:
            # let it finish, then look once more, or a notification heard meanwhile would be lost
            await asyncio.gather(asyncio.shield(self._following), return_exceptions=True)
            if self._following.done():
                self._following = None
        if self._following is None or self._following.done():
            self._following = asyncio.get_running_loop().create_task(self.activator.follow())
        try:
            followed = await asyncio.shield(self._following)
        except asyncio.CancelledError:
            raise
        except Exception as exc:   # noqa: BLE001 - the sync must outlive a database that is down for a while
            if not self._failing:
                log.warning("replica sync: cannot read the log's latest activation (%s); trying again", exc)
            self._failing = True
            return
        if self._failing:
            log.warning("replica sync: the log answers again")
        self._failing = False
        if followed is not None:
            log.info("replica sync: followed activation %s (%s)", followed["id"], why)

    async def _run(self) -> None:
        await self.check("start")   # anything recorded between this app's build and its start
        while True:
            if self.dsn is not None:
                try:
                    await self._listen()
                except (psycopg.Error, OSError) as exc:
                    if not self._listen_failing:   # once until listening works again
                        log.warning("replica sync: listening for activations failed (%s); %s", exc,
                                    f"checking the log every {self.poll:g} s meanwhile" if self.poll else
                                    f"trying again every {RELISTEN_SECONDS:g} s")
                    self._listen_failing = True
                finally:
                    self.listening = False
            await asyncio.sleep(self.poll or RELISTEN_SECONDS)
            await self.check("periodic")

    async def _listen(self) -> None:
        """LISTEN, then check on every notification, and every `poll` seconds without one. Returns only by
        an exception (the connection lost)."""
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, connect_timeout=10) as conn:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(ACTIVATION_CHANNEL)))
            self.listening, self._listen_failing = True, False
            await self.check("listening")   # whatever was recorded while nobody listened
            while True:
                heard = None
                async for notice in conn.notifies(timeout=self.poll, stop_after=1):
                    heard = notice.payload
                await self.check(f"notified: {heard}" if heard is not None else "periodic")
