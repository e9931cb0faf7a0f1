"""Impact of a rule change: stored decisions re-evaluated under a candidate rule base.

`run_impact(store, candidate, filters)` walks the log in seq order, one batch
at a time, re-evaluates each decision's context under the candidate and
compares the result with the stored recommendation item by item
(engine.diff), then says which rule edits (engine.impact) caused each change.

How it evaluates, and why:
* The plain-Python backend, never durable_rules: it is safe anywhere (no C
  host to hang, crash or refuse a second ruleset) and gives the same results
  (tests/test_agreement.py). Exact reproduction of a durable result is
  replay's job (service/replay.py), not impact's.
* In worker processes (spawned; one per core) once there are more than
  IN_PROCESS_MAX decisions: threads would get no parallelism under the GIL and
  would stall the web process for the whole run. The log is cut into ranges of
  log positions and each worker reads its ranges itself (its own connection),
  so reading, unpacking and rendering compact records (service/log/packing.py,
  engine/explanation.py) run on every core too; the ranges are merged in log
  order, so the report is the one the serial path makes (tested). Small sets
  run in-process, where starting processes would cost more than the evaluations.
* A set of facts seen among a worker's last CACHE_MAX distinct ones is not
  evaluated again: the items compared depend only on the facts rules read
  (engine.facts.subjects, names aside), so a repeated context costs one
  dictionary lookup. The cache is bounded: each entry is a whole explained
  recommendation (~120 KB in memory).
* Decisions made under a version whose rules and catalogues equal the
  candidate's (an edit of comments or layout) cannot change: not evaluated.
* Nor are decisions in which no old version of an edited rule fired and no
  new version holds in the working memory they ended with (engine.impact.Guard,
  read from the stored explanation): most edits touch few decisions, so most
  of the log is settled without evaluating it.
  tests/service/test_svc_impact.py checks that this changes no report.

Bounded: with `limit`, only the newest `limit` decisions the filters select
are examined (evaluated in log order among themselves), and the report says
it is partial: how many matched, how many were examined, and which (their
log positions and times). Newest first because recent decisions are the
ones most like those the candidate will make, and were made under the rule
bases closest to it; older ones stay reachable by narrowing the filters
(date_to). The API and the page use DEFAULT_LIMIT, at most MAX_LIMIT; the
command line has no limit unless given one. Decisions logged after the run
started are not examined.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine import ContextError, Engine, ResolutionError, RuleBase, approaches
from engine.diff import Change, diff
from engine.errors import ExpansionError
from engine.explanation import expand, is_compact
from engine.facts import Subjects, subjects, validate_context
from engine.impact import Guard, RuleBaseDiff, attribute_all, guard, rulebase_diff
from service import candidates
from service.log import DecisionFilter
from service.log.chain import timestamp

IN_PROCESS_MAX = 200        # up to this many decisions, evaluate in the calling process
BATCH = 250                 # log positions per job sent to a worker (read there)
EXAMPLES = 3                # example decision ids kept per kind of change
CACHE_MAX = 512             # recommendations kept per evaluator for repeated sets of facts (~60 MB at most)
ONE_RUN = threading.Lock()  # one run at a time in the service, API or page alike: each may use both cores
DEFAULT_LIMIT = 2_000       # decisions examined by default in the service (API, page): 4 to 7 s here
MAX_LIMIT = 10_000          # and at most: 20 to 35 s on this machine's two cores (docs/AUDITING.md)


# -- the report ---------------------------------------------------------------------------------------

class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(description="Decisions with this change.")
    examples: list[str] = Field(description="A few of their decision ids, in log order.")


class Transition(Examples):
    old: str | None
    new: str | None


class ItemChange(Examples):
    item: str
    kind: str = Field(description="added, removed or changed")
    old: str | None = None
    new: str | None = None


class RuleImpact(Examples):
    rule: str = Field(description="An edited rule id, or '(catalogue)' / '(indirect)'.")
    how: list[str] = Field(description="How the changes were traced to it (engine.impact.attribute).")
    items: dict[str, int] = Field(description="Changed item -> decisions in which this edit changed it.")


class Failure(Examples):
    reason: str


class Named(BaseModel):
    """What a manager called a decision's project, and its city (the context's project.name and .city)."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = None
    city: str | None = None

    def __str__(self) -> str:
        return ", ".join(x for x in (self.project, self.city) if x) or "(unnamed)"


