"""In-process engine figures: the shipped rule base on the six pilots, peers,
the cost of explanation, generated rule bases, stakeholder scaling, memory."""
from __future__ import annotations

import gc
import json
import resource
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from engine import Engine, load_rulebase
from engine.evaluator import run_python
from engine.facts import subjects, validate_context

from . import generated, peers
from .config import Mode
from .report import Row, Table
from .timing import Figure, measure, timed

REPO = Path(__file__).resolve().parent.parent
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))


def pilots() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in PILOTS]


def decide_only(engine: Engine):
    """The decision without any explanation: validate, run the rules, pick the approach."""
    def run(ctx: dict[str, Any]) -> str | None:
        subj = subjects(validate_context(ctx))
        wm = engine._runtime.run(subj, explain=False) if engine._runtime else \
            run_python(engine.rulebase, subj, explain=False)
        return wm.approach.code
    return run


def ladder(engine: Engine) -> list[tuple[str, Any]]:
    """From no explanation to the full explained JSON-ready recommendation."""
    return [("decision only, no explanation", decide_only(engine)),
            ("firings with their explanations (infer)", engine.infer),
            ("explained Recommendation model (recommend)", engine.recommend),
            ("full explained recommendation, JSON-ready (evaluate)", engine.evaluate)]


def shipped(mode: Mode) -> list[Table]:
    contexts = pilots()
    rows: list[Row] = []
    full: dict[str, Figure] = {}
    for backend in ("durable", "python"):
        engine = Engine(REPO / "rules", backend=backend)
        gc.collect()
        gc.freeze()          # as the service's engine workers do once the rule base is loaded
        try:
            for label, fn in ladder(engine):
                fig = measure(fn, contexts, mode.rounds, mode.calls)
                rows.append(Row(f"{backend}: {label}", fig))
                if "evaluate" in label:
                    full[backend] = fig
        finally:
            gc.unfreeze()
            engine.close()
    for row in rows:
        backend = row.label.split(":")[0]
        row.note = f"{row.figure.ratio(full[backend]):.2f}x the full evaluation"
    ladder_table = Table("Engine, shipped rule base, six pilots (in process, one core)", rows,
                         "Each row runs the six pilot contexts in turn. Ratios compare each row with the full "
                         "explained evaluation of the same backend, measured in the same run. As in the service's "
                         "engine workers, the heap holding the loaded rule base is frozen (gc.freeze) first.")
    return [ladder_table, _peers(mode)]


