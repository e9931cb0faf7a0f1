"""Benchmark of `cogov rules impact`: 10,000 stored decisions re-evaluated under a rule edit.

    .venv/bin/python -m benchmarks.impact_bench [--decisions 10000] [--distinct 10000] [--workers 2] [--log F]

Fills a fresh SQLite decision log with decisions made by the shipped rule base
on contexts varied from the six pilots (`varied_contexts`: every decision
field, public field and stakeholder power/interest drawn at random, so
`distinct` sets of facts among `decisions` contexts), then times
service.impact.run_impact under a copy of rules/ with two edits (a rule
removed, a technique added to another), as it runs (decisions out of the
edits' reach settled by engine.impact.Guard) and evaluating every decision.
Prints one JSON object.
The fill is not timed. Reusable: `fill_log` and `edited_rules` for other benchmarks.
"""
from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import random
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION, Engine, RuleBase, load_rulebase
from engine.context import SECTION_MODELS, Stakeholder, field_enum

REPO = Path(__file__).resolve().parents[1]
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))
VARIED_SECTIONS = ("decision", "public")
VARIED_STAKEHOLDER_FIELDS = ("power", "interest")


class _Bench:
    name, role = "benchmark", "manager"


def _choices(model: Any, name: str) -> list[Any] | None:
    kind, enum = field_enum(model, name)
    if kind == "bool":
        return [True, False]
    return [m.value for m in enum] if enum is not None else None


def varied_contexts(n: int, distinct: int | None = None, seed: int = 7) -> list[dict[str, Any]]:
    """`n` valid contexts from the pilots: `distinct` random variants (default n), each used in turn,
    every context with its own project name (as repeated real requests would)."""
    rng = random.Random(seed)
    pilots = [json.loads(p.read_text(encoding="utf-8")) for p in PILOTS]
    variants = []
    for _ in range(distinct or n):
        ctx = copy.deepcopy(rng.choice(pilots))
        for section in VARIED_SECTIONS:
            model = SECTION_MODELS[section]
            for name in model.model_fields:
                values = _choices(model, name)
                if values and name in ctx.get(section, {}) or (values and rng.random() < 0.3):
                    ctx.setdefault(section, {})[name] = rng.choice(values)
        if ctx["decision"].get("delegated_within_constraints") is True:   # a delegation states its constraints
            ctx["decision"].setdefault("constraints", "Within the budget envelope and the law.")
        for s in ctx["stakeholders"]:
            for name in VARIED_STAKEHOLDER_FIELDS:
                s[name] = rng.choice(_choices(Stakeholder, name))
        variants.append(ctx)
    out = []
    for i in range(n):
        ctx = copy.deepcopy(variants[i % len(variants)])
        ctx["project"]["name"] = f"{ctx['project']['name']} #{i}"
        out.append(ctx)
    return out


_engine: Engine | None = None


def _init(root: str) -> None:
    global _engine
    _engine = Engine(root, backend="python")


def _evaluate(ctx: dict[str, Any]) -> dict[str, Any] | None:
    from engine import ResolutionError
    try:
        return _engine.evaluate(ctx)
    except ResolutionError:
        return None


def fill_log(store: Any, rules_dir: Path, contexts: list[dict[str, Any]], workers: int = 2) -> int:
    """Record every context's recommendation under the rule base at rules_dir; returns how many."""
    rulebase = load_rulebase(rules_dir)
    store.store_rulebase(rulebase.version, rulebase.files)
    recorded = 0
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
                             initargs=(str(rules_dir),)) as pool:
        for ctx, rec in zip(contexts, pool.map(_evaluate, contexts, chunksize=100)):
            if rec is not None:
                store.record(identity=_Bench(), context=ctx, recommendation=rec,
                             rulebase_version=rulebase.version, engine_version=ENGINE_VERSION)
                recorded += 1
    return recorded


def edited_rules(target: Path) -> RuleBase:
    """A copy of rules/ at `target` with two edits: techniques.thomas_unitary also recommends an
    open house; techniques.size_small_qualitative is removed."""
    shutil.copytree(REPO / "rules", target)
    path = target / "policy" / "techniques.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      techniques: [public_meeting]\n", "      techniques: [public_meeting, open_house]\n", 1)
    start = text.index("  - id: techniques.size_small_qualitative")
    end = text.index("  - id:", start + 10)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return load_rulebase(target)


def main() -> None:
    from service.impact import run_impact
    from service.log import DecisionStore

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=None, help="distinct contexts (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log", type=Path, default=None,
                        help="SQLite file to fill, or to reuse when it exists (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cogov-impact-bench-") as tmp:
        path = args.log or Path(tmp) / "log.db"
        reuse = path.exists()
        store = DecisionStore(f"sqlite:///{path}")
        t0 = time.perf_counter()
        recorded = store.count() if reuse else \
            fill_log(store, REPO / "rules", varied_contexts(args.decisions, args.distinct), args.workers)
        fill = time.perf_counter() - t0
        candidate = edited_rules(Path(tmp) / "candidate")
        t0 = time.perf_counter()
        report = run_impact(store, candidate, workers=args.workers)
        seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = run_impact(store, candidate, workers=args.workers, exact=False)
        full_seconds = time.perf_counter() - t0
        store.close()
    print(json.dumps({"decisions": recorded, "distinct_contexts": args.distinct or args.decisions,
                      "workers": args.workers, "impact_seconds": round(seconds, 2),
                      "decisions_per_second": round(recorded / seconds), "changed": report.changed,
                      "evaluated": report.evaluated, "unaffected": report.unaffected, "failed": report.failed,
                      "impact_seconds_evaluating_all": round(full_seconds, 2), "fill_seconds": round(fill, 1),
                      "same_report": full.model_dump(exclude={"seconds", "evaluated", "unaffected"})
                      == report.model_dump(exclude={"seconds", "evaluated", "unaffected"})}))


if __name__ == "__main__":
    main()
