"""The engine worker: the code that runs inside each supervised child process.

durable_rules holds the GIL, is not thread-safe and can take its process down
with it, so it never runs in the web process. Each worker owns one Engine,
answers one job at a time over a pipe, and exits when the pipe closes (so an
orphaned worker never outlives the service). It rebuilds the rule base from
the files the service loaded, not from disk, so every worker, including a
replacement started hours later, runs exactly the version the service logs.

Protocol (tuples over a multiprocessing Connection):
  worker -> service at start: ("ready", pid) or ("fatal", message)
  service -> worker: ("evaluate", context_dict) | ("evaluate_for_log", context_dict), or None to stop
  worker -> service:  ("ok", result) | ("refused", CogovError) | ("error", message)
An engine error crosses the pipe as itself (CogovError pickles by its state,
engine/errors.py), so the service raises the very error the engine raised,
with its code, fields and per-field errors, and service/errors.py answers it
as it answers the same error raised in the web process: no second table.
"evaluate" answers the recommendation dict; "evaluate_for_log" answers an
`Evaluated` (for POST /recommendations): its texts (the full answer, the default brief one, the log's compact
one) are serialised here, in
the workers that run in parallel, so the single web process neither
unpickles the ~55 KB tree nor serialises it twice (log and response).
Checking a candidate rule base (check_main) runs in a one-shot process of its
own, so foreign rules never enter a serving worker's durable_rules host.
"""
from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable
from typing import Any, NamedTuple

from engine import CogovError, Engine, RuleBaseError, load_rulebase_files
from engine.explanation import brief, compact
from service.log.chain import compact_json, recommendation_index


class Evaluated(NamedTuple):
    """A recommendation ready to log and answer, made by a worker."""

    text: str              # compact JSON in the engine's key order: the API's response form
    canonical: str         # the decision log's text (hashed): the compact recommendation (engine/explanation.py)
                           # as service.log.chain.compact_json writes it, in the engine's key order
    index: dict[str, Any]  # chain.recommendation_index: the log's searchable columns
    rulebase_version: str
    engine_version: str
    brief: str             # compact JSON of engine.explanation.brief: the API's default answer (the plan, the
                           # items and their because references; the text above is the answer to explain=full)


def evaluated(rec: dict[str, Any]) -> Evaluated:
    # the response text is exactly what starlette's JSONResponse renders; a recommendation holds no float
    return Evaluated(compact_json(rec, floatless=True), compact_json(compact(rec), floatless=True),
                     recommendation_index(rec), rec["rulebase"]["version"], rec["engine"]["version"],
                     compact_json(brief(rec), floatless=True))


def load_engine(files: dict[str, str], version: str) -> Engine:
    """The durable engine of the rule base `files`, which must give `version` (RuleBaseError if not)."""
    return Engine(load_rulebase_files(files, expect_version=version), backend="durable")


def check_candidate(files: dict[str, str]) -> dict[str, Any]:
    """Load a candidate rule base and register it with durable_rules; report every error."""
    try:
        rulebase = load_rulebase_files(files)
    except RuleBaseError as exc:
        return {"ok": False, "errors": [{**e.as_dict(), "text": str(e)} for e in exc.errors]}
    try:
        Engine(rulebase, backend="durable").close()
    except Exception as exc:  # noqa: BLE001 - any refusal by durable_rules is the author's answer
        message = f"durable_rules refused the compiled rule base: {exc}"
        return {"ok": False, "errors": [{"file": "policy", "line": None, "rule": None, "message": message,
                                         "text": message}]}
    return {"ok": True, "version": rulebase.version, "rule_count": rulebase.rule_count,
            "strata": rulebase.strata, "errors": []}


def handle(engine: Engine, kind: str, payload: Any) -> tuple[str, Any]:
    """Answer one job; never raises for anything a job can cause: the engine's refusal is ("refused", the
    CogovError itself), anything else ("error", text)."""
    try:
        if kind == "evaluate":
            return "ok", engine.evaluate(payload)
        if kind == "evaluate_for_log":
            return "ok", evaluated(engine.evaluate(payload))
        return "error", f"unknown job kind {kind!r}"
    except CogovError as exc:
        return "refused", exc
    except Exception as exc:  # noqa: BLE001 - reported to the service, which logs it
        return "error", f"{type(exc).__name__}: {exc}"


def serve(conn: Any, engine: Engine, answer: Callable[[Engine, str, Any], tuple[str, Any]] = handle) -> None:
    """Answer jobs until the service closes the pipe (`answer` is `handle`; tests wrap it)."""
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        kind, payload = job
        conn.send(answer(engine, kind, payload))


def worker_main(conn: Any, files: dict[str, str], version: str) -> None:
    """Entry point of a worker process (multiprocessing target)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle
    try:
        engine = load_engine(files, version)
    except Exception as exc:  # noqa: BLE001 - the service reports why the worker could not start
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        conn.close()
        return
    # The rule base, the compiled engine and the libraries live as long as the worker: moved out of the
    # collector's generations, they are no longer walked by every full collection, which otherwise lands on
    # an evaluation now and then (a slower p99 for nothing).
    gc.collect()
    gc.freeze()
    conn.send(("ready", os.getpid()))
    try:
        serve(conn, engine)
    finally:
        engine.close()
        conn.close()


def check_main(conn: Any, files: dict[str, str]) -> None:
    """Entry point of a one-shot rule base check process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(("ok", check_candidate(files)))
    except Exception as exc:  # noqa: BLE001 - reported to the service
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
