"""`python -m benchmarks [--mode tiny|quick|full] [--out FILE] [--no-service]`: run and write the report."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .config import MODES
from .report import Row, Table, render

REPO = Path(__file__).resolve().parent.parent

LIMITS = """\
Measured with CPU time (time.process_time) and cProfile on the full evaluation of the six pilots
(75 firings on average, a 55 KB explained recommendation each), on the shared machine: CPU time per
evaluation, before -> after the second pass, same run: durable 6.2 -> 5.0 ms, Python 4.6 -> 3.4 ms
(infer alone: durable ~3.7-4.0 ms, Python ~2.1 ms). The 2,000/s target is 0.5 ms per evaluation:

- **The output itself.** The explanation is most of the work: each firing carries the values it
  matched, the firings it used, what it concluded and its sources. Building it (resolve) now costs
  ~1.1 ms (was ~2.5 ms: pydantic validation ~0.7 ms and dump ~0.45 ms per evaluation are gone; the
  models are the contract checked in tests/test_output_contract.py). Settling each firing's
  explanation (first matching alternative, matched values, used firings) costs ~0.5-0.8 ms. Together
  they exceed the whole 0.5 ms budget before any rule runs. A lighter contract (explanation on
  request, or firings without `matched` and `concluded`) is the way past this; that is a product
  decision, not a performance fix. The decision alone (no explanation) is measured in the ladder.
- **durable_rules' C calls.** 22 group facts per pilot are JSON-encoded and asserted (assert_fact
  ~0.3 ms, json encoding ~0.2 ms), and about 120 action messages come back and are decoded
  (~0.3 ms); with the driver loop, about 1.5 ms per pilot. Fewer facts need fewer, larger groups,
  which durable_rules' alpha stack limit (GROUP_LEAVES) bounds.
- **Python-side recording.** Recording a firing, settling its explanation once per stratum and the
  conflict resolution are per firing. At a realistic firing share (the 'situated' generated bases)
  the firings grow far less than the rules, and the time per evaluation grows less than linearly;
  the Python evaluator still checks every rule once per subject, which is the growth left at
  1,000+ rules ('us per firing' of the situated rows).
- **The service** (one web process, 2 engine workers, client on the same 2 cores): the workers now
  serialise the recommendation (the response text and the log's canonical text) and the web process
  passes the texts through; it no longer unpickles the ~55 KB tree (~0.5 ms) nor serialises it twice
  (~1.4 ms canonical + ~1.2 ms response). What is left per request in the web process: parsing and
  validating the context (pydantic), the pipe round trip, the decision log transaction (head row
  locked, rule base digest read, decision and rule-count rows inserted, head updated) and HTTP.
  This halves no ratio on 2 cores: client, web process and both workers share them, so throughput
  is bound by the total CPU per request (durable evaluation ~5 ms, the two texts ~2.6 ms in the
  worker, the web side, the client), not by the web process alone; the net saving is ~1.5 ms of
  CPU per request. Measured in this run, the ratio did not move (it is noisy under load). Past it:
  a client on another machine, more cores for workers, or a lighter explanation (as above).

What changed in the second pass (output unchanged: the outputs of 206 contexts, the six pilots and
200 generated, on both backends, compared byte for byte before and after; agreement, determinism,
feature and service tests pass): Engine.evaluate builds the JSON-ready recommendation directly in
the models' field order with their defaults (engine.resolve.recommendation_data) instead of
validating and dumping the model per evaluation; the working memory holds plain values; engine
workers answer POST /recommendations with the texts to log and return (service.worker_process.
Evaluated) and the store appends a decision from them (DecisionStore.record_text, the same stored
bytes and hash as record()); the generated rule bases gained the realistic 'situated' shape and the
table reports time per firing.

First pass: cached per-subject views in the working memory; explanations computed once per firing
(at settle); the Python evaluator checks only rules whose positively read derived facts changed,
with literal checks compiled once per rule base; the durable driver builds group facts from
per-group field lists and reads action messages without parsing whole facts; `resolve` dumps each
rule's conclusion once per rule base and groups participant firings by subject.
"""


def _targets(tables: dict[str, Table]) -> list[str]:
    out = []
    ladder = tables.get("ladder")
    if ladder:
        for r in ladder.rows:
            if "evaluate" in r.label:
                f = r.figure
                met = f.rate >= 2000 and f.p99_ms < 2
                out.append(f"| full evaluation with explanation >= 2,000/s per core, p99 < 2 ms "
                           f"({r.label.split(':')[0]}) | {f.rate:,.0f}/s, p99 {f.p99_ms:.2f} ms | "
                           f"{'yes' if met else 'no'} |")
    svc = tables.get("service")
    if svc:
        figs = {r.label: r.figure for r in svc.rows}
        ceiling = next((f for label, f in figs.items() if label.startswith("bare")), None)
        for label, f in figs.items():
            if label.startswith("cogov") and ceiling:
                if f is None:
                    out.append(f"| {label}: >= 50% of the bare endpoint's throughput | not available | - |")
                else:
                    ratio = f.ratio(ceiling)
                    out.append(f"| {label}: >= 50% of the bare endpoint's throughput | {ratio:.0%} | "
                               f"{'yes' if ratio >= 0.5 else 'no'} |")
    sizes = tables.get("sizes")
    if sizes:
        for backend in ("durable", "python"):
            rows = [r for r in sizes.rows if r.label.endswith(f"situated, {backend}")]
            if len(rows) >= 2:
                n0, n1 = (int(r.label.split()[0]) for r in (rows[0], rows[-1]))
                growth = rows[0].figure.rate / rows[-1].figure.rate
                out.append(f"| time per evaluation grows less than linearly, {n0} to {n1} rules, situated "
                           f"({backend}) | "
                           f"{growth:.1f}x the time for {n1 / n0:.0f}x the rules | "
                           f"{'yes' if growth < n1 / n0 else 'no'} |")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-service", action="store_true", help="skip the HTTP service figures")
    args = parser.parse_args(argv)
    mode = MODES[args.mode]
    from . import engine_cases, generated
    started = time.perf_counter()
    tables: dict[str, Table] = {}

    def step(name: str, fn) -> None:
        t0 = time.perf_counter()
        print(f"[bench] {name}...", file=sys.stderr, flush=True)
        result = fn()
        for i, table in enumerate(result if isinstance(result, list) else [result]):
            tables[name if i == 0 else f"{name}.{i}"] = table
        print(f"[bench] {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    step("ladder", lambda: engine_cases.shipped(mode))
    step("sizes", lambda: engine_cases.sizes(mode))
    step("groups", lambda: engine_cases.groups(mode))
    step("memory", lambda: engine_cases.memory(mode))
    if not args.no_service and mode.service_seconds > 0:
        from engine import load_rulebase

        from .service_cases import service

        def run_service() -> list[Table]:
            with tempfile.TemporaryDirectory() as tmp:
                swaps = [(f"{n}-rule generated base", load_rulebase(generated.generate(Path(tmp) / f"s{n}", n)).files)
                         for n in mode.sizes]
                return service(mode, engine_cases.pilots(), swaps)
        step("service", run_service)
    if mode.impact_decisions:
        from .impact_case import impact
        step("impact", lambda: impact(mode, engine_cases.pilots()[0]))
    else:
        tables["impact"] = Table("Impact analysis: a rule edit over stored decisions",
                                 [Row("stored decisions", None, f"not run in {mode.name} mode")])
    seconds = time.perf_counter() - started
    text = render(mode, list(tables.values()), _targets(tables), LIMITS, seconds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"[bench] wrote {args.out} in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
