"""Generated rule bases and contexts of a chosen size, for the scaling figures.

A generated rule base is the shipped catalogue and sources, the shipped
Thomas rules (so the approach is chosen as in production), and generated
rules of the shapes the shipped base has: project rules over a few context
fields, rules applied per stakeholder group (cogov's "joins on stakeholders":
a rule over a group's fields and the project's), and chains through derived
facts, project and per stakeholder. Conditions draw real field values, so
some rules fire and most do not, as in the shipped base.

Two shapes (docs/BENCHMARKS.md says why):
- "situated" (the realistic one): the first rules, up to the shipped base's
  size (141 with Thomas's), are general, as all shipped rules are; every rule
  beyond them is written for one situation, a project domain and phase
  (11 x 4 = 44 situations), as a rule base grows by covering more kinds of
  project rather than by saying more about each one. For a given context
  the general rules fire as often as the shipped ones (one firing per two
  rules) and 1 in 44 of the situated rules are candidates at all.
- "dense": every rule is general, so the firings grow in proportion to the
  rules (a measure of the engine's cost per unit of work, not a realistic base).
"""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

from engine.conditions import FIELDS

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "rules"
THOMAS_RULES = 9
GENERAL_RULES = 141          # the shipped base's size: the rules every context is judged by
SHAPES = ("situated", "dense")
LEVELS = ("inform", "consult", "involve", "collaborate", "empower")
KINDS = ("citizens", "civil_society", "business", "research", "public_authority", "utility", "media", "other")


def _literal(rnd: random.Random, scope: str, allow_in: bool = True) -> str:
    paths = [p for p, i in FIELDS.items() if i.scope == scope and not i.optional]
    path = rnd.choice(paths)
    info = FIELDS[path]
    if info.kind == "bool":
        return path if rnd.random() < 0.5 else f"not {path}"
    values = list(info.values or ())
    if info.kind == "set":      # list fields (project.activities, a group's co_produces) are tested by member
        return f"{path} contains {rnd.choice(values)}"
    if info.kind == "ordinal" and rnd.random() < 0.5:
        return f"{path} {rnd.choice(['>=', '<='])} {rnd.choice(values)}"
    if allow_in and rnd.random() < 0.2:
        return f"{path} in [{', '.join(rnd.sample(values, min(2, len(values))))}]"
    return f"{path} == {rnd.choice(values)}"


def generate(root: Path, rules: int, seed: int = 7, shape: str = "situated") -> Path:
    """Write a rule base of `rules` rules (Thomas's 9 included) under `root`, of `shape` (SHAPES); return it."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}")
    if root.exists():
        shutil.rmtree(root)
    (root / "policy").mkdir(parents=True)
    shutil.copytree(SHIPPED / "catalogue", root / "catalogue")
    shutil.copy(SHIPPED / "sources.yaml", root / "sources.yaml")
    shutil.copy(SHIPPED / "policy" / "thomas.yaml", root / "policy" / "thomas.yaml")
    from engine.loader import load_rulebase
    cat = load_rulebase(SHIPPED).catalogue
    codes = {name: sorted(getattr(cat, name)) for name in ("techniques", "arrangements", "skills", "warnings")}
    roles = sorted(cat.roles)
    rnd = random.Random(seed)
    # each `in` value is an engine rule of its own: the largest bases stay within durable_rules' 4,000
    allow_in = rules < 3000

    def lits(scope: str, low: int, high: int) -> list[str]:
        return [_literal(rnd, scope, allow_in) for _ in range(rnd.randint(low, high))]
    project_facts: list[str] = []
    group_facts: list[str] = []
    lines: list[str] = []
    situations = [(d, p) for d in FIELDS["project.domain"].values for p in FIELDS["project.phase"].values]
    sit_rnd = random.Random(seed + 1)     # a separate stream: the general rules are the same in both shapes
    for i in range(rules - THOMAS_RULES):
        form = rnd.random()
        each = False
        if form < 0.35:                       # a project rule
            when = lits("project", 2, 3)
            kind = rnd.choice(list(codes))
            then: dict[str, Any] = {kind: [rnd.choice(codes[kind])]}
        elif form < 0.70:                     # a rule for each stakeholder group
            each = True
            when = lits("stakeholder", 2, 3)
            if rnd.random() < 0.4:
                when += lits("project", 1, 1)
            then = {"participant": {"role": rnd.choice(roles), "level": rnd.choice(LEVELS)}} \
                if rnd.random() < 0.5 else {"warnings": [rnd.choice(codes["warnings"])]}
        elif form < 0.85:                     # project chaining: derive, then read what was derived
            name = f"gp{i}"
            when = lits("project", 2, 2)
            if project_facts and rnd.random() < 0.7:
                when = [f"derived.{rnd.choice(project_facts[-20:])}"] + when[:rnd.randint(0, 1)]
            then = {"derive": [name]}
            project_facts.append(name)
        else:                                 # chaining per stakeholder group
            each = True
            name = f"gs{i}"
            when = lits("stakeholder", 2, 2)
            if group_facts and rnd.random() < 0.7:
                when = [f"derived.{rnd.choice(group_facts[-20:])}"] + when[:rnd.randint(0, 1)]
            elif project_facts and rnd.random() < 0.3:
                when.append(f"derived.{rnd.choice(project_facts[-20:])}")
            then = {"derive": [name]} if rnd.random() < 0.6 or not group_facts else \
                {"techniques": [rnd.choice(codes["techniques"])]}
            if "derive" in then:
                group_facts.append(name)
        if shape == "situated" and i + THOMAS_RULES >= GENERAL_RULES:
            domain, phase = sit_rnd.choice(situations)
            when = [f"project.domain == {domain}", f"project.phase == {phase}"] + when
        if i % 500 == 0:
            lines.append(f"#file generated_{i // 500:02d}.yaml")
        lines += [f"  - id: gen.r{i}", "    title: Generated rule", "    rationale: Generated for the benchmarks.",
                  "    sources: [thomas1993]"]
        if each:
            lines.append("    for_each: stakeholder")
        lines += [f"    when: {json.dumps(when)}", f"    then: {json.dumps(then)}"]
    # a file holds at most 500 rules (the loader caps a file's size)
    for chunk in "\n".join(lines).split("#file ")[1:]:
        name, body = chunk.split("\n", 1)
        (root / "policy" / name).write_text("rules:\n" + body + "\n", encoding="utf-8")
    return root


def context(stakeholders: int, seed: int = 11) -> dict[str, Any]:
    """A valid context (Athens' answers) with `stakeholders` generated groups."""
    base = json.loads((REPO / "examples" / "pilots" / "athens.json").read_text(encoding="utf-8"))
    rnd = random.Random(seed)
    base["stakeholders"] = [
        {"id": f"g{i:03d}", "name": f"Group {i}", "kind": rnd.choice(KINDS),
         "power": rnd.choice(["low", "medium", "high"]), "interest": rnd.choice(["low", "medium", "high"]),
         **{flag: rnd.random() < 0.5 for flag in ("legitimate", "urgent", "affected", "organised",
                                                   "hard_to_reach", "holds_information", "can_obstruct")}}
        for i in range(stakeholders)]
    base.pop("notes", None)
    return base
