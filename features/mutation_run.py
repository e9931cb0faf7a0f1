"""The rule-mutation check's run of the features: a pytest plugin (service/mutation.py loads it with -p).

Does the behaviour specification notice a wrong rule? In one pytest session, with the features collected
as usual:

1. every scenario runs once against the rule base as it is, and the contexts each one evaluates are
   recorded; a scenario that fails here cannot count as catching anything;
2. each mutant (engine/mutation.py) is loaded in memory (engine.load_rulebase_files): refused, or
3. it evaluates the recorded contexts (the plain-Python backend, quicker); where a recommendation's pinned
   view (engine/pins.py) differs from the original's, the scenarios that evaluated that context really run
   again, against the mutant (features/conftest.py's `cogov_engine` is the mutant's engine), cheapest
   first: the first failure kills the mutant. A mutant whose recommendations all stay the same is
   equivalent (on these contexts); one that changes some while those scenarios all pass survives: no
   scenario pins what it changed.

The engine a scenario gets (in 1 and 3) is on SCENARIO_BACKEND, the durable_rules backend, as in the plain
features run (features/conftest.py) and in the service: the two backends agree on what fires and what is
recommended (tests/test_agreement.py), not on the order of the firings, which a recommendation's
explanation numbers; a decision logged from a plain-Python evaluation is therefore not reproduced by a
replay (service/replay.py, durable_rules, exact), and a what-if answer is checked by the durable engine
only. On the plain-Python backend those scenarios would fail on the rule base as it is, or fail against a
mutant for the backend rather than for the edit.

Scenarios are run with pytest's own protocol (fixtures, pytest-bdd's steps and hooks), without logging
them as tests of this session. The results go to the JSON file the spec names.
"""
from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol
from pytest_bdd.scenario import scenario_wrapper_template_registry

from engine import ENGINE_VERSION, ContextError, Engine, RuleBaseError, load_rulebase, load_rulebase_files
from engine.mutation import Mutant, all_mutants, sample
from engine.pins import compare, describe, pinned_view
from engine.resolve import recommendation_data

SPEC_ENV = "COGOV_MUTATION_SPEC"      # JSON: rules (a directory), seed, limit, ids, out (the result file)
PLUGIN_NAME = "cogov-mutation"        # features/conftest.py asks the plugin manager for it by this name
SCENARIOS_FILE = "test_features.py"
SCENARIO_BACKEND = "durable"          # the engine scenarios run on: as features/conftest.py's, see above


def pytest_configure(config: pytest.Config) -> None:
    spec = os.environ.get(SPEC_ENV)
    if spec:
        config.pluginmanager.register(MutationRun(json.loads(spec)), PLUGIN_NAME)


class _Recording(Engine):
    """The original rule base's engine (SCENARIO_BACKEND), noting every context a scenario asks about in
    `notes` (set for each scenario). The evaluations a what-if makes to check its answers are not noted: the
    scenario asked about one context."""

    def __init__(self, rulebase: Any):
        super().__init__(rulebase, backend=SCENARIO_BACKEND)
        self.notes: list[Any] = []
        self._inside = False

    def _noted(self, context: Any, ask: Any) -> Any:
        if self._inside:
            return ask()
        self.notes.append(copy.deepcopy(context))
        self._inside = True
        try:
            return ask()
        finally:
            self._inside = False

    def infer(self, context: Any):
        return self._noted(context, lambda: super(_Recording, self).infer(context))

    def why_not(self, context: Any, item: str):
        return self._noted(context, lambda: super(_Recording, self).why_not(context, item))

    def what_if(self, context: Any, item: str | None = None, **bounds: Any):
        return self._noted(context, lambda: super(_Recording, self).what_if(context, item, **bounds))


def _key(context: Any) -> str:
    return json.dumps(context, sort_keys=True, default=repr)


