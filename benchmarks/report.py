"""The Markdown report: machine description, one table per section, notes."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .timing import Figure

HEADER = "| case | per second | p50 ms | p99 ms | notes |\n|---|---:|---:|---:|---|"


@dataclass
class Row:
    label: str
    figure: Figure | None
    note: str = ""
    cells: dict[str, str] = field(default_factory=dict)    # the table's extra columns, by header
    values: dict[str, float] = field(default_factory=dict)  # figures the targets read (not shown)


@dataclass
class Table:
    title: str
    rows: list[Row]
    note: str = ""
    extra: list[str] = field(default_factory=list)
    columns: tuple[str, ...] = ()       # extra columns after p99 (their cells are right-aligned)

    def markdown(self) -> str:
        head = HEADER if not self.columns else (
            "| case | per second | p50 ms | p99 ms | " + " | ".join(self.columns) + " | notes |\n|---|---:|---:|---:|"
            + "---:|" * len(self.columns) + "---|")
        lines = [f"## {self.title}", "", head]
        for r in self.rows:
            f = r.figure
            cells = ["n/a", "n/a", "n/a"] if f is None else [f"{f.rate:,.0f}", f"{f.p50_ms:.3f}", f"{f.p99_ms:.3f}"]
            cells += [r.cells.get(c, "n/a") for c in self.columns]
            lines.append(f"| {r.label} | {' | '.join(cells)} | {r.note.replace('|', '/')} |")
        if self.note:
            lines += ["", self.note]
        lines += [""] + self.extra if self.extra else []
        return "\n".join(lines) + "\n"


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _git() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=5).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine(load_at_start: tuple[float, ...] | None = None, seconds: float | None = None) -> list[str]:
    from importlib.metadata import version
    mem = "?"
    try:
        kib = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
        mem = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    started = f"at the start {', '.join(f'{x:.2f}' for x in load_at_start)}, " if load_at_start else ""
    used = ""
    if seconds:
        t = os.times()
        cpu = t.user + t.system + t.children_user + t.children_system
        used = (f"; this run's own processes used {cpu:,.0f} s of CPU in {seconds:,.0f} s, "
                f"{cpu / seconds / (os.cpu_count() or 1):.0%} of the {os.cpu_count()} cores (servers and workers "
                "it started and waited for included)")
    return [f"- CPU: {_cpu()}, {os.cpu_count()} cores; memory {mem}; {platform.system()} {platform.release()}",
            f"- Python {sys.version.split()[0]}; durable-rules {version('durable-rules')}, pydantic {version('pydantic')}, "
            f"fastapi {version('fastapi')}, uvicorn {version('uvicorn')}",
            f"- load average (1, 5, 15 min) {started}at the end {load}{used}. A load above the core count means "
            "other processes wanted the CPU too: absolute figures are then lower bounds, so compare ratios, "
            "which are measured in the same run",
            f"- commit {_git()}, {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"]


def render(mode: Any, tables: list[Table], targets: list[str], limits: str, seconds: float,
           load_at_start: tuple[float, ...] | None = None) -> str:
    out = ["# cogov benchmarks", "",
           f"Written by `make bench` (`.venv/bin/python -m benchmarks --mode {mode.name}`) in {seconds:.0f} s; do "
           "not edit by hand. Every figure is the median of "
           f"{mode.rounds} round(s). In process (the engine's tables), 'per second' is calls per second of the "
           "process's CPU time, i.e. per core, which other processes on a shared machine distort far less than "
           "wall-clock time; p50 and p99 are wall-clock per-call latencies, medians over the rounds. The service's "
           "figures are wall-clock requests per second. "
           "Comparisons are ratios of figures measured in the same run.", "", "## Machine", ""]
    out += machine(load_at_start, seconds)
    out += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|", *targets, ""]
    out += [t.markdown() for t in tables]
    if limits:
        out += ["## What limits the targets, and what would meet them", "", limits]
    return "\n".join(out).rstrip() + "\n"
