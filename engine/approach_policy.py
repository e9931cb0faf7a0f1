"""The conflict policy's choice of approach, made once every rule that eliminates or prefers one has fired.

The rest of the policy (participants, techniques) is applied when the
recommendation is built (engine/resolve.py); the approach is chosen here,
during inference, because later strata may read `approach.*`.
Documented for authors in docs/AUTHORING.md ("How conflicts are settled").
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import approaches
from .memory import Firing, WorkingMemory


@dataclass
class ApproachDecision:
    code: str | None
    iap2_level: str | None
    feasible: list[str]
    eliminated: dict[str, list[Firing]]
    because: list[int]
    policy: str
    winner: Firing | None = None
    overridden: list[tuple[Firing, list[Firing]]] = field(default_factory=list)


def _pref_key(f: Firing) -> tuple:
    return (-f.rule.priority, f.rule.order, f.seq)


def select_approach(firings: list[Firing]) -> ApproachDecision:
    eliminated: dict[str, list[Firing]] = {}
    for f in firings:
        for code in f.rule.then.eliminate:
            eliminated.setdefault(code, []).append(f)
    feasible = [c for c in approaches.ORDER if c not in eliminated]
    prefs = sorted((f for f in firings if f.rule.then.prefer), key=_pref_key)
    if not feasible:
        return ApproachDecision(None, None, [], eliminated, sorted({f.seq for fs in eliminated.values() for f in fs}),
                                "no feasible approach")
    overridden: list[tuple[Firing, list[Firing]]] = []
    winner: Firing | None = None
    strategy = "least_involving"
    for f in prefs:
        pref = f.rule.then.prefer
        if pref in approaches.STRATEGIES:
            winner, strategy = f, pref
            break
        if pref in feasible:
            winner, strategy = f, pref
            break
        overridden.append((f, eliminated.get(pref, [])))
    if strategy == "least_involving":
        code = feasible[0]
    elif strategy == "most_involving":
        code = feasible[-1]
    else:
        code = strategy
    # the eliminations that pushed the choice past more preferred approaches
    idx = approaches.ORDER.index(code)
    skipped = approaches.ORDER[:idx] if strategy != "most_involving" else approaches.ORDER[idx + 1:]
    because = {f.seq for c in skipped for f in eliminated.get(c, [])}
    if winner is not None:
        because.add(winner.seq)
        policy = f"{strategy} (preference of {winner.rule.id})" if strategy in approaches.STRATEGIES \
            else f"preferred approach (rule {winner.rule.id})"
    elif overridden:
        policy = "least_involving (default: every preferred approach was eliminated)"
    else:
        policy = "least_involving (default: no preference rule fired)"
    return ApproachDecision(code, approaches.BY_CODE[code].iap2_level, feasible, eliminated, sorted(because),
                            policy, winner, overridden)


def decide_approach(wm: WorkingMemory) -> None:
    """Choose the approach from the firings so far; rules in later strata read it as approach.*."""
    wm.set_approach(select_approach(wm.firings))