@dataclass
class _Run:
    """One context run through one rule base: what fired (in order), and what a manager gets."""

    fired: tuple[tuple[str, str], ...] = ()     # (rule id, subject) of every firing, in order
    unknown: bool = False                       # some answers were unknown (settled by running rules again)
    wm: Any = None
    said: Any = None                            # the outcome, once worked out

    def outcome(self) -> Any:
        """The pinned view of the recommendation, or the refusal, or the failure."""
        if self.said is None:
            try:
                self.said = {"view": pinned_view(recommendation_data(self.wm, ENGINE_VERSION))}
            except Exception as exc:  # noqa: BLE001 - a mutant may break the engine: an outcome too
                self.said = {"failed": f"{type(exc).__name__}: {exc}"}
            self.wm = None
        return self.said


def run_rules(engine: Engine, context: Any) -> _Run:
    try:
        wm = engine.infer(copy.deepcopy(context))
    except ContextError as exc:
        return _Run(said={"refused": [f"{e.get('field')}: {e.get('message')}" for e in exc.errors]})
    except Exception as exc:  # noqa: BLE001
        return _Run(said={"failed": f"{type(exc).__name__}: {exc}"})
    return _Run(fired=tuple((f.rule.id, f.subject) for f in wm.firings),
                unknown=bool(getattr(wm.unknowns, "answers", None)), wm=wm)


def same_outcome(before: _Run, after: _Run, edited: set[str]) -> bool:
    """Whether the mutant's run gives what the original's gave. Without working out the recommendation when
    the same rules fired for the same subjects in the same order, none of them an edited one, and no answer
    was unknown: the recommendation is made from the firings' rules alone (docs/AUTHORING.md, "How conflicts
    are settled"), so it is the same."""
    if after.said is None and "view" in before.outcome() and before.fired == after.fired \
            and not before.unknown and not after.unknown and not edited & {rule for rule, _ in after.fired}:
        return True
    return after.outcome() == before.outcome()


def _differences(before: Any, after: Any) -> list[str]:
    if "view" in before and "view" in after:         # said as pins.describe says them, "pinned" being "before"
        said = describe(compare(before["view"], after["view"])).splitlines()
        return [line.replace("not pinned", "new").replace("pinned", "was") for line in said]
    said = {"view": "a recommendation", "refused": "a refusal", "failed": "a failure"}
    return [f"~ {said[next(iter(after))]} instead of {said[next(iter(before))]}"]


def _feature(item: pytest.Item) -> str:
    """The name of the .feature file a scenario comes from."""
    return Path(scenario_wrapper_template_registry[item.obj].feature.filename).name


def _failure(reports: list[Any]) -> str | None:
    """The first line that says why a scenario failed (None: it passed)."""
    for rep in reports:
        if rep.failed:
            text = rep.longreprtext or ""
            lines = [ln[2:].strip() for ln in text.splitlines() if ln.startswith("E ")]
            return (lines[0] if lines else text.strip().splitlines()[-1] if text.strip() else rep.when)[:300]
    return None