class ImpactReport(BaseModel):
    """What a candidate rule base would change in the stored decisions."""

    model_config = ConfigDict(extra="forbid")

    candidate_version: str
    filters: dict[str, Any]
    edits: list[RuleBaseDiff] = Field(description="From each version that made a decision to the candidate.")
    matched: int = Field(description="Decisions the filters select (logged before the run started).")
    limit: int | None = Field(description="Most decisions examined (null: no limit).")
    truncated: bool = Field(description="More decisions matched than `limit`: only the newest `limit` were examined "
                                        "and every count below is about those alone. A partial impact.")
    examined_order: Literal["newest_first"] = Field("newest_first",
                                                    description="Which decisions a limit keeps: the newest.")
    examined_seq: list[int] | None = Field(description="[first, last]: log positions (seq) of the oldest and the "
                                                       "newest decision examined; every matched decision between "
                                                       "them was examined. null when none matched.")
    examined_from: str | None = Field(description="When the oldest decision examined was made (UTC).")
    examined_to: str | None = Field(description="When the newest decision examined was made (UTC).")
    decisions: int = Field(description="Decisions examined: all those matched, or the newest `limit` of them.")
    evaluated: int = Field(description="Re-evaluated under the candidate.")
    unaffected: int = Field(description="Not evaluated: out of the edited rules' reach (engine.impact.Guard).")
    skipped_same_rules: int = Field(description="Made under a version with the candidate's very rules.")
    changed: int
    unchanged: int
    failed: int = Field(description="Could not be evaluated under the candidate (see failures).")
    approach: list[Transition] = Field(description="Approach transitions, most frequent first.")
    summary: dict[str, int] = Field(description="'<item kind> <added|removed|changed>' -> changes counted.")
    items: list[ItemChange] = Field(description="Each distinct item change, most frequent first.")
    rules: list[RuleImpact] = Field(description="Per edited rule: the changes it causes.")
    failures: list[Failure]
    named: dict[str, Named] = Field(default_factory=dict, description="Each example decision id -> its project "
                                                                      "and city, to tell the examples apart.")
    seconds: float
    workers: int = Field(description="Worker processes used (0: in the calling process).")

    def examples_text(self, ids: list[str]) -> str:
        """"e.g. <id> (project, city), ...": the example decisions with the names a reader knows them by."""
        return "e.g. " + ", ".join(f"{i} ({self.named[i]})" if i in self.named else i for i in ids)

    def text(self) -> str:
        """The report as `cogov rules impact` prints it."""
        out = [f"PARTIAL: only the {self.decisions} newest of the {self.matched} matching decisions were examined "
               f"(seq {self.examined_seq[0]}..{self.examined_seq[1]}, {self.examined_from} to {self.examined_to}); "
               f"raise the limit, or set an end date (--until, date_to) for older ones"] \
            if self.truncated and self.examined_seq else []
        out += [f"Impact of rule base {self.candidate_version} on {self.decisions} stored decision(s)"
                + (f" ({', '.join(f'{k}={v}' for k, v in self.filters.items())})" if self.filters else "") + ":",
               f"  {self.changed} changed, {self.unchanged} unchanged, {self.failed} cannot be evaluated "
               f"({self.evaluated} evaluated, {self.unaffected} out of the edited rules' reach, "
               f"{self.skipped_same_rules} made with the same rules; "
               f"{self.seconds:.1f} s)"]
        for d in self.edits:
            out.append("Rule edits " + str(d).replace("\n", "\n  "))
        if self.approach:
            out.append("Approach:")
            out += [f"  {t.old} -> {t.new}: {t.count} ({self.examples_text(t.examples)})" for t in self.approach]
        if self.summary:
            out.append("Items: " + ", ".join(f"{k}: {v}" for k, v in self.summary.items()))
        for it in self.items:
            what = f"{it.old} -> {it.new}" if it.kind == "changed" else it.kind
            out.append(f"  {it.item} {what}: {it.count} ({self.examples_text(it.examples)})")
        if self.rules:
            out.append("By rule edit:")
        for r in self.rules:
            top = ", ".join(f"{k} ({v})" for k, v in sorted(r.items.items(), key=lambda kv: (-kv[1], kv[0]))[:6])
            out.append(f"  {r.rule} [{', '.join(r.how)}]: {r.count} decision(s); {top}; "
                       f"{self.examples_text(r.examples)}")
        for f in self.failures:
            out.append(f"Cannot evaluate {f.count}: {f.reason} ({self.examples_text(f.examples)})")
        return "\n".join(out)


