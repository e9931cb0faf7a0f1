"""Replay: would a stored decision come out the same, under its own rules and under others?

(a) Integrity: the decision's context is evaluated again under the rule base
    version that made it (rebuilt from the files the log keeps) by the
    durable_rules backend that produced it, and the result must equal the
    stored recommendation exactly. Anything else is an integrity fault: the
    stored record, the stored rules or the engine no longer agree with what
    was logged. The only fields left out of the comparison are personal values
    the log replaced by commitments (service/log/privacy.py): they are not the
    values the engine produced, by design.
(b) Comparison: the same context under another rule base (the current one, a
    stored version or a directory), item by item (engine.diff) against the
    stored recommendation, each change with the rule edits behind it
    (engine.impact).

durable_rules can hang or crash and cannot replace a registered ruleset, so
evaluation never happens in the calling (web) process: each replay runs in a
one-shot process with a time limit, killed when it overruns. (b) runs there
too, on the plain-Python backend (it agrees with durable: tests/test_agreement.py),
so one process does both without registering two rulesets.
"""
from __future__ import annotations

import copy
import multiprocessing
import signal
import threading
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine import ContextError, Engine, EngineError, ResolutionError, RuleBase
from engine.diff import Change, RecommendationDiff, diff
from engine.impact import Cause, RuleBaseDiff, attribute_all, rulebase_diff
from service import candidates

TIMEOUT = 60.0
_SLOTS = threading.BoundedSemaphore(2)      # one-shot processes at once (the machine has 2 cores, shared)


