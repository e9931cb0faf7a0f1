"""Rule coverage: which rules of a rule base fired, counted per rule and per rule file.

The counts come from elsewhere (the features run, the decision log); this
module only holds them against the rule base, so a rule that was renamed or
removed is reported as unknown rather than silently counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .rulebase import RuleBase


@dataclass
class RuleCount:
    rule: str
    file: str
    line: int
    fired: int


@dataclass
class FileCoverage:
    file: str
    rules: list[RuleCount]

    @property
    def covered(self) -> int:
        return sum(1 for r in self.rules if r.fired)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / len(self.rules) if self.rules else 100.0


@dataclass
class Coverage:
    """Coverage of one rule base by one body of evidence (`source`: features, decision log...)."""

    source: str
    files: list[FileCoverage]
    unknown: list[str] = field(default_factory=list)   # fired ids the rule base does not have

    @property
    def rules(self) -> list[RuleCount]:
        return [r for f in self.files for r in f.rules]

    @property
    def never_fired(self) -> list[RuleCount]:
        return [r for r in self.rules if not r.fired]

    @property
    def percent(self) -> float:
        rules = self.rules
        return 100.0 * sum(1 for r in rules if r.fired) / len(rules) if rules else 100.0

    def meets(self, threshold: float) -> bool:
        return self.percent + 1e-9 >= threshold

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "percent": round(self.percent, 2), "unknown": self.unknown,
                "files": [{"file": f.file, "percent": round(f.percent, 2), "covered": f.covered,
                           "rules": [vars(r) for r in f.rules]} for f in self.files]}

    def text(self, threshold: float | None = None) -> str:
        lines = [f"{f.file}: {f.covered}/{len(f.rules)} rules fired ({f.percent:.1f}%)" for f in self.files]
        missing = self.never_fired
        if missing:
            lines.append(f"never fired ({self.source}):")
            lines += [f"  {r.file}:{r.line}: {r.rule}" for r in missing]
        for rid in self.unknown:
            lines.append(f"  (fired, but not in this rule base: {rid})")
        total = f"{self.source}: {len(self.rules) - len(missing)}/{len(self.rules)} rules fired ({self.percent:.1f}%)"
        if threshold is not None:
            total += f", threshold {threshold:g}%: {'OK' if self.meets(threshold) else 'BELOW'}"
        lines.append(total)
        return "\n".join(lines)


def rule_coverage(rb: RuleBase, fired: Mapping[str, int], source: str) -> Coverage:
    """Hold fire counts (rule id -> times fired) against every rule of `rb`."""
    files: dict[str, list[RuleCount]] = {}
    for r in rb.rules:
        files.setdefault(r.file, []).append(RuleCount(r.id, r.file, r.line, int(fired.get(r.id, 0))))
    unknown = sorted(rid for rid in fired if rid not in rb.by_id)
    return Coverage(source=source, files=[FileCoverage(f, rs) for f, rs in files.items()], unknown=unknown)