# -- evaluation (in a worker process, or in-process for small sets) -----------------------------------

class Evaluator:
    """Re-evaluates stored decisions under one candidate and compares them with what was stored."""

    def __init__(self, rulebase: RuleBase, cache_max: int = CACHE_MAX):
        self.engine = Engine(rulebase, backend="python")
        self.cache: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self.cache_max = cache_max

    def evaluate(self, ctx: Any, subj: Subjects) -> tuple[str, Any]:
        """("ok", recommendation) or ("failed", reason), once per distinct set of facts among the last
        `cache_max` (a recommendation is ~120 KB in memory: an unbounded cache grows with the log)."""
        key = json.dumps([subj.project, subj.stakeholders], sort_keys=True, default=str)
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        try:
            found = "ok", self.engine.evaluate(ctx)
        except ResolutionError as exc:
            found = "failed", f"the candidate leaves it unresolvable: {exc}"
        self.cache[key] = found
        if len(self.cache) > self.cache_max:
            self.cache.popitem(last=False)
        return found

    def compare(self, batch: list[tuple[str, str, str, str]],
                versions: Mapping[str, tuple[RuleBaseDiff, Guard]],
                olds: Mapping[str, RuleBase] | None = None) -> list[tuple[str, str, Any, Any]]:
        """For each (id, context_raw, recommendation, version): (id, status, detail, names), status one of
        "unaffected" (no edited rule can fire: not evaluated), "same", "changed", "failed"; names (the
        project's name and city, see names_of) only for a changed or failed decision, which may be an example.
        A compact recommendation (a format-3 record as stored, engine/explanation.py) is rendered from its
        version's rule base in `olds` only when the guard cannot settle it from what the compact form holds."""
        out: list[tuple[str, str, Any, Any]] = []
        for decision_id, context_raw, rec_text, version in batch:
            edits, guard = versions[version]
            try:
                ctx = validate_context(json.loads(context_raw))
            except ContextError as exc:
                out.append((decision_id, "failed", f"the stored context is not valid now: {exc}",
                            names_of(context_raw)))
                continue
            except ValueError as exc:
                out.append((decision_id, "failed", f"the stored context is not JSON: {exc}", None))
                continue
            subj = subjects(ctx)
            old = json.loads(rec_text)
            if is_compact(old):
                rulebase = (olds or {}).get(version)
                view = guard_view(old, rulebase) if rulebase is not None else None
                if view is not None and not guard.may_change(subj, view):
                    out.append((decision_id, "unaffected", None))
                    continue
                try:
                    old = expand(old, rulebase) if rulebase is not None else None
                except ExpansionError as exc:
                    old = exc
                if not isinstance(old, dict):
                    out.append((decision_id, "failed", f"its stored recommendation cannot be rendered: "
                                                       f"{old or f'rule base {version} is not loaded'}",
                                names_of(context_raw)))
                    continue
            elif not guard.may_change(subj, old):
                out.append((decision_id, "unaffected", None))
                continue
            status, new = self.evaluate(ctx, subj)
            if status != "ok":
                out.append((decision_id, "failed", new, names_of(context_raw)))
                continue
            d = diff(old, new)
            if d.same:
                out.append((decision_id, "same", None, None))
                continue
            causes = attribute_all(d.changes, edits, old, new)
            out.append((decision_id, "changed", [(c.model_dump(), cause.model_dump())
                                                 for c, cause in zip(d.changes, causes)], names_of(context_raw)))
        return out