class MutationRun:
    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.current: Engine | None = None

    def engine(self) -> Engine:
        """The engine the scenario being run evaluates with (features/conftest.py's `cogov_engine`)."""
        if self.current is None:
            raise RuntimeError("the rule-mutation run supplies no engine outside its own runs")
        return self.current

    def _run(self, item: pytest.Item, engine: Engine) -> tuple[str | None, float]:
        self.current = engine
        start = time.perf_counter()
        reports = runtestprotocol(item, log=False, nextitem=None)
        return _failure(reports), time.perf_counter() - start

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        started = time.perf_counter()
        items = [i for i in session.items if i.path.name == SCENARIOS_FILE]
        only, skip = set(self.spec.get("only") or ()), set(self.spec.get("skip") or ())
        items = [i for i in items if (not only or _feature(i) in only) and _feature(i) not in skip]
        original = load_rulebase(self.spec["rules"])

        # 1. the scenarios against the rule base as it is, noting the contexts each evaluates
        passing: list[pytest.Item] = []
        cost: dict[str, float] = {}
        users: dict[str, list[str]] = {}
        contexts: dict[str, Any] = {}
        broken: list[str] = []
        noted: dict[str, list[Any]] = {}
        recording = _Recording(original)
        try:
            for item in items:
                recording.notes = []
                failed, took = self._run(item, recording)
                if failed is not None:
                    broken.append(f"{item.name}: {failed}")
                    continue
                passing.append(item)
                cost[item.nodeid] = took
                noted[item.nodeid] = recording.notes
        finally:
            self.current = None
            recording.close()
        for nodeid, notes in noted.items():
            for ctx in notes:
                key = _key(ctx)
                contexts.setdefault(key, ctx)
                if nodeid not in users.setdefault(key, []):
                    users[key].append(nodeid)
        by_id = {i.nodeid: i for i in passing}
        plain = Engine(original, backend="python")
        before = {key: run_rules(plain, ctx) for key, ctx in contexts.items()}
        for run in before.values():
            run.outcome()
        # contexts many scenarios share first (the pilots), each one's scenarios cheapest first
        order = sorted(contexts, key=lambda k: -len(users[k]))
        for key in order:
            users[key].sort(key=lambda n: cost[n])
        baseline = time.perf_counter() - started

        # 2-3. every mutant
        chosen = sample(all_mutants(original.files), int(self.spec.get("seed", 0)), self.spec.get("limit"))
        if self.spec.get("ids"):
            chosen = [m for m in chosen if m.id in set(self.spec["ids"])]
        results = [self._verdict(m, original, order, contexts, before, users, by_id) for m in chosen]
        contexts_of: dict[str, list[Any]] = {}
        if self.spec.get("contexts"):          # for an author writing the scenario that kills a survivor
            for key in order:
                for nodeid in users[key]:
                    contexts_of.setdefault(by_id[nodeid].name, []).append(contexts[key])
        Path(self.spec["out"]).write_text(json.dumps({
            "rulebase": original.version, "scenarios": len(items), "passing": len(passing),
            "broken": broken, "contexts": len(contexts), "baseline_seconds": round(baseline, 2),
            "seconds": round(time.perf_counter() - started, 2), "contexts_of": contexts_of,
            "mutants": results}, indent=1), encoding="utf-8")
        self.current = None
        return True

    def _verdict(self, m: Mutant, original: Any, order: list[str], contexts: dict[str, Any],
                 before: dict[str, Any], users: dict[str, list[str]], by_id: dict[str, pytest.Item]) -> dict:
        out: dict[str, Any] = {"id": m.id, "kind": m.kind, "file": m.file, "line": m.line, "rule": m.rule,
                               "what": m.what}
        try:
            rb = load_rulebase_files(m.apply(original.files))
        except RuleBaseError as exc:
            return {**out, "verdict": "refused", "because": str(exc.errors[0]) if exc.errors else "refused"}
        engine = Engine(rb, backend="python")            # the recorded contexts, quickly
        scenarios: Engine | None = None                     # the scenarios' (SCENARIO_BACKEND), when one runs
        changed: list[str] = []          # scenarios whose contexts now give another recommendation
        differences: list[str] = []
        tried: set[str] = set()
        try:
            for key in order:
                after = run_rules(engine, contexts[key])
                if same_outcome(before[key], after, set(m.rules)):
                    continue
                if not differences:
                    differences = _differences(before[key].outcome(), after.outcome())[:5]
                for nodeid in users[key]:
                    if nodeid not in changed:
                        changed.append(nodeid)
                    if nodeid in tried:
                        continue
                    tried.add(nodeid)
                    if scenarios is None:
                        scenarios = Engine(rb, backend=SCENARIO_BACKEND)
                    failed, _ = self._run(by_id[nodeid], scenarios)
                    if failed is not None:
                        return {**out, "verdict": "killed", "by": by_id[nodeid].name, "because": failed}
        finally:
            self.current = None
            if scenarios is not None:
                scenarios.close()
        if not changed:
            return {**out, "verdict": "equivalent"}
        return {**out, "verdict": "survived", "scenarios": [by_id[n].name for n in changed],
                "differences": differences}
