"""`python -m benchmarks [--mode tiny|quick|full] [--out FILE] [--no-service]`: run and write the report."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from .config import MODES
from .report import Row, Table, render

REPO = Path(__file__).resolve().parent.parent

HISTORY = """\
**Earlier passes** (outputs byte-identical each time, tests/test_outputs_unchanged.py): a term is checked
by one closure; explanation plans per rule are worked out once per rule base; single-alternative rules skip
re-matching at settle; the durable driver encodes facts with orjson and takes an action's subject from the
fact just asserted; the JSON-ready recommendation is built directly (pydantic models kept as the contract,
tests/test_output_contract.py); the decision log is group-committed; workers write the log's and the
answer's texts with orjson and freeze their long-lived heap (gc.freeze); rule files are parsed by libyaml.
This pass (issue 16): the log keeps compact records (engine/explanation.py, service/log/packing.py);
impact analysis reads, renders and compares ranges of the log in one worker process per core and settles a
compact record without rendering it (service/impact.py); this report measures the bytes and where an
evaluation's time goes.
"""


def _cell(row: Row, column: str) -> float | None:
    text = row.cells.get(column)
    try:
        return float(text.replace(",", "").rstrip("%")) if text else None
    except ValueError:
        return None


def _limits(tables: dict[str, Table]) -> str:
    """What keeps each missed target out of reach, with this run's numbers, and what would reach it."""
    out: list[str] = []
    stages = tables.get("stages")
    if stages:
        ms = {r.label: _cell(r, "ms per evaluation") for r in stages.rows}

        def get(backend: str, what: str) -> float:
            return next((v for k, v in ms.items() if k.startswith(f"{backend}: {what}") and v is not None), 0.0)
        d_total, p_total = get("durable", "full explained"), get("python", "full explained")
        d_rules, d_c = get("durable", "running"), get("durable", "  of which durable_rules' assert") + \
            get("durable", "  of which durable_rules' actions")
        d_rec, d_plan = get("durable", "the JSON-ready"), get("durable", "  of which the plan")
        p_rules, p_rec = get("python", "running"), get("python", "the JSON-ready")
        compact = get("durable", "(after the evaluation)")
        rules_note = next((r.note for r in stages.rows if r.label.startswith("durable: running")), "")
        calls = next((r.note for r in stages.rows if "assert_fact" in r.label), "")
        actions = next((r.note for r in stages.rows if "actions (C)" in r.label), "")
        out.append(
            f"**The engine: 2,000 explained evaluations per second per core is 0.5 ms of CPU each.** In this run "
            f"one took {d_total:.2f} ms on the durable backend and {p_total:.2f} ms on the Python one (process "
            f"time; the stage table). Durable: running the rules and settling their explanations "
            f"{d_rules:.2f} ms ({d_rules / d_total:.0%}), of which {d_c:.2f} ms inside durable_rules' C calls "
            f"(assert_fact: {calls}; actions: {actions}); building the JSON-ready explained recommendation "
            f"{d_rec:.2f} ms ({d_rec / d_total:.0%}), of which {d_plan:.2f} ms the plan in words. Python: rules "
            f"{p_rules:.2f} ms, recommendation {p_rec:.2f} ms. The rule base has {rules_note} and a pilot fires "
            "about 90 of them: the durable driver asserts a group fact per group of rules and subject, then "
            "re-asserts every group that reads a newly derived fact, and durable_rules, which keeps no memory "
            "of what already fired, triggers again about 55 rules that had fired (of ~145 action messages): "
            "that and the driver's own Python work are the gap to the Python evaluator. Even the rules alone "
            f"({d_rules:.2f} ms durable, {p_rules:.2f} ms Python) exceed 0.5 ms here. What would reach it: "
            "(1) evaluating straight into the compact form the log keeps (compact trace, items by code), "
            "leaving titles, labels, sources and the copies of each rule's conclusions to the explanation on "
            f"request: saves most of the {d_rec:.2f} ms less the compact form's own cost ({compact:.2f} ms when "
            "made from the full one); (2) fewer durable_rules round trips: splitting each group fact into the "
            "facts that never change and those that read derived facts, so refreshing re-triggers nothing that "
            "fired (this reorders durable's firings, hence the explanations' sequence numbers: an engine version "
            "bump and a replay that tells engine changes from tampering); (3) the Python evaluator as the "
            "default backend (the product decision the stage table prices). (1) and (3) together would leave "
            "about the Python rules' time.")
    peers = tables.get("ladder.1")
    if peers:
        figs = {r.label: r.figure for r in peers.rows if r.figure}
        zen = next((f for k, f in figs.items() if k.startswith("zen-engine")), None)
        full = figs.get("cogov durable: full explained evaluation")
        only = figs.get("cogov durable: decision only, no explanation")
        if zen and full and only:
            out.append(
                f"**Against zen-engine.** Its decision table answers the approach alone in {1e3 / zen.rate:.3f} ms "
                f"(one row lookup in Rust, its JSON in and out included); cogov's durable backend "
                f"{1e3 / full.rate:.3f} ms for the fully explained recommendation ({full.ratio(zen):.0%} of zen's "
                f"rate) and {1e3 / only.rate:.3f} ms for the decision alone ({only.ratio(zen):.0%}): even without "
                "explanations cogov runs the whole rule base (participants, techniques, arrangements, warnings, "
                "the plan), which the table does not. Half of zen's rate needs the full explained evaluation in "
                f"{2e3 / zen.rate:.3f} ms: beyond the three steps above.")
    svc = tables.get("service")
    if svc:
        rows = {r.label: r for r in svc.rows}
        echo = next((r for k, r in rows.items() if k.startswith("bare")), None)
        lite = rows.get("cogov, decision log on SQLite")
        if echo and lite and echo.figure and lite.figure:
            import re
            cpu = {k: [float(x) for x in re.findall(r"(\d+\.\d+) ms", r.note)] for k, r in
                   (("echo", echo), ("cogov", lite))}
            out.append(
                f"**The service.** On two shared cores the client, the web process and the engine workers share the "
                f"CPU, so the rate follows the CPU per request (the service table: web process, engine workers, "
                f"client). The echo spends {sum(cpu['echo']):.2f} ms per request in all, cogov on SQLite "
                f"{sum(cpu['cogov']):.2f} ms; half the echo's rate needs cogov's total at about twice the echo's, "
                f"{2 * sum(cpu['echo']):.2f} ms. Its engine workers alone spend more (an evaluation plus the answer's "
                "and the compact record's texts); its web process parses and validates the context, waits on a "
                "worker, writes the decision (compressing its texts) and sends the answer. What would reach it: "
                "the engine steps above (the workers' share), a client and a database on other machines (the "
                "client's share and the database's), and more cores.")
    size = tables.get("bytes")
    if size:
        growth = next((r for r in size.rows if r.values.get("log_bytes")), None)
        if growth:
            out.append(
                f"**The log.** A pilot decision adds {growth.values['log_bytes'] / 1024:.1f} KB to the SQLite log "
                f"(the decision sizes table: {growth.note}). The rule-count rows (one per rule that fired, with "
                "their index, about 4 KB a decision) are what keeps the log's statistics of rules fast; dropping "
                "them, or keeping them per day instead of per decision, is the next lever.")
    return "\n\n".join(out + [HISTORY])


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
    peers = tables.get("ladder.1")
    if peers:
        figs = {r.label: r.figure for r in peers.rows}
        zen = next((f for label, f in figs.items() if label.startswith("zen-engine") and f), None)
        ours = figs.get("cogov durable: full explained evaluation")
        if ours:
            out.append(f"| full explained evaluation (durable) >= 50% of the rate of a zen-engine decision table "
                       f"computing only the approach | " +
                       (f"{ours.ratio(zen):.0%} ({ours.rate:,.0f}/s against {zen.rate:,.0f}/s) | "
                        f"{'yes' if ours.ratio(zen) >= 0.5 else 'no'} |" if zen else "zen-engine not installed | - |"))
    limit_kb = 12 * 1024
    for name, where in (("bytes", "in process"), ("service", "the running service")):
        for r in (tables[name].rows if name in tables else []):
            if "log_bytes" in r.values:
                b = r.values["log_bytes"]
                out.append(f"| decision log growth <= 12 KB per pilot decision (SQLite, after checkpoint and VACUUM; "
                           f"{where}) | {b / 1024:.1f} KB | {'yes' if b <= limit_kb else 'no'} |")
    for r in (tables["service"].rows if "service" in tables else []):
        if r.label.startswith("cogov") and "answer_max" in r.values:
            b = r.values["answer_max"]
            out.append(f"| default answer <= 20 KB for every pilot ({r.label.split(', ', 1)[1]}) | "
                       f"largest {b / 1024:.1f} KB | {'yes' if b <= 20 * 1024 else 'no'} |")
    for r in (tables["impact"].rows if "impact" in tables else []):
        if "workers" in r.values:
            v = r.values
            met = v["decisions"] >= 100_000 and v["workers"] >= v["cores"]
            out.append(f"| impact analysis over 100,000 stored decisions, on every core | {v['decisions']:,.0f} "
                       f"decisions, {v['workers']:.0f} worker process(es) on {v['cores']:.0f} core(s), "
                       f"{r.note.split(';')[0]} | {'yes' if met else 'no'} |")
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
    load_at_start = os.getloadavg()
    tables: dict[str, Table] = {}

    def step(name: str, fn) -> None:
        t0 = time.perf_counter()
        print(f"[bench] {name}...", file=sys.stderr, flush=True)
        result = fn()
        for i, table in enumerate(result if isinstance(result, list) else [result]):
            tables[name if i == 0 else f"{name}.{i}"] = table
        print(f"[bench] {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    step("ladder", lambda: engine_cases.shipped(mode))
    step("stages", lambda: engine_cases.stages(mode))
    step("sizes", lambda: engine_cases.sizes(mode))
    step("groups", lambda: engine_cases.groups(mode))
    step("memory", lambda: engine_cases.memory(mode))
    from .record_sizes import sizes as record_sizes
    step("bytes", lambda: record_sizes(mode, engine_cases.pilots(), [p.stem for p in engine_cases.PILOTS]))
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
    text = render(mode, list(tables.values()), _targets(tables), _limits(tables), seconds, load_at_start)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"[bench] wrote {args.out} in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