def guard_view(data: dict[str, Any], rulebase: RuleBase) -> dict[str, Any] | None:
    """What the guard reads of a stored recommendation (engine.impact: the approach and its level, the unknown
    answers, each firing's rule, subject and derived facts), taken from its compact form and the rule base
    that made it, without rendering the rest; None when the compact form names an approach or a rule the
    rule base does not have (rendering it fails, and says why)."""
    known = approaches.BY_CODE.get((data.get("approach") or {}).get("code"))
    if known is None:
        return None
    firings = []
    for f in data["explanation"]["firings"]:
        rule = rulebase.by_id.get(f["rule"])
        if rule is None:
            return None
        firings.append({"rule": rule.id, "subject": f["subject"], "concluded": {"derive": list(rule.then.derive)}})
    return {"approach": {"code": known.code, "iap2_level": known.iap2_level}, "unknowns": data.get("unknowns"),
            "explanation": {"firings": firings}}


def names_of(context_raw: str) -> tuple[str | None, str | None] | None:
    """(project name, city) of a stored context, None when it has neither (or is not JSON)."""
    try:
        project = json.loads(context_raw).get("project")
    except (ValueError, AttributeError):
        return None
    if not isinstance(project, dict):
        return None
    name, city = project.get("name"), project.get("city")
    names = (name if isinstance(name, str) else None, city if isinstance(city, str) else None)
    return names if any(names) else None


# -- one chunk of the log (in a worker process, or in the calling process) -----------------------------

@dataclass
class _Chunk:
    """What examining one range of log positions found: the versions met (in log order, each with its rule
    edits, None when its stored files cannot be used), each decision's result in log order, counts."""

    versions: list[tuple[str, RuleBaseDiff | None]] = field(default_factory=list)
    results: list[tuple] = field(default_factory=list)
    examined: int = 0
    skipped: int = 0
    not_evaluated: int = 0


class _Examiner:
    """Examines ranges of the log under one candidate: reads them from the store (so that reading, unpacking
    and rendering compact records is spread over the workers too), settles each version once, compares."""

    def __init__(self, store: Any, candidate: RuleBase, exact: bool):
        self.store, self.candidate, self.exact = store, candidate, exact
        self.evaluator = Evaluator(candidate)
        self.versions: dict[str, tuple[RuleBaseDiff, Guard]] = {}
        self.olds: dict[str, RuleBase] = {}      # version -> its rule base, to render compact records
        self.unusable: dict[str, str] = {}       # version -> why its stored files cannot be used

    def _settle(self, version: str) -> None:
        if version in self.versions or version in self.unusable:
            return
        try:
            old = candidates.from_store(self.store, version)
        except candidates.CandidateError as exc:     # missing, or altered: the rule edits are unknown
            self.unusable[version] = str(exc).replace("\n", "; ")
        else:
            edits = rulebase_diff(old, self.candidate)
            self.olds[version] = old
            self.versions[version] = edits, guard(old, self.candidate, edits) if self.exact else Guard(exact=False)

    def chunk(self, selected: DecisionFilter, seqs: tuple[int, int], batch: int) -> _Chunk:
        out = _Chunk()
        met: dict[str, None] = {}
        for rows in self.store.iter_for_replay(selected, batch, seqs=seqs, rendered=False):
            out.examined += len(rows)
            todo = []
            for row in rows:
                version = row[3]
                self._settle(version)
                met.setdefault(version)
                if version in self.unusable:
                    out.not_evaluated += 1
                    out.results.append((row[0], "failed", f"its stored rule base {version} cannot be used: "
                                                          f"{self.unusable[version]}", names_of(row[1])))
                elif self.versions[version][0].same:
                    out.skipped += 1
                    out.results.append((row[0], "same", None))
                else:
                    todo.append(row)
            if todo:
                out.results += self.evaluator.compare(todo, self.versions, self.olds)
        out.versions = [(v, self.versions[v][0] if v in self.versions else None) for v in met]
        return out