class Integrity(BaseModel):
    """Replay under the decision's own rule base version (durable_rules, as when it was made)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["reproduced", "fault", "not_replayable"]
    detail: str
    changes: list[Change] = Field(default_factory=list, description="Items that differ from the stored ones.")
    sections: list[str] = Field(default_factory=list,
                                description="Top-level parts of the recommendation that differ (e.g. explanation).")


class Comparison(BaseModel):
    """The stored recommendation against the one another rule base gives."""

    model_config = ConfigDict(extra="forbid")

    rulebase_version: str
    edits: RuleBaseDiff
    error: str | None = Field(None, description="Why the other rule base gave no recommendation.")
    diff: RecommendationDiff | None = None
    causes: list[Cause] = Field(default_factory=list, description="The rule edits behind each change, in order.")
    recommendation: dict[str, Any] | None = None


class ReplayReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_id: str
    seq: int
    rulebase_version: str
    engine_version: str
    integrity: Integrity
    against: Comparison | None = None
    seconds: float

    def text(self) -> str:
        """As `cogov audit replay` prints it."""
        i = self.integrity
        out = [f"Decision {self.decision_id} (seq {self.seq}), made with rule base {self.rulebase_version}, "
               f"engine {self.engine_version}",
               f"Replay under its own rule base: {i.status.upper().replace('_', ' ')}: {i.detail}"]
        out += [f"  {c}" for c in i.changes]
        if self.against is not None:
            a = self.against
            out.append(f"Under rule base {a.rulebase_version}:")
            if a.edits.same:
                out.append("  no rule or catalogue edit since the decision's version")
            else:
                out.append("  " + str(a.edits).replace("\n", "\n  "))
            if a.error:
                out.append(f"  no recommendation: {a.error}")
            elif a.diff is not None and a.diff.same:
                out.append("  the same recommendation")
            elif a.diff is not None:
                for change, cause in zip(a.diff.changes, a.causes):
                    why = ", ".join(cause.rules or cause.catalogue) or "no edited rule (indirect)"
                    out.append(f"  {change}    [{cause.how}: {why}]")
        return "\n".join(out)


# -- the one-shot process ---------------------------------------------------------------------------

def _evaluate(engine: Engine, context: Any) -> tuple[str, Any]:
    try:
        return "ok", engine.evaluate(context)
    except ContextError as exc:
        return "invalid", str(exc)
    except ResolutionError as exc:
        return "unresolvable", str(exc)
    except EngineError as exc:
        return "engine_error", str(exc)


def replay_main(conn: Any, files: dict[str, str], version: str, contexts: list[Any], other: RuleBase | None) -> None:
    """Entry point of a one-shot replay process: each context (a) on durable_rules under `files`
    (one version), (b) on the Python backend under `other`."""
    from service.worker_process import load_engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            engine = load_engine(files, version)
        except Exception as exc:  # noqa: BLE001 - the stored rules no longer load: the auditor's answer
            engine, broken = None, ("load_error", f"{type(exc).__name__}: {exc}")
        theirs = Engine(other, backend="python") if other is not None else None
        out = []
        try:
            for context in contexts:
                out.append({"own": _evaluate(engine, context) if engine is not None else broken,
                            "other": _evaluate(theirs, context) if theirs is not None else None})
        finally:
            if engine is not None:
                engine.close()
        conn.send(("ok", out))
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_one_shot(files: dict[str, str], version: str, contexts: list[Any], other: RuleBase | None,
                 timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """Run replay_main in a fresh process; raise RuntimeError if it overruns or dies."""
    mp = multiprocessing.get_context("spawn")
    with _SLOTS:
        parent, child = mp.Pipe()
        process = mp.Process(target=replay_main, args=(child, files, version, contexts, other),
                             name="cogov-replay", daemon=True)
        process.start()
        child.close()
        try:
            if not parent.poll(timeout):
                process.kill()
                raise RuntimeError(f"the replay exceeded {timeout:g} s and was stopped")
            try:
                kind, payload = parent.recv()
            except EOFError:
                process.join(2)
                raise RuntimeError(f"the replay process died (exit code {process.exitcode})") from None
        finally:
            process.join(5)
            parent.close()
    if kind != "ok":
        raise RuntimeError(f"the replay failed: {payload}")
    return payload


# -- comparing --------------------------------------------------------------------------------------

def _masked(rec: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    """The recommendation without the personal values the log replaced by commitments."""
    pointers = [p for p in personal if p.startswith("/recommendation/")]
    if not pointers:
        return rec
    from service.log import privacy

    doc = {"recommendation": copy.deepcopy(rec)}
    for pointer in pointers:
        try:
            privacy.put(doc, pointer, None)
        except (KeyError, IndexError, TypeError, ValueError):
            pass            # absent in this recommendation: nothing to hide
    return doc["recommendation"]


def check_integrity(stored: dict[str, Any], result: tuple[str, Any], personal: dict[str, Any]) -> Integrity:
    kind, payload = result
    if kind == "load_error":
        return Integrity(status="fault", detail=f"its own rule base cannot be used: {payload}")
    if kind == "invalid":
        return Integrity(status="not_replayable",
                         detail=f"the stored context is not a valid context now (personal values removed, or "
                                f"the context schema changed): {payload}")
    if kind != "ok":
        return Integrity(status="fault", detail=f"its own rule base gives no recommendation now ({kind}): {payload}")
    a, b = _masked(stored, personal), _masked(payload, personal)
    if a == b:
        return Integrity(status="reproduced", detail="the same recommendation, in every field")
    changes = diff(a, b).changes
    sections = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    what = f"{len(changes)} item(s) differ" if changes else "the items agree but not every field"
    return Integrity(status="fault", detail=f"the stored recommendation is not what its own rule "
                                            f"base gives: {what} (parts differing: {', '.join(sections)})",
                     changes=changes, sections=sections)


def replay(store: Any, decision_id: str, against: RuleBase | None = None, *,
           timeout: float = TIMEOUT) -> ReplayReport | None:
    """Replay one stored decision (None if the log has no such decision); RuntimeError when
    the replay process fails or overruns `timeout`."""
    return replay_many(store, [decision_id], against, timeout=timeout)[0]


def replay_many(store: Any, decision_ids: list[str], against: RuleBase | None = None, *,
                timeout: float = TIMEOUT) -> list[ReplayReport | None]:
    """Replay several decisions, one one-shot process per rule base version they were made with."""
    started = time.perf_counter()
    records = [store.get(i) for i in decision_ids]
    by_version: dict[str, list[Any]] = {}
    for record in records:
        if record is not None:
            by_version.setdefault(record.rulebase_version, []).append(record)
    reports: dict[str, ReplayReport] = {}
    for version, group in by_version.items():
        stored = store.get_rulebase(version)
        if stored is None:
            results = [{"own": ("load_error", f"the rule base {version} it was made with is not stored"),
                        "other": None}] * len(group)
        else:
            results = run_one_shot(stored.files, version, [r.context for r in group], against, timeout)
        edits = _edits(store, version, against) if against is not None else None
        for record, result in zip(group, results):
            reports[record.id] = _report(record, result, against, edits, started)
    return [reports.get(r.id) if r is not None else None for r in records]


def _edits(store: Any, version: str, against: RuleBase) -> RuleBaseDiff | str:
    try:
        return rulebase_diff(candidates.from_store(store, version), against)
    except candidates.CandidateError as exc:
        return str(exc)


def _report(record: Any, result: dict[str, Any], against: RuleBase | None, edits: RuleBaseDiff | str | None,
            started: float) -> ReplayReport:
    personal = getattr(record, "personal", None) or {}
    integrity = check_integrity(record.recommendation, result["own"], personal)
    comparison = None
    if against is not None:
        if isinstance(edits, str):
            integrity.detail += f" (its stored files do not load: {edits})"
            edits = RuleBaseDiff(old_version=record.rulebase_version, new_version=against.version, rules=[],
                                 catalogue=[], reordered=False)
        kind, payload = result["other"] or ("error", "not evaluated")
        if kind == "ok":
            d = diff(record.recommendation, payload)
            comparison = Comparison(rulebase_version=against.version, edits=edits, diff=d, recommendation=payload,
                                    causes=attribute_all(d.changes, edits, record.recommendation, payload))
        else:
            comparison = Comparison(rulebase_version=against.version, edits=edits, error=f"{kind}: {payload}")
    return ReplayReport(decision_id=record.id, seq=record.seq, rulebase_version=record.rulebase_version,
                        engine_version=record.engine_version, integrity=integrity, against=comparison,
                        seconds=round(time.perf_counter() - started, 3))
