"""Replay: would a stored decision come out the same, under its own rules and under others?

(a) Integrity: the record must verify in the hash chain (its own hash, its
    stored rule files, its links to the records before and after it), and its
    context is evaluated again under the rule base version that made it
    (rebuilt from the files the log keeps) by the durable_rules backend, and
    the result must equal the stored recommendation exactly. A record that
    does not verify is an integrity fault, whatever else. A verified record
    whose recommendation is not reproduced is an integrity fault when the
    engine that replays it has the version that made it; when the versions
    differ it is "engine_changed": an engine upgrade may change results, so
    the difference is reported, item by item, but is no evidence of
    tampering. The only fields left out of the comparison are personal values
    the log replaced by commitments (service/log/privacy.py), and the engine
    version a recommendation names when the versions differ: they are not
    what the engine produced, or differ by design.
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


Status = Literal["reproduced", "engine_changed", "fault", "not_replayable"]


class Integrity(BaseModel):
    """Replay under the decision's own rule base version (durable_rules, as when it was made)."""

    model_config = ConfigDict(extra="forbid")

    status: Status = Field(description=(
        "reproduced: the record verifies in the hash chain and its own rule base gives the very same "
        "recommendation (also when the engine versions differ: see record_engine_version). "
        "engine_changed: the record verifies, the recommendation differs (changes, sections), and the engine "
        "replaying it is not the version that made it: an engine upgrade can explain the difference, so it is "
        "no evidence of tampering. "
        "fault: an integrity fault: the record does not verify in the hash chain (chain_problem; whatever the "
        "engine versions), or the same engine version no longer gives the stored recommendation. "
        "not_replayable: the stored context is not a valid context now; nothing is claimed either way."))
    detail: str
    chain_verifies: bool = Field(description="The record verifies: its hash, its stored rule files' digest, its "
                                             "index, and its links to the records before and after it.")
    chain_problem: str | None = Field(None, description="Why the record does not verify, when it does not.")
    record_engine_version: str = Field(description="The engine version that made the decision (as logged).")
    replay_engine_version: str = Field(description="The engine version that replayed it.")
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
    engine_version: str = Field(description="The engine version that made the decision (as logged).")
    integrity: Integrity
    against: Comparison | None = None
    seconds: float

    def text(self) -> str:
        """As `cogov audit replay` prints it."""
        i = self.integrity
        engines = (f"engine {self.engine_version}" if i.replay_engine_version == self.engine_version else
                   f"engine {self.engine_version} (replayed by engine {i.replay_engine_version})")
        out = [f"Decision {self.decision_id} (seq {self.seq}), made with rule base {self.rulebase_version}, "
               + engines,
               "Hash chain: " + ("the record verifies (its hash, stored rule files and links to its neighbours)"
                                 if i.chain_verifies else f"DOES NOT VERIFY: {i.chain_problem}"),
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
    (one version), (b) on the Python backend under `other`. Sends ("ok", (this process's engine
    version, one result per context)) or ("error", why)."""
    from engine import ENGINE_VERSION
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
        conn.send(("ok", (ENGINE_VERSION, out)))
    except Exception as exc:  # noqa: BLE001 - reported to the caller
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_one_shot(files: dict[str, str], version: str, contexts: list[Any], other: RuleBase | None,
                 timeout: float = TIMEOUT) -> tuple[str, list[dict[str, Any]]]:
    """Run replay_main in a fresh process: (the engine version that replayed, one result per context);
    raise RuntimeError if it overruns or dies."""
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


def chain_problem(store: Any, record: Any) -> str | None:
    """Why `record` does not verify in the hash chain, or None (DecisionStore.verify_record: the record and
    its neighbours, not the whole log)."""
    return store.verify_record(record.seq, record.id)


def _engine_masked(rec: dict[str, Any], version: str) -> dict[str, Any]:
    """The recommendation without the engine version it names, when that is `version`."""
    engine = rec.get("engine")
    if isinstance(engine, dict) and engine.get("version") == version:
        return {**rec, "engine": {**engine, "version": None}}
    return rec


def check_integrity(stored: dict[str, Any], result: tuple[str, Any], personal: dict[str, Any], *,
                    chain: str | None = None, record_engine: str, replay_engine: str) -> Integrity:
    """The verdict on a replay under the decision's own rule base.

    `chain` is why the record does not verify in the hash chain (None: it verifies): such a record is a
    fault whatever the engines. Otherwise a difference is a fault when `replay_engine` is the version that
    made the record (`record_engine`), and "engine_changed" when it is not."""
    kind, payload = result
    versions = dict(chain_verifies=chain is None, chain_problem=chain, record_engine_version=record_engine,
                    replay_engine_version=replay_engine)
    upgraded = record_engine != replay_engine
    engines = f"made by engine {record_engine}, replayed by engine {replay_engine}"
    changes: list[Change] = []
    sections: list[str] = []
    if kind == "ok":
        a, b = _masked(stored, personal), _masked(payload, personal)
        if upgraded:       # each names the engine that made it: not a difference in what they recommend
            a, b = _engine_masked(a, record_engine), _engine_masked(b, replay_engine)
        if a != b:
            changes = diff(a, b).changes
            sections = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    if kind == "ok" and not sections:
        outcome = "the same recommendation, in every field"
    elif kind == "ok":
        what = f"{len(changes)} item(s) differ" if changes else "the items agree but not every field"
        outcome = f"{what} (parts differing: {', '.join(sections)})"
    elif kind == "load_error":
        outcome = f"its own rule base cannot be used: {payload}"
    else:
        outcome = f"its own rule base gives no recommendation now ({kind}): {payload}"
    if chain is not None:
        return Integrity(status="fault", detail=f"the record does not verify in the hash chain: {chain}; "
                         f"replayed under its own rule base: {outcome}", changes=changes, sections=sections,
                         **versions)
    if kind == "invalid":
        return Integrity(status="not_replayable",
                         detail=f"the stored context is not a valid context now (personal values removed, or "
                                f"the context schema changed): {payload}", **versions)
    if kind == "ok" and not sections:
        detail = outcome + (f" ({engines})" if upgraded else "")
        return Integrity(status="reproduced", detail=detail, **versions)
    if upgraded:
        return Integrity(status="engine_changed",
                         detail=f"the record verifies, but its own rule base gives another result on this "
                                f"engine: {outcome}; {engines}, whose behaviour may differ, so this is no "
                                f"evidence of tampering: review the differences",
                         changes=changes, sections=sections, **versions)
    if kind == "ok":
        outcome = f"the stored recommendation is not what its own rule base gives: {outcome}"
    return Integrity(status="fault", detail=outcome, changes=changes, sections=sections, **versions)


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
            from engine import ENGINE_VERSION

            engine_version = ENGINE_VERSION
            results = [{"own": ("load_error", f"the rule base {version} it was made with is not stored"),
                        "other": None}] * len(group)
        else:
            engine_version, results = run_one_shot(stored.files, version, [r.context for r in group], against,
                                                   timeout)
        edits = _edits(store, version, against) if against is not None else None
        for record, result in zip(group, results):
            reports[record.id] = _report(store, record, result, engine_version, against, edits, started)
    return [reports.get(r.id) if r is not None else None for r in records]


def _edits(store: Any, version: str, against: RuleBase) -> RuleBaseDiff | str:
    try:
        return rulebase_diff(candidates.from_store(store, version), against)
    except candidates.CandidateError as exc:
        return str(exc)


def _report(store: Any, record: Any, result: dict[str, Any], engine_version: str, against: RuleBase | None,
            edits: RuleBaseDiff | str | None, started: float) -> ReplayReport:
    personal = getattr(record, "personal", None) or {}
    integrity = check_integrity(record.recommendation, result["own"], personal, chain=chain_problem(store, record),
                                record_engine=record.engine_version, replay_engine=engine_version)
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