_worker: _Examiner | None = None


def _worker_init(url: str, candidate: RuleBase, exact: bool) -> None:
    """Runs in each worker: its own connection to the log; the candidate arrives pickled (faster than parsing
    its YAML again)."""
    global _worker
    from service.log import DecisionStore
    _worker = _Examiner(DecisionStore(url, migrate_schema=False), candidate, exact)


def _worker_chunk(selected: DecisionFilter, seqs: tuple[int, int], batch: int) -> _Chunk:
    assert _worker is not None, "worker not initialised"
    return _worker.chunk(selected, seqs, batch)


def _ranges(first: int, last: int, size: int) -> Iterable[tuple[int, int]]:
    """[first, last] cut into ranges of `size` log positions, in order."""
    for a in range(first, last + 1, size):
        yield a, min(a + size - 1, last)


# -- aggregation --------------------------------------------------------------------------------------

@dataclass
class _Tally:
    """Counts with the first few decision ids of each."""

    limit: int
    counts: Counter = field(default_factory=Counter)
    examples: dict[Any, list[str]] = field(default_factory=dict)

    def add(self, key: Any, decision_id: str) -> None:
        self.counts[key] += 1
        seen = self.examples.setdefault(key, [])
        if len(seen) < self.limit:
            seen.append(decision_id)

    def ordered(self) -> list[tuple[Any, int, list[str]]]:
        return [(k, n, self.examples[k]) for k, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]


class _Aggregate:
    def __init__(self, examples: int):
        self.approach, self.items = _Tally(examples), _Tally(examples)
        self.rules, self.failures = _Tally(examples), _Tally(examples)
        self.summary: Counter = Counter()
        self.rule_items: dict[str, Counter] = {}
        self.rule_how: dict[str, set[str]] = {}
        self.changed = self.unchanged = self.failed = self.unaffected = 0
        self.names: dict[str, tuple[str | None, str | None]] = {}    # changed or failed decision -> names

    def add(self, decision_id: str, status: str, detail: Any, names: Any = None) -> None:
        if names:
            self.names[decision_id] = tuple(names)
        if status in ("same", "unaffected"):
            self.unchanged += 1
            self.unaffected += status == "unaffected"
        elif status == "failed":
            self.failed += 1
            self.failures.add(detail.split(": ", 1)[0], decision_id)   # the reason, without the details
        else:
            self.changed += 1
            responsible: set[str] = set()
            for change, cause in detail:
                c = Change(**change)
                if c.item == "approach":
                    self.approach.add((c.old, c.new), decision_id)
                self.items.add((c.item, c.kind, c.old, c.new), decision_id)
                self.summary[f"{c.item.split(':', 1)[0]} {c.kind}"] += 1
                names = cause["rules"] or (["(catalogue)"] if cause["how"] == "catalogue" else ["(indirect)"])
                for rule in names:
                    responsible.add(rule)
                    self.rule_items.setdefault(rule, Counter())[c.item] += 1
                    self.rule_how.setdefault(rule, set()).add(cause["how"])
            for rule in sorted(responsible):
                self.rules.add(rule, decision_id)


# -- the run ------------------------------------------------------------------------------------------

