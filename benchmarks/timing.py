"""How a figure is measured: rounds of timed calls, medians of the rounds."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence


@dataclass
class Figure:
    """Calls per second and per-call latency percentiles (ms), each the median over rounds."""

    rate: float
    p50_ms: float
    p99_ms: float
    rounds: int
    calls: int

    def ratio(self, other: "Figure") -> float:
        return self.rate / other.rate if other.rate else float("nan")


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def measure(fn: Callable[[Any], Any], inputs: Sequence[Any], rounds: int, calls: int) -> Figure:
    """Call fn over `inputs` in turn, `calls` times per round, after a short warm-up.

    The rate is calls per second of this process's CPU time (time.process_time): per core, and far less
    distorted than wall-clock time when other processes share the machine. The latencies (p50, p99) are
    wall-clock, as a caller waits them."""
    for x in inputs[:6]:
        fn(x)
    rates, p50s, p99s = [], [], []
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(rounds):
        lat: list[float] = []
        start = cpu()
        for i in range(calls):
            x = inputs[i % len(inputs)]
            t0 = clock()
            fn(x)
            lat.append(clock() - t0)
        total = max(cpu() - start, 1e-9)
        lat.sort()
        rates.append(calls / total)
        p50s.append(percentile(lat, 0.50) * 1e3)
        p99s.append(percentile(lat, 0.99) * 1e3)
    return Figure(statistics.median(rates), statistics.median(p50s), statistics.median(p99s), rounds, calls)


def timed(fn: Callable[[], Any], rounds: int) -> float:
    """Median seconds of `rounds` calls of a one-off operation (load, compile, swap)."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
