"""Evidence per technique, rule, approach and role: counts, scores where followed and where not, by context.

The unit is the evaluated decision (a "case"), never the evaluation: a
decision evaluated at three stages counts once. Its evaluations are read in
the order recorded and a later one overrides an earlier one item by item
and criterion by criterion, so the latest word on each stands.

For one technique, rule, approach or role, a case is
  * followed when every item of the advice whose fate its evaluations state
    was followed (for a technique or an approach, the one item; for a role,
    each group recommended in that role; for a rule, each item it is behind);
  * not followed when at least one was dropped;
  * unknown when they say nothing about it.
Scores compare the followed cases with the not followed ones: the overall
score (mean of the Rowe & Frewer criteria), the representation score and
each criterion, each with its number of cases and a 95% interval; nothing is
a finding below `minimum` cases (rules/lint.yaml, evidence.min_evaluations).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.context import Level
from service.evidence.outcomes import EVALUABLE, NOT_TAKING_PART, overall, representation, statuses
from service.evidence.schemas import CRITERIA, ContextRow, Difference, EvidenceOut, EvidenceOverviewOut, \
    EvidenceRow, Outcome, Share, Stat
from service.evidence.stats import mean_interval, welch, wilson

KINDS = ("technique", "rule", "approach", "role")
DIMENSIONS = ("domain", "public_size", "digital_access", "capacity")
MEASURES = ("overall", "representation", *CRITERIA)
Labeler = Callable[[str, str], str]


@dataclass(frozen=True)
class Case:
    """One evaluated decision: its recommendation's items, what its evaluations say, its context."""

    decision_id: str
    items: dict[str, tuple[str, tuple[str, ...]]]     # item key -> (value, rules behind it)
    statuses: dict[str, str]                          # item key -> followed | dropped | added
    scores: dict[str, float]                          # measure -> value (overall, representation, criteria)
    dims: dict[str, str]                              # dimension -> value
    synthetic: bool
    evaluations: int


def dimensions(context: Mapping[str, Any]) -> dict[str, str]:
    """The context's place on each dimension evidence is broken down by: the project's domain, the public's
    size and digital access, and the team's capacity (the lower of its facilitation skills and its
    engagement budget)."""
    def part(name: str) -> Mapping[str, Any]:
        value = context.get(name) if isinstance(context, Mapping) else None
        return value if isinstance(value, Mapping) else {}
    levels = [part("capacity").get(k) for k in ("facilitation_skills", "engagement_budget")]
    known = [v for v in levels if v in Level._value2member_map_]
    return {"domain": str(part("project").get("domain") or "other"),
            "public_size": str(part("public").get("size") or "unknown"),
            "digital_access": str(part("public").get("digital_access") or "unknown"),
            "capacity": min(known, key=Level.rank) if len(known) == 2 else "unknown"}


