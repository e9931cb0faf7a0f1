"""The benchmark suite runs end to end in its tiniest mode and writes a well-formed report.

No timing is asserted (speed is only measured, in benchmarks/); this checks
that `make bench` would produce a table for every section.
"""
from __future__ import annotations

import re
import subprocess

import pytest


@pytest.mark.timeout(240)
def test_tiny_benchmark_run_writes_a_markdown_report(tmp_path, h):
    out = tmp_path / "BENCHMARKS.md"
    run = subprocess.run([str(h.VENV_PYTHON), "-m", "benchmarks", "--mode", "tiny", "--no-service", "--out", str(out)],
                         cwd=h.REPO, capture_output=True, text=True, timeout=230)
    assert run.returncode == 0, run.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# cogov benchmarks\n")
    assert "## Machine" in text and "## Targets" in text
    for section in ("Engine, shipped rule base, six pilots", "Where the time goes", "Thomas's approach choice",
                    "Scaling with rule count", "Scaling with stakeholder groups", "Memory", "Decision sizes",
                    "Impact analysis"):
        assert f"## {section}" in text, section
    # the byte figures: the log's growth per decision (a target) and each pilot's texts
    growth = re.search(r"\| SQLite file growth per decision .*?\| ([\d,]+) \| n/a \|", text)
    assert growth and int(growth.group(1).replace(",", "")) > 0, "no log bytes per decision"
    assert "| decision log growth <= 12 KB per pilot decision" in text
    # every table row has the header's five cells; figures are numbers or n/a
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| case")
            and not line.startswith("| target")]
    table_rows = [r for r in rows if r.count("|") == 6]
    assert len(table_rows) >= 12
    for row in table_rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for cell in cells[1:4]:
            assert cell == "n/a" or re.fullmatch(r"[\d,]+(\.\d+)?", cell), row
    # the peers agree with cogov on every Thomas combination before they are timed
    assert "disagreements with cogov: 0 of 256" in text
    assert "durable: full explained recommendation, JSON-ready (evaluate)" in text