def run_impact(store: Any, candidate: RuleBase, filters: DecisionFilter | Mapping[str, Any] | None = None, *,
               limit: int | None = None, workers: int | None = None, examples: int = EXAMPLES, batch: int = BATCH,
               exact: bool = True) -> ImpactReport:
    """Re-evaluate the stored decisions `filters` selects (all by default) under `candidate`: all of
    them, or the newest `limit` (the report says when it was truncated).

    workers=None chooses: in-process for up to IN_PROCESS_MAX decisions, else
    one process per core (os.cpu_count()). `batch` is how many log positions one job covers.
    The candidate must already be validated (service.candidates). exact=False
    evaluates every decision, even those no edited rule can touch (engine.impact.Guard).
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    started = time.perf_counter()
    selected = DecisionFilter.of(filters)
    scope = store.select_newest(selected, limit)
    truncated = limit is not None and scope.matched > limit
    total = limit if truncated else scope.matched
    if workers is None:
        workers = 0 if total <= IN_PROCESS_MAX else max(1, os.cpu_count() or 1)
    versions: dict[str, RuleBaseDiff] = {}
    agg = _Aggregate(examples)
    skipped = not_evaluated = examined = 0
    ranges = list(_ranges(scope.first, scope.last, batch)) if scope.first is not None else []

    def merge(found: _Chunk) -> None:
        """Add one chunk's findings; chunks are merged in log order, so the report is the serial one."""
        nonlocal skipped, not_evaluated, examined
        for version, edits in found.versions:
            if edits is not None:
                versions.setdefault(version, edits)
        for result in found.results:
            agg.add(*result)
        examined += found.examined
        skipped += found.skipped
        not_evaluated += found.not_evaluated

    if workers == 0:
        local = _Examiner(store, candidate, exact)
        for seqs in ranges:
            merge(local.chunk(selected, seqs, batch))
    else:
        # a process pool over ranges of the log: each worker reads, renders and compares its own ranges
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init, initargs=(store.url, candidate, exact))
        try:
            pending: deque[Future] = deque()
            for seqs in ranges:
                pending.append(pool.submit(_worker_chunk, selected, seqs, batch))
                while len(pending) > 2 * workers:        # bounded: a few ranges in flight, merged in log order
                    merge(pending.popleft().result())
            while pending:
                merge(pending.popleft().result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return ImpactReport(
        candidate_version=candidate.version,
        filters={k: str(v) for k, v in vars(selected).items() if v is not None},
        edits=list(versions.values()), matched=scope.matched, limit=limit, truncated=truncated,
        examined_seq=[scope.first, scope.last] if scope.first is not None else None,
        examined_from=timestamp(scope.first_at) if scope.first_at else None,
        examined_to=timestamp(scope.last_at) if scope.last_at else None,
        decisions=examined, skipped_same_rules=skipped,
        unaffected=agg.unaffected, evaluated=examined - skipped - agg.unaffected - not_evaluated,
        changed=agg.changed, unchanged=agg.unchanged, failed=agg.failed,
        approach=[Transition(old=k[0], new=k[1], count=n, examples=ex) for k, n, ex in agg.approach.ordered()],
        summary=dict(sorted(agg.summary.items())),
        items=[ItemChange(item=k[0], kind=k[1], old=k[2], new=k[3], count=n, examples=ex)
               for k, n, ex in agg.items.ordered()],
        rules=[RuleImpact(rule=k, how=sorted(agg.rule_how[k]), items=dict(agg.rule_items[k]), count=n, examples=ex)
               for k, n, ex in agg.rules.ordered()],
        failures=[Failure(reason=k, count=n, examples=ex) for k, n, ex in agg.failures.ordered()],
        named={i: Named(project=agg.names[i][0], city=agg.names[i][1])
               for tally in (agg.approach, agg.items, agg.rules, agg.failures)
               for ids in tally.examples.values() for i in ids if i in agg.names},
        seconds=round(time.perf_counter() - started, 3), workers=workers)