def item_table(rec_items: Mapping[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {k: (v.value, tuple(v.rules)) for k, v in rec_items.items()}


def keys_of(items: Mapping[str, tuple[str, tuple[str, ...]]]) -> set[tuple[str, str]]:
    """(kind, code) of every technique, rule, approach and role a recommendation gives advice on."""
    out: set[tuple[str, str]] = set()
    for key, (value, rules) in items.items():
        kind, _, code = key.partition(":")
        if kind == "technique":
            out.add(("technique", code))
        elif kind == "approach":
            out.add(("approach", value))
        elif kind == "participant" and value not in NOT_TAKING_PART:
            out.add(("role", value.split("@", 1)[0]))
        if kind in EVALUABLE:
            out.update(("rule", r) for r in rules)
    return out


def make_case(decision_id: str, rec: Mapping[str, Any], context: Mapping[str, Any],
              bodies: list[Mapping[str, Any]], rec_items: Mapping[str, Any]) -> Case:
    """A case from a decision and its evaluations' bodies, in the order recorded (later ones override)."""
    said: dict[str, str] = {}
    scores: dict[str, float] = {}
    rep = None
    for body in bodies:
        said.update(statuses(body, rec))
        for criterion, value in (body.get("scores") or {}).items():
            if criterion in CRITERIA and isinstance(value, int):
                scores[criterion] = value
        r = representation(body, context)["score"]
        rep = r if r is not None else rep
    if (o := overall(scores)) is not None:
        scores["overall"] = o
    if rep is not None:
        scores["representation"] = rep
    return Case(decision_id, item_table(rec_items), said, scores, dimensions(context),
                any(bool(b.get("synthetic")) for b in bodies), len(bodies))


def _relevant(case: Case, kind: str, code: str) -> list[str]:
    """The case's item keys that carry the advice of (kind, code); [] when it did not recommend it."""
    items = case.items
    if kind == "technique":
        return [f"technique:{code}"] if f"technique:{code}" in items else []
    if kind == "approach":
        return ["approach"] if items.get("approach", ("",))[0] == code else []
    if kind == "role":
        return [k for k, (v, _) in items.items() if k.startswith("participant:") and v.split("@", 1)[0] == code
                and v not in NOT_TAKING_PART]
    return [k for k, (_, rules) in items.items() if code in rules and k.partition(":")[0] in EVALUABLE]


def fate(case: Case, keys: list[str]) -> str:
    """followed, not_followed or unknown (see the module docstring)."""
    said = [case.statuses.get(k) for k in keys]
    if "dropped" in said:
        return "not_followed"
    return "followed" if "followed" in said else "unknown"


@dataclass
class _Bucket:
    followed: list[Case] = field(default_factory=list)
    not_followed: list[Case] = field(default_factory=list)
    unknown: list[Case] = field(default_factory=list)
    added: int = 0

    def add(self, case: Case, status: str) -> None:
        getattr(self, status).append(case)

    @property
    def evaluated(self) -> list[Case]:
        return self.followed + self.not_followed + self.unknown


def buckets(cases: Iterable[Case]) -> dict[tuple[str, str], _Bucket]:
    """(kind, code) -> the evaluated cases that recommended it, by fate; techniques also count cases that
    used them unrecommended (added)."""
    out: dict[tuple[str, str], _Bucket] = defaultdict(_Bucket)
    for case in cases:
        for kind, code in keys_of(case.items):
            out[(kind, code)].add(case, fate(case, _relevant(case, kind, code)))
        for key, status in case.statuses.items():
            if status == "added" and key.startswith("technique:"):
                out[("technique", key.split(":", 1)[1])].added += 1
    return out


def scale(measure: str) -> tuple[float, float]:
    """The range a measure's values lie in: the representation score 0 to 1, every score 1 to 5."""
    return (0.0, 1.0) if measure == "representation" else (1.0, 5.0)


def stat(cases: list[Case], measure: str, minimum: int) -> Stat:
    """The mean and its 95% interval, the interval cut at the scale's ends (a mean of scores from 1 to 5
    cannot lie outside them, however few the scores)."""
    n, mean, low, high = mean_interval([c.scores[measure] for c in cases if measure in c.scores])
    bottom, top = scale(measure)
    low = None if low is None else max(bottom, low)
    high = None if high is None else min(top, high)
    return Stat(n=n, mean=_r(mean), low=_r(low), high=_r(high), finding=n >= minimum)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def difference(bucket: _Bucket, measure: str, minimum: int) -> Difference:
    a = [c.scores[measure] for c in bucket.followed if measure in c.scores]
    b = [c.scores[measure] for c in bucket.not_followed if measure in c.scores]
    mean, low, high = welch(a, b)
    name = "overall score" if measure == "overall" else "representation score" if measure == "representation" \
        else measure.replace("_", " ") + " score"
    if len(a) < minimum or len(b) < minimum:
        words = (f"Too few evaluations to compare the {name} where the advice was followed ({len(a)}) and where "
                 f"it was not ({len(b)}): at least {minimum} of each are needed.")
        return Difference(mean=_r(mean), low=_r(low), high=_r(high), finding=False, words=words)
    span = f"95% interval {low:+.2f} to {high:+.2f}; {len(a)} and {len(b)} evaluated decisions" \
        if low is not None and high is not None else f"{len(a)} and {len(b)} evaluated decisions"
    if low is not None and low > 0:
        words = f"Where the advice was followed, the {name} was higher by {mean:.2f} on average ({span})."
    elif high is not None and high < 0:
        words = f"Where the advice was followed, the {name} was lower by {-mean:.2f} on average ({span})."
    else:
        words = (f"No clear difference in the {name} between followed and not followed ({span}): the interval "
                 "includes no difference at all.")
    return Difference(mean=_r(mean), low=_r(low), high=_r(high), finding=True, words=words)


def share(bucket: _Bucket, minimum: int) -> Share:
    n = len(bucket.followed) + len(bucket.not_followed)
    value, low, high = wilson(len(bucket.followed), n)
    return Share(n=n, value=_r(value), low=_r(low), high=_r(high), finding=n >= minimum)


def by_context(bucket: _Bucket, minimum: int) -> dict[str, list[ContextRow]]:
    out: dict[str, list[ContextRow]] = {}
    for dim in DIMENSIONS:
        values = sorted({c.dims[dim] for c in bucket.evaluated})
        rows = []
        for value in values:
            f = [c for c in bucket.followed if c.dims[dim] == value]
            nf = [c for c in bucket.not_followed if c.dims[dim] == value]
            rows.append(ContextRow(value=value, evaluated=sum(1 for c in bucket.evaluated if c.dims[dim] == value),
                                   followed=len(f), not_followed=len(nf), score_followed=stat(f, "overall", minimum),
                                   score_not_followed=stat(nf, "overall", minimum)))
        out[dim] = rows
    return out


def summary(bucket: _Bucket, recommended: int, minimum: int, sh: Share, overall_diff: Difference,
            contexts: dict[str, list[ContextRow]]) -> list[str]:
    """What can and cannot be said, in plain words."""
    evaluated = len(bucket.evaluated)
    synthetic = sum(c.synthetic for c in bucket.evaluated)
    out = [f"Recommended in {recommended} logged decision{'s' if recommended != 1 else ''}; "
           f"{evaluated} of them evaluated."]
    if evaluated == 0:
        out.append("No evaluation yet: there is no evidence either way.")
        return out
    if synthetic:
        out.append(f"{synthetic} of the {evaluated} evaluated decisions are SYNTHETIC (test or demonstration data, "
                   "not real outcomes).")
    if evaluated < minimum:
        out.append(f"Only {evaluated} evaluated decision{'s' if evaluated != 1 else ''}, fewer than the {minimum} "
                   "needed: the numbers are shown, but none of them is a finding.")
    if sh.n:
        pct = f"{sh.value:.0%}, 95% interval {sh.low:.0%} to {sh.high:.0%}" if sh.value is not None else ""
        out.append(f"Followed in {len(bucket.followed)} of the {sh.n} evaluated decisions that say what became of "
                   f"it ({pct}){'' if sh.finding else ': too few to be a finding'}.")
    if bucket.unknown:
        out.append(f"{len(bucket.unknown)} evaluated decision{'s do' if len(bucket.unknown) != 1 else ' does'} "
                   "not say whether it was followed.")
    out.append(overall_diff.words)
    strong = [(dim, row) for dim, rows in contexts.items() for row in rows
              if row.score_followed.finding and row.score_not_followed.finding]
    if strong:
        for dim, row in strong:
            out.append(f"Where {dim.replace('_', ' ')} is {row.value}: followed {row.score_followed.mean:.2f} "
                       f"(n={row.score_followed.n}) against not followed {row.score_not_followed.mean:.2f} "
                       f"(n={row.score_not_followed.n}).")
    else:
        out.append("No context (domain, public size, digital access, capacity) has enough evaluations on both "
                   "sides to say whether one size fits all here.")
    return out


def evidence(kind: str, code: str, label: str, recommended: int, bucket: _Bucket | None,
             minimum: int) -> EvidenceOut:
    """The evidence about one (kind, code)."""
    bucket = bucket or _Bucket()
    outcomes = {m: Outcome(followed=stat(bucket.followed, m, minimum), not_followed=stat(bucket.not_followed, m, minimum),
                           difference=difference(bucket, m, minimum)) for m in MEASURES}
    sh = share(bucket, minimum)
    contexts = by_context(bucket, minimum)
    return EvidenceOut(kind=kind, code=code, label=label, min_evaluations=minimum, recommended=recommended,
                       evaluated=len(bucket.evaluated), followed=len(bucket.followed),
                       not_followed=len(bucket.not_followed), unknown=len(bucket.unknown), added=bucket.added,
                       synthetic=sum(c.synthetic for c in bucket.evaluated), followed_share=sh, outcomes=outcomes,
                       by_context=contexts, summary=summary(bucket, recommended, minimum, sh,
                                                            outcomes["overall"].difference, contexts))


def overview(recommended: Counter, cases: list[Case], decisions: int, evaluations: int, label: Labeler,
             minimum: int) -> EvidenceOverviewOut:
    """Every (kind, code) recommended in the log or used in an evaluated case, most recommended first."""
    found = buckets(cases)
    rows: dict[str, list[EvidenceRow]] = {k: [] for k in KINDS}
    for kind, code in sorted(set(recommended) | set(found), key=lambda kc: (-recommended.get(kc, 0), kc)):
        rows[kind].append(row(kind, code, label(kind, code), recommended.get((kind, code), 0),
                              found.get((kind, code)) or _Bucket(), minimum))
    return EvidenceOverviewOut(min_evaluations=minimum, decisions=decisions, evaluated=len(cases),
                               evaluations=evaluations, synthetic=sum(c.synthetic for c in cases),
                               techniques=rows["technique"], rules=rows["rule"], approaches=rows["approach"],
                               roles=rows["role"])


def row(kind: str, code: str, label: str, recommended: int, b: _Bucket, minimum: int) -> EvidenceRow:
    """One line of evidence: counts and the overall score where followed and where not."""
    return EvidenceRow(code=code, label=label, recommended=recommended, evaluated=len(b.evaluated),
                       followed=len(b.followed), not_followed=len(b.not_followed),
                       score_followed=stat(b.followed, "overall", minimum),
                       score_not_followed=stat(b.not_followed, "overall", minimum))


def rule_evidence(cases: list[Case]) -> dict[str, dict[str, Any]]:
    """Per rule, the plain numbers `cogov rules lint` judges (engine.lint.evidence): evaluated cases,
    followed, not followed, and the overall score where followed (n, mean)."""
    out = {}
    for (kind, code), b in buckets(cases).items():
        if kind != "rule":
            continue
        scored = [c.scores["overall"] for c in b.followed if "overall" in c.scores]
        out[code] = {"evaluated": len(b.evaluated), "followed": len(b.followed), "not_followed": len(b.not_followed),
                     "score_n": len(scored), "score_mean": sum(scored) / len(scored) if scored else None}
    return out