def _peers(mode: Mode) -> Table:
    """Thomas's approach choice on all 256 answer combinations: cogov, zen-engine, hand-written Python."""
    base = pilots()[0]
    contexts = peers.combinations(base)
    rows: list[Row] = []
    python = Engine(REPO / "rules", backend="python")
    durable = Engine(REPO / "rules", backend="durable")
    try:
        zen_run, zen_label = peers.zen_decision(contexts, python)
        others = {"hand-written Python function (rules/policy/thomas.yaml)":
                  lambda c: peers.thomas_by_hand(c["decision"], c["project"]["objective"])}
        if zen_run is not None:
            others[f"{zen_label}: one first-hit decision table"] = lambda c: peers.zen_approach(zen_run(c))
        wrong = peers.verify(contexts, python, others)
        floor = measure(lambda c: peers.thomas_by_hand(c["decision"], c["project"]["objective"]), contexts,
                        mode.rounds, mode.calls)
        cases = [("cogov durable: decision only, no explanation", decide_only(durable)),
                 ("cogov python: decision only, no explanation", decide_only(python)),
                 ("cogov durable: full explained evaluation", durable.evaluate),
                 ("cogov python: full explained evaluation", python.evaluate)]
        for label, fn in cases:
            rows.append(Row(label, measure(fn, contexts, mode.rounds, max(mode.calls // 2, 6))))
        if zen_run is not None:
            label = f"{zen_label}: one first-hit decision table"
            rows.append(Row(label, measure(zen_run, contexts, mode.rounds, mode.calls),
                            f"disagreements with cogov: {wrong[label]} of {len(contexts)}"))
        label = "hand-written Python function (rules/policy/thomas.yaml)"
        rows.append(Row(label, floor, f"disagreements with cogov: {wrong[label]} of {len(contexts)}"))
        for row in rows:
            row.note = "; ".join(x for x in (row.note, f"{floor.ratio(row.figure):.0f}x slower than the floor"
                                             if row.figure is not floor else "the floor") if x)
        note = ("All 128 combinations of Thomas's seven answers under both objectives (256 contexts, Athens' "
                "other answers). cogov runs the whole shipped rule base (141 rules: participants, techniques... "
                "too); the peers compute the approach only and explain nothing. The zen table has one row per "
                "answer combination, its outputs taken from cogov and checked row by row.")
        if zen_run is None:
            note += f" zen-engine not measured: {zen_label}."
        return Table("Thomas's approach choice: cogov against a decision table and the hand-written floor", rows,
                     note)
    finally:
        python.close()
        durable.close()


def sizes(mode: Mode) -> Table:
    """Both generated shapes (benchmarks/generated.py): 'situated' rows are the realistic share of rules
    matching a context, 'dense' rows make the firings grow with the rules (the engine's cost per firing)."""
    rows: list[Row] = []
    ctx = [generated.context(6)]
    base: dict[str, tuple[Figure, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for shape in generated.SHAPES:
            for n in mode.sizes:
                root = generated.generate(Path(tmp) / f"{shape}{n}", n, shape=shape)
                load_s = timed(lambda: load_rulebase(root), 1)
                rb = load_rulebase(root)
                for backend in ("durable", "python"):
                    engines: list[Engine] = []
                    compile_s = timed(lambda: engines.append(Engine(rb, backend=backend)), 1)
                    engine = engines[0]
                    try:
                        fig = measure(engine.evaluate, ctx, mode.rounds, mode.size_calls)
                        firings = len(engine.evaluate(ctx[0])["explanation"]["firings"])
                    finally:
                        for e in engines:
                            e.close()
                    first, first_firings = base.setdefault(f"{shape} {backend}", (fig, firings))
                    per = first.rate / fig.rate
                    per_firing = (1e6 / fig.rate) / firings
                    per_firing_ratio = per / (firings / first_firings)
                    rows.append(Row(f"{n} rules, {shape}, {backend}", fig,
                                    f"load {load_s:.2f} s, compile {compile_s * 1e3:.0f} ms; {firings} firings, "
                                    f"{per_firing:.0f} us per firing; time per evaluation {per:.1f}x, per firing "
                                    f"{per_firing_ratio:.1f}x the {mode.sizes[0]}-rule base "
                                    f"({n / mode.sizes[0]:.0f}x the rules)"))
    return Table("Scaling with rule count (generated rule bases, 6 stakeholder groups, full evaluation)", rows,
                 "Generated bases (benchmarks/generated.py): Thomas's 9 rules plus project rules, rules per "
                 "stakeholder group, and chains through derived facts. 'situated': the first 141 rules (the "
                 "shipped base's size) are general, every later one is written for one of 44 situations (project "
                 "domain x phase), so the share of rules that can match a context falls as the base grows, as "
                 "in a base that grows by covering more kinds of project; 'dense': every rule is general, so the "
                 "firings grow with the rules. 'us per firing' is the time per evaluation divided by its firings. "
                 "The largest has 3,999 rules: durable_rules holds at most 4,000 engine rules and cogov's "
                 "session opener is one of them. 'load' is reading and checking the YAML (engine/loader.py); "
                 "'compile' is building the engine (the durable ruleset registration; nothing for the Python "
                 "evaluator).")


def groups(mode: Mode) -> Table:
    rows: list[Row] = []
    first: dict[str, Figure] = {}
    for backend in ("durable", "python"):
        engine = Engine(REPO / "rules", backend=backend)
        try:
            for n in mode.groups:
                fig = measure(engine.evaluate, [generated.context(n)], mode.rounds, max(3, mode.size_calls // 2))
                f0 = first.setdefault(backend, fig)
                rows.append(Row(f"{n} group(s), {backend}", fig,
                                f"time per evaluation {f0.rate / fig.rate:.1f}x one group"))
        finally:
            engine.close()
    return Table("Scaling with stakeholder groups (shipped rule base, full evaluation)", rows,
                 "Generated stakeholder groups with random kinds, levels and flags on Athens' other answers.")


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def memory(mode: Mode) -> Table:
    contexts = pilots()
    first, second = mode.memory
    rows: list[Row] = []
    for backend in ("durable", "python"):
        engine = Engine(REPO / "rules", backend=backend)
        fn = engine.infer if backend == "durable" else engine.evaluate
        try:
            done = 0
            readings = []
            t0 = time.perf_counter()
            for target in (first, second):
                while done < target:
                    fn(contexts[done % len(contexts)])
                    done += 1
                gc.collect()
                readings.append(_rss_kib())
            secs = time.perf_counter() - t0
        finally:
            engine.close()
        what = "infer (the durable_rules sessions)" if backend == "durable" else "evaluate"
        rows.append(Row(f"{backend}: {what}", None,
                        f"RSS after {first:,}: {readings[0] / 1024:.1f} MiB; after {second:,}: "
                        f"{readings[1] / 1024:.1f} MiB; growth {(readings[1] - readings[0]) / 1024:+.1f} MiB "
                        f"({secs:.0f} s)"))
    return Table("Memory: resident size of this process", rows,
                 "Read from /proc/self/statm after a garbage collection. The durable rows drive the C engine "
                 "(where a session or fact that is never freed would show); the Python rows the whole pipeline.")


def stages(mode: Mode) -> Table:
    """Where a full explained evaluation's time goes, stage by stage, in process time (CPU of this process,
    so another process's load counts less than in the wall-clock figures), both backends, six pilots."""
    import durable_rules_engine

    import engine.runtime as runtime
    from engine import ENGINE_VERSION
    from engine.plan import build_plan
    from engine.resolve import recommendation_data
    from engine.unknowns import settle
    try:
        from engine.explanation import compact
    except ImportError:
        compact = None
    contexts = pilots()
    clock = time.process_time
    rows: list[Row] = []
    for backend in ("durable", "python"):
        engine = Engine(REPO / "rules", backend=backend)
        spent: dict[str, float] = {}
        calls = {"assert_fact": 0, "actions": 0}
        real = (durable_rules_engine.assert_fact, durable_rules_engine.start_action_for_state,
                durable_rules_engine.complete_and_start_action)

        def timed_call(name: str, fn):
            def call(*args):
                t0 = clock()
                try:
                    return fn(*args)
                finally:
                    spent[name] = spent.get(name, 0.0) + clock() - t0
                    calls[name] += 1
            return call
        gc.collect()
        gc.freeze()
        try:
            for c in contexts:
                engine.evaluate(c)
            n = max(mode.calls, 12)
            for i in range(n):
                ctx = contexts[i % len(contexts)]
                t0 = clock()
                settled = settle(engine.rulebase, ctx)
                t1 = clock()
                subj = subjects(settled.context)
                t2 = clock()
                wm = engine._runtime.run(subj) if engine._runtime else run_python(engine.rulebase, subj)
                wm.unknowns = settled
                t3 = clock()
                rec = recommendation_data(wm, ENGINE_VERSION)
                t4 = clock()
                build_plan(rec, engine.rulebase.catalogue)
                t5 = clock()
                if compact is not None:
                    compact(rec)
                t6 = clock()
                for name, dt in (("validate", t1 - t0), ("subjects", t2 - t1), ("run", t3 - t2),
                                 ("recommendation", t4 - t3), ("plan", t5 - t4), ("compact", t6 - t5)):
                    spent[name] = spent.get(name, 0.0) + dt
            if backend == "durable":       # then the C calls alone, timed inside the driver by wrappers
                runtime.durable_rules_engine = SimpleNamespace(
                    assert_fact=timed_call("assert_fact", real[0]),
                    start_action_for_state=timed_call("actions", real[1]),
                    complete_and_start_action=timed_call("actions", real[2]),
                    delete_state=durable_rules_engine.delete_state, delete_ruleset=durable_rules_engine.delete_ruleset)
                for i in range(n):
                    engine.evaluate(contexts[i % len(contexts)])
        finally:
            runtime.durable_rules_engine = durable_rules_engine
            gc.unfreeze()
            engine.close()
        total = sum(spent[k] for k in ("validate", "subjects", "run", "recommendation"))

        def row(label: str, key: str, note: str = "") -> Row:
            ms = spent.get(key, 0.0) / n * 1e3
            return Row(f"{backend}: {label}", None, note,
                       cells={"ms per evaluation": f"{ms:.3f}", "share": f"{ms / (total / n * 1e3):.0%}"})
        rows += [row("validating the context, settling unknown answers", "validate"),
                 row("the subjects' facts", "subjects"),
                 row("running the rules, settling the explanations", "run",
                     f"{len(engine.rulebase.rules)} rules")]
        if backend == "durable":
            rows += [row("  of which durable_rules' assert_fact (C)", "assert_fact",
                         f"{calls['assert_fact'] / n:.0f} calls per evaluation"),
                     row("  of which durable_rules' actions (C)", "actions",
                         f"{calls['actions'] / n:.0f} calls per evaluation")]
        rows += [row("the JSON-ready explained recommendation", "recommendation"),
                 row("  of which the plan in words (engine/plan.py)", "plan", "timed as a second build")]
        if compact is not None:
            rows.append(row("(after the evaluation) its compact form, as the log keeps it", "compact",
                            "engine.explanation.compact; not in the total"))
        rows.append(Row(f"{backend}: full explained evaluation", None,
                        f"{n:,} evaluations; {1 / (total / n):,.0f} per second of CPU",
                        cells={"ms per evaluation": f"{total / n * 1e3:.3f}", "share": "100%"}))
    return Table("Where the time goes: one full explained evaluation, stage by stage (process time)", rows,
                 "The six pilots in turn, each stage timed with time.process_time (the CPU time of this process, "
                 "which another process's load inflates less than wall-clock time, though a busy shared core "
                 "still slows it); durable_rules' C calls are timed inside the driver in a second pass of as many evaluations. The stages add up to "
                 "Engine.evaluate; shares are of that total.", columns=("ms per evaluation", "share"))
