"""How much each mode runs: tiny (smoke test), quick, full (`make bench`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    name: str
    rounds: int                 # rounds per figure (the figure is their median)
    calls: int                  # timed calls per round (engine)
    sizes: tuple[int, ...]      # generated rule base sizes
    size_calls: int             # timed calls per round on generated bases
    groups: tuple[int, ...]     # stakeholder counts
    memory: tuple[int, int]     # evaluations before the two resident-size readings
    service_seconds: float      # seconds per service round
    concurrency: int            # client connections in flight
    impact_decisions: int
    log_decisions: int = 60     # pilot decisions written to measure the log's growth per decision


MODES = {
    "tiny": Mode("tiny", 1, 12, (100,), 3, (1, 10), (50, 200), 0.0, 4, 0, 12),
    "quick": Mode("quick", 3, 300, (100, 1000), 20, (1, 10, 50, 200), (1_000, 10_000), 3.0, 8, 2_000, 120),
    "full": Mode("full", 5, 1200, (100, 1000, 3999), 30, (1, 10, 50, 100, 200), (1_000, 100_000), 8.0, 8, 100_000,
                 600),
}
