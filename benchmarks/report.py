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


@dataclass
class Table:
    title: str
    rows: list[Row]
    note: str = ""
    extra: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", HEADER]
        for r in self.rows:
            f = r.figure
            cells = ("n/a", "n/a", "n/a") if f is None else (f"{f.rate:,.0f}", f"{f.p50_ms:.3f}", f"{f.p99_ms:.3f}")
            lines.append(f"| {r.label} | {cells[0]} | {cells[1]} | {cells[2]} | {r.note.replace('|', '/')} |")
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


def machine() -> list[str]:
    from importlib.metadata import version
    mem = "?"
    try:
        kib = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
        mem = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"- CPU: {_cpu()}, {os.cpu_count()} cores; memory {mem}; {platform.system()} {platform.release()}",
            f"- Python {sys.version.split()[0]}; durable-rules {version('durable-rules')}, pydantic {version('pydantic')}, "
            f"fastapi {version('fastapi')}, uvicorn {version('uvicorn')}",
            f"- load average at the end of the run: {load} (the machine may be shared: compare ratios, "
            "which are measured in the same run)",
            f"- commit {_git()}, {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"]


def render(mode: Any, tables: list[Table], targets: list[str], limits: str, seconds: float) -> str:
    out = ["# cogov benchmarks", "",
           f"Written by `make bench` (`.venv/bin/python -m benchmarks --mode {mode.name}`) in {seconds:.0f} s; do "
           "not edit by hand. Every figure is the median of "
           f"{mode.rounds} round(s); p50 and p99 are per-call latencies, medians over the rounds. "
           "Comparisons are ratios of figures measured in the same run.", "", "## Machine", ""]
    out += machine()
    out += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|", *targets, ""]
    out += [t.markdown() for t in tables]
    if limits:
        out += ["## What limits the engine", "", limits]
    return "\n".join(out).rstrip() + "\n"
