"""Thomas's five decision approaches, least to most public involvement.

Their codes are part of the output contract; their order drives the choice
policy (least or most involving feasible approach) in `resolve`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Approach:
    code: str
    thomas: str
    label: str
    iap2_level: str
    meaning: str


APPROACHES: tuple[Approach, ...] = (
    Approach("autonomous", "A", "Autonomous managerial decision", "inform",
             "The manager decides alone and informs the public."),
    Approach("modified_autonomous", "A-II", "Modified autonomous decision", "consult",
             "The manager gathers information from segments of the public, then decides alone."),
    Approach("segmented_consultation", "C-I", "Segmented public consultation", "consult",
             "The problem is shared separately with each segment of the public; the manager decides."),
    Approach("unitary_consultation", "C-II", "Unitary public consultation", "involve",
             "The problem is shared with the public as one assembled group; the manager decides."),
    Approach("public_decision", "G", "Public decision", "collaborate",
             "Manager and assembled public seek agreement together; authority is shared."),
)

BY_CODE = {a.code: a for a in APPROACHES}
ORDER = [a.code for a in APPROACHES]
STRATEGIES = ("least_involving", "most_involving")
