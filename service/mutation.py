"""The rule-mutation check: do the features fail when a rule is wrong?

engine/mutation.py makes seeded edits of the rule files (mutants); features/mutation_run.py, a pytest
plugin, runs the features against each one in a child pytest (as `cogov rules coverage` does, so a broken
scenario cannot take the caller down and the run is bounded by a timeout). This module starts that run,
reads its verdicts and says them: every mutant is refused (the loader caught it), equivalent (no
recommendation of the features' contexts changes), killed (a scenario failed) or survived (a
recommendation changed and every scenario still passed: behaviour no scenario pins).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.mutation import KINDS

REPO = Path(__file__).resolve().parents[1]
FEATURES_DIR = REPO / "features"
PLUGIN = "features.mutation_run"
SPEC_ENV = "COGOV_MUTATION_SPEC"          # what features/mutation_run.py reads (it is not imported here: pytest's)
VERDICTS = ("killed", "survived", "equivalent", "refused")
TARGET = 90.0            # % of the mutants that change a recommendation the features must kill


class MutationRunError(RuntimeError):
    """The features could not be run against the mutants."""


@dataclass
class MutationReport:
    rules: str                                   # the rule base directory, as the report names its files
    seed: int
    mutants: list[dict[str, Any]]                # one verdict each (features/mutation_run.py)
    scenarios: int = 0                           # scenarios run against the rule base as it is
    passing: int = 0                             # ... of which passed (only these can kill a mutant)
    broken: list[str] = field(default_factory=list)
    contexts: int = 0
    seconds: float = 0.0

    def count(self, verdict: str) -> int:
        return sum(1 for m in self.mutants if m["verdict"] == verdict)

    @property
    def changing(self) -> int:
        """Mutants that load and change a recommendation of the features' contexts."""
        return self.count("killed") + self.count("survived")

    @property
    def kill_rate(self) -> float | None:
        """% of the behaviour-changing mutants the features killed (None when there is none)."""
        return 100.0 * self.count("killed") / self.changing if self.changing else None

    def meets(self, target: float = TARGET) -> bool:
        return self.kill_rate is None or self.kill_rate >= target

    def survivors(self) -> list[dict[str, Any]]:
        return [m for m in self.mutants if m["verdict"] == "survived"]

    def line(self, m: dict[str, Any]) -> str:
        return f"{self.rules.rstrip('/')}/{m['file']}:{m['line']} rule {m['rule']}: {m['what']}"

    def as_dict(self) -> dict[str, Any]:
        return {"rules": self.rules, "seed": self.seed, "mutants": len(self.mutants),
                **{v: self.count(v) for v in VERDICTS}, "kill_rate": self.kill_rate,
                "scenarios": self.scenarios, "passing": self.passing, "broken": self.broken,
                "contexts": self.contexts, "seconds": self.seconds, "results": self.mutants}

    def text(self, target: float = TARGET, verbose: bool = False) -> str:
        rate = "n/a (no mutant changed a recommendation)" if self.kill_rate is None else f"{self.kill_rate:.1f}%"
        out = [(f"{len(self.mutants)} mutants of {self.rules} (seed {self.seed}), run against {self.passing} "
                f"scenario(s) on {self.contexts} context(s):"),
               (f"  killed {self.count('killed')}, survived {self.count('survived')} (of {self.changing} that "
                f"change a recommendation), equivalent {self.count('equivalent')} (no recommendation of the "
                f"features' contexts changes), refused {self.count('refused')} (the rule base does not load)"),
               f"  kill rate {rate} (target {target:g}%)"]
        by_kind = Counter((m["kind"], m["verdict"]) for m in self.mutants)
        for kind, words in KINDS.items():
            counts = ", ".join(f"{v} {by_kind[(kind, v)]}" for v in VERDICTS if by_kind[(kind, v)])
            if counts:
                out.append(f"    {words}: {counts}")
        if self.broken:
            out.append(f"  {len(self.broken)} scenario(s) fail on the rule base as it is (left out, they cannot "
                       "kill anything):")
            out += [f"    {b}" for b in self.broken]
        survivors = self.survivors()
        if survivors:
            out.append("Survivors (a recommendation changes, and every scenario still passes):")
            for m in survivors:
                out.append(f"  {self.line(m)}: no scenario pins this")
                shown = m.get("scenarios") or []
                out.append(f"      changes what {len(shown)} scenario(s) evaluate, e.g. {shown[0]}" if shown else "")
                out += [f"      {d}" for d in (m.get("differences") or [])[:3]]
        if verbose:
            for m in self.mutants:
                if m["verdict"] == "killed":
                    out.append(f"  killed  {self.line(m)}: by {m['by']}: {m['because']}")
                elif m["verdict"] == "refused":
                    out.append(f"  refused {self.line(m)}: {m['because']}")
                elif m["verdict"] == "equivalent":
                    out.append(f"  equivalent {self.line(m)}")
        return "\n".join(line for line in out if line)


def mutation_check(rules_dir: Path, seed: int = 0, limit: int | None = None, ids: list[str] | None = None,
                   only: list[str] | None = None, skip: list[str] | None = None,
                   features_dir: Path = FEATURES_DIR, timeout: float = 3600) -> MutationReport:
    """Run the features against the seeded sample of `limit` mutants of the rule base at `rules_dir` (all of
    them without a limit; `ids`: just these). `only`/`skip`: feature files (by name) to run, or to leave
    out; a scenario left out cannot kill a mutant, so the kill rate can only be lower for it."""
    with tempfile.TemporaryDirectory(prefix="cogov-mutation-") as tmp:
        out = Path(tmp) / "verdicts.json"
        spec = {"rules": str(Path(rules_dir).resolve()), "seed": seed, "limit": limit, "ids": ids,
                "only": only or [], "skip": skip or [], "out": str(out)}
        env = {**os.environ, SPEC_ENV: json.dumps(spec),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        env.pop("COGOV_COVERAGE_OUT", None)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
               "-p", PLUGIN, str(features_dir)]
        try:
            proc = subprocess.run(cmd, cwd=features_dir.parent, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise MutationRunError(f"the mutation run did not finish within {timeout:g} s") from None
        if not out.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise MutationRunError(f"the features did not run (pytest exit {proc.returncode}):\n{tail}")
        data = json.loads(out.read_text(encoding="utf-8"))
    return MutationReport(rules=str(rules_dir), seed=seed, mutants=data["mutants"], scenarios=data["scenarios"],
                          passing=data["passing"], broken=data["broken"], contexts=data["contexts"],
                          seconds=data["seconds"])
