"""The served rule base: one immutable snapshot of (rule base, engine pool), switched atomically.

A request takes the current `Serving` snapshot once, at its start, and uses
it throughout (holding a lease on it), so the decision it logs names the
version that evaluated it even when an author activates another version
meanwhile. The `Activator` switches snapshots:

1. check the candidate in a one-shot process with a time limit
   (COGOV_RULES_CHECK_TIMEOUT): durable_rules can hang or abort on a rule
   base, and neither may reach the web process or a serving worker;
2. store the version's files in the decision log (every version that ever
   served is kept) and start a new engine pool for it: a failure refuses the
   activation and the old snapshot keeps serving;
3. record the activation, then publish the new snapshot in one step on the
   event loop (`Activator.current`, which requests lease through
   service.deps.ServingDep): requests that start later use it;
4. retire the old snapshot in the background: wait until no request holds it
   and its pool has no job in flight (bounded), then close its workers.

Activations run one at a time (a lock). Replicas on one decision log
converge: `Activator.follow` serves the log's latest activation when another
replica (or this one's own restart) recorded it, through the same checks
and swap but without recording an activation of its own (the activation
happened once); service.replicas calls it on PostgreSQL's NOTIFY and
periodically.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from engine import RuleBase, RuleBaseError, load_rulebase, load_rulebase_files
from engine.loader import rulebase_files
from engine.localize import retranslated
from service.log import DecisionStore
from service.settings import Settings
from service.workers import CheckTarget, EnginePool, WorkerFailure, WorkerStartError, WorkerTarget, run_check

log = logging.getLogger("cogov.serving")

WATCH_USER = "local author (file watch)"
ACTIONS = ("startup", "activate", "rollback")


class ActivationRefused(RuntimeError):
    """A rule base was not activated; the old one keeps serving.

    `kind`: invalid (load errors, each in `errors` as file:line), timeout (the
    check overran its time limit), crash (the check process died), start (its
    engine workers would not start), unknown (no such stored version).
    """

    def __init__(self, detail: str, kind: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail, self.kind, self.errors = detail, kind, errors or []

    def lines(self) -> list[str]:
        return [e.get("text") or e.get("message", "") for e in self.errors] or [self.detail]


class _Leases:
    """How many requests hold a snapshot; retiring waits for none."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._zero = threading.Event()
        self._zero.set()

    def take(self) -> None:
        with self._lock:
            self._count += 1
            self._zero.clear()

    def give(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0:
                self._zero.set()

    @property
    def count(self) -> int:
        return self._count

    async def released(self, timeout: float) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._zero.is_set():
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True


@dataclass(frozen=True, eq=False)
class Serving:
    """What serves now: a rule base, the engine pool that runs exactly it, and its activation record."""

    rulebase: RuleBase
    pool: EnginePool
    activation: dict[str, Any] | None
    since: datetime = field(default_factory=lambda: datetime.now(timezone.utc))   # serving here from when
    _leases: _Leases = field(default_factory=_Leases, repr=False)

    @property
    def version(self) -> str:
        return self.rulebase.version

    @contextmanager
    def lease(self) -> Iterator["Serving"]:
        """Hold this snapshot for the length of a request: its pool is not closed meanwhile."""
        self._leases.take()
        try:
            yield self
        finally:
            self._leases.give()


def replica_view(serving: Serving, latest: dict[str, Any] | None,
                 refused: dict[str, Any] | None) -> dict[str, Any]:
    """Which version this replica serves and since when, beside the log's latest activation (`latest`, None
    when unknown: no activation, or the database did not answer), for GET /api/v1/rulebase and /readyz.
    `in_step` is false for the moment a replica takes to follow, or for as long as it refuses the latest."""
    return {"serving": serving.version, "serving_since": serving.since,
            "latest": latest["version"] if latest else None,
            "in_step": None if latest is None else latest["version"] == serving.version,
            "refused": None if refused is None else {
                "version": refused["activation"]["version"], "activation_id": refused["activation"]["id"],
                "kind": refused["kind"], "detail": refused["detail"]}}


def read_directory(root: Path) -> dict[str, str]:
    """The rule base files in a directory, {relpath: text}; ActivationRefused for an unreadable one."""
    root = Path(root)
    if not root.is_dir():
        raise ActivationRefused(f"{root}: not a directory", "invalid",
                                [{"file": str(root), "line": None, "rule": None, "message": "not a directory",
                                  "text": f"{root}: not a directory"}])
    files: dict[str, str] = {}
    for rel in rulebase_files(root):
        path = root / rel
        if not path.is_file():
            continue   # a missing catalogue is the check's to report, with the loader's wording
        try:
            files[rel] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            message = f"cannot read: {exc}"
            raise ActivationRefused(f"{rel}: {message}", "invalid",
                                    [{"file": rel, "line": None, "rule": None, "message": message,
                                      "text": f"{rel}: {message}"}]) from None
    return files


class Activator:
    """Owns the served snapshot: startup, activation, rollback, following other replicas' activations,
    retirement, the development file watch."""

    def __init__(self, store: DecisionStore, settings: Settings, *,
                 worker_target: WorkerTarget | None = None, check_target: CheckTarget | None = None):
        self.store, self.settings = store, settings
        self._worker_target, self._check_target = worker_target, check_target
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task] = set()
        self._watch_dir: Path | None = None
        self._watch_task: asyncio.Task | None = None
        self._watch_stop: asyncio.Event | None = None
        self.current: Serving | None = None
        # the log's latest activation this replica refused to follow ({"activation", "kind", "detail"}), or None
        self.refused: dict[str, Any] | None = None

    # -- snapshot --------------------------------------------------------------
    def _pool(self, rulebase: RuleBase) -> EnginePool:
        s = self.settings
        return EnginePool(rulebase.files, rulebase.version, size=s.workers, timeout=s.eval_timeout,
                          start_timeout=s.worker_start_timeout, check_timeout=s.rules_check_timeout,
                          target=self._worker_target, check_target=self._check_target)

    def _publish(self, serving: Serving) -> None:
        """Make `serving` current; no await in here, so no request sees a half-switched state."""
        self.current = serving

    def prepare(self, rulebase: RuleBase, note: str | None = None) -> Serving:
        """At app build time: serve `rulebase` (already stored), recording a startup activation when it
        differs from the last active version. Its pool starts with the app (start())."""
        last = self.store.last_activation()
        activation = last
        if last is None or last["version"] != rulebase.version:
            activation = self.store.record_activation(rulebase.version, "startup", "startup", note)
        serving = Serving(rulebase, self._pool(rulebase), activation)
        self._publish(serving)
        return serving

    async def start(self) -> None:
        await self.current.pool.start()
        if self._watch_dir is not None:
            self._watch_stop = asyncio.Event()
            self._watch_task = asyncio.get_running_loop().create_task(self._watch_loop(self._watch_dir))

    async def close(self) -> None:
        if self._watch_task is not None:
            self._watch_stop.set()
            self._watch_task.cancel()
            await asyncio.gather(self._watch_task, return_exceptions=True)
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
        if self.current is not None:
            await self.current.pool.close()

    # -- activation ------------------------------------------------------------
    async def _checked(self, files: dict[str, str], expect_version: str | None) -> RuleBase:
        """The rule base `files` make, after the time-limited check in its own process; ActivationRefused."""
        loop = asyncio.get_running_loop()
        timeout = self.settings.rules_check_timeout
        try:
            kind, result = await loop.run_in_executor(None, run_check, files, timeout, self._check_target)
        except WorkerFailure as exc:
            raise ActivationRefused(f"rule base refused: {exc}", exc.kind) from None
        if kind != "ok":
            raise ActivationRefused(f"rule base refused: the check failed unexpectedly: {result}", "crash")
        if not result["ok"]:
            raise ActivationRefused(f"rule base refused: {len(result['errors'])} error(s)", "invalid",
                                    result["errors"])
        try:   # pure Python: safe in the web process once checked
            rulebase = await loop.run_in_executor(
                None, functools.partial(load_rulebase_files, files, expect_version=expect_version))
        except RuleBaseError as exc:   # stored files altered in the decision log (the check passed)
            errors = [{**e.as_dict(), "text": str(e)} for e in exc.errors]
            raise ActivationRefused(f"rule base refused: {exc}", "invalid", errors) from None
        return keep_translations(rulebase, self.current.rulebase if self.current is not None else None)

    async def _started(self, rulebase: RuleBase) -> EnginePool:
        """A new engine pool for `rulebase`, its workers ready before any request is sent to them."""
        pool = self._pool(rulebase)
        try:
            await pool.start()
        except (WorkerStartError, OSError, RuntimeError) as exc:
            raise ActivationRefused(f"rule base refused: its engine workers would not start: {exc}",
                                    "start") from None
        return pool

    def _swap(self, serving: Serving) -> Serving:
        """Publish `serving` and retire the snapshot it replaces; returns that one."""
        old = self.current
        self._publish(serving)
        task = asyncio.get_running_loop().create_task(self._retire(old))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        return old

    async def activate(self, files: dict[str, str], activated_by: str, *, action: str = "activate",
                       note: str | None = None, expect_version: str | None = None) -> dict[str, Any]:
        """Check, start, record and switch to a rule base given by its files.

        Returns {"changed", "version", "previous", "activation", "rule_count"};
        raises ActivationRefused (the old snapshot keeps serving).
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown activation action {action!r}")
        loop = asyncio.get_running_loop()
        async with self._lock:
            old = self.current
            rulebase = await self._checked(files, expect_version)
            if rulebase.version == old.version:
                # the version serving here: nothing to record, unless the log's latest activation names another
                # (this replica refused the one the others follow): then recording it brings them back to it
                latest = await loop.run_in_executor(None, self.store.last_activation)
                if latest is None or latest["version"] == old.version:
                    return {"changed": False, "version": old.version, "previous": old.version,
                            "activation": old.activation, "rule_count": rulebase.rule_count}
                activation = await loop.run_in_executor(None, self.store.record_activation, rulebase.version,
                                                        activated_by, action, note)
                self.refused = None
                log.warning("rule base %s %s by %s: recorded for the other replicas (it serves here already)",
                            rulebase.version, action, activated_by)
                return {"changed": False, "version": old.version, "previous": old.version,
                        "activation": activation, "rule_count": rulebase.rule_count}
            await loop.run_in_executor(None, self.store.store_rulebase, rulebase.version, rulebase.files)
            pool = await self._started(rulebase)
            try:
                activation = await loop.run_in_executor(None, self.store.record_activation, rulebase.version,
                                                        activated_by, action, note)
            except Exception:
                await pool.close()
                raise
            self._swap(Serving(rulebase, pool, activation))
            self.refused = None
            log.warning("rule base %s (%d rules) now serving, %s by %s; %s retiring", rulebase.version,
                        rulebase.rule_count, action, activated_by, old.version)
            return {"changed": True, "version": rulebase.version, "previous": old.version,
                    "activation": activation, "rule_count": rulebase.rule_count}

    async def follow(self) -> dict[str, Any] | None:
        """Serve the version of the log's latest activation when it is not the one serving here.

        Another replica recorded it (an activation, a rollback, a restart's startup): this one loads the
        version's stored files through the same checks and swap as an activation, and records nothing (the
        activation happened once; the history must not double). A stored version that fails its check or no
        longer loads as itself is refused once per activation and logged, and the current one keeps serving
        (`refused` says which). Returns the activation now followed, or None. Database errors propagate.
        """
        loop = asyncio.get_running_loop()
        async with self._lock:   # after a local activation's record and swap, never between them
            latest = await loop.run_in_executor(None, self.store.last_activation)
            old = self.current
            if latest is None or latest["version"] == old.version:
                self.refused = None   # in step (again): whatever was refused is no longer the latest
                return None
            if self.refused is not None and self.refused["activation"]["id"] == latest["id"]:
                return None   # refused already; logged once
            try:
                stored = await loop.run_in_executor(None, self.store.get_rulebase, latest["version"])
                if stored is None:
                    raise ActivationRefused(f"no stored rule base version {latest['version']}", "unknown")
                rulebase = await self._checked(stored.files, latest["version"])
                pool = await self._started(rulebase)
            except ActivationRefused as refused:
                self.refused = {"activation": latest, "kind": refused.kind, "detail": refused.detail}
                log.error("rule base %s (activation %s, %s by %s) refused on this replica (%s); %s keeps "
                          "serving here:\n  %s", latest["version"], latest["id"], latest["action"],
                          latest["activated_by"], refused.kind, old.version, "\n  ".join(refused.lines()))
                return None
            self._swap(Serving(rulebase, pool, latest))
            self.refused = None
            log.warning("rule base %s (%d rules) now serving, following activation %s (%s by %s); %s retiring",
                        rulebase.version, rulebase.rule_count, latest["id"], latest["action"],
                        latest["activated_by"], old.version)
            return latest

    async def activate_directory(self, activated_by: str, note: str | None = None) -> dict[str, Any]:
        """Activate the configured rules directory (COGOV_RULES_DIR) as it is on disk now."""
        files = await asyncio.get_running_loop().run_in_executor(None, read_directory, self.settings.rules_dir)
        return await self.activate(files, activated_by, action="activate",
                                   note=note or f"from directory {self.settings.rules_dir}")

    async def rollback(self, version: str, activated_by: str, note: str | None = None) -> dict[str, Any]:
        """Re-activate a stored version, through the same checks as any other activation."""
        stored = await asyncio.get_running_loop().run_in_executor(None, self.store.get_rulebase, version)
        if stored is None:
            raise ActivationRefused(f"no stored rule base version {version}", "unknown")
        return await self.activate(stored.files, activated_by, action="rollback", note=note,
                                   expect_version=version)

    async def _retire(self, old: Serving) -> None:
        """Close a swapped-out pool once nothing uses it (bounded: a stuck request cannot keep it forever)."""
        bound = 2 * self.settings.eval_timeout + 5   # waiting for a worker, then evaluating
        try:
            released = await old._leases.released(bound)
            drained = await old.pool.drain(bound)
            if not (released and drained):
                log.error("rule base %s retired with %d request(s) / %d job(s) still on it after %g s",
                          old.version, old._leases.count, old.pool.inflight, bound)
        finally:
            await old.pool.close()
            log.info("rule base %s retired: its engine workers are stopped", old.version)

    # -- development file watch ----------------------------------------------------
    def watch(self, directory: Path) -> None:
        """Activate `directory` whenever its files change (started with the app; `cogov serve --watch-rules`)."""
        self._watch_dir = Path(directory)

    async def _watch_loop(self, directory: Path) -> None:
        from watchfiles import awatch

        log.warning("watching %s: rule base changes are activated as %r", directory, WATCH_USER)
        async for changes in awatch(directory, stop_event=self._watch_stop, recursive=True):
            names = sorted({Path(p).name for _, p in changes})
            try:
                out = await self.activate_directory(WATCH_USER, note=f"file watch: {', '.join(names)[:400]}")
            except ActivationRefused as refused:
                log.error("rule base change in %s refused (%s); %s keeps serving:\n  %s", directory, refused.kind,
                          self.current.version, "\n  ".join(refused.lines()))
                continue
            except Exception:   # noqa: BLE001 - the watch must outlive any one failed activation
                log.exception("activating %s after a change failed", directory)
                continue
            if out["changed"]:
                log.warning("rule base %s activated from %s (was %s)", out["version"], directory, out["previous"])


def startup_rulebase(settings: Settings, store: DecisionStore,
                     directory: RuleBase | None = None) -> tuple[RuleBase, str | None]:
    """What serves after a (re)start, by COGOV_RULES_AT_START, with a note for the startup activation.

    directory (default): the rules directory, as a deployment expects (the
    directory in version control is the source of truth). last: the version
    last activated (e.g. through the API), so a restart does not undo an
    author's activation; the directory when nothing was activated yet.
    `directory` is the rules directory when the caller has loaded it already.

    With replicas on one log, what the startup records is an activation like
    any other, which the running replicas follow (Activator.follow): with
    `directory`, a (re)start whose directory differs from the log's latest
    activation deploys that directory to every replica; with `last`, a
    replica joins the others on the version they serve.
    """
    if settings.rules_at_start == "last":
        last = store.last_activation()
        stored = store.get_rulebase(last["version"]) if last else None
        if stored is not None:
            try:
                rulebase = load_rulebase_files(stored.files, expect_version=stored.version)
            except RuleBaseError as exc:
                log.error("the last activated rule base %s no longer loads as itself (%s); serving the rules "
                          "directory", stored.version, exc)
            else:
                return keep_translations(rulebase, directory or load_rulebase(settings.rules_dir)), \
                    f"last activated version (activation {last['id']})"
    return directory or load_rulebase(settings.rules_dir), f"rules directory {settings.rules_dir}"


def keep_translations(rulebase: RuleBase, serving: RuleBase | None) -> RuleBase:
    """A rule base loaded from stored files (an activation, a rollback, a restart on the last version) brings no
    translations, which are not part of its version: it keeps those served so far (or the directory's), each
    checked against its own English (engine.localize.retranslated). One that brings its own keeps them."""
    if rulebase.catalogue.translations is not None and rulebase.catalogue.translations.version is not None:
        return rulebase
    if serving is None or serving.catalogue.translations is None:
        return rulebase
    rulebase.catalogue = retranslated(rulebase.catalogue, serving.catalogue.translations)
    return rulebase
