"""Shared helpers for the engine tests.

Helpers are exposed through the session fixture `h` (not imported from this
module: `import conftest` is ambiguous once other test directories add their
own conftest.py).
"""
from __future__ import annotations

import copy
import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
MINI = TESTS / "fixtures" / "mini"
SHIPPED_RULES = REPO / "rules"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
VENV_COGOV = REPO / ".venv" / "bin" / "cogov"

BASE_CONTEXT: dict[str, Any] = {
    "project": {"name": "Test project", "domain": "mobility", "objective": "efficiency"},
    "decision": {
        "quality_requirement": False,
        "manager_has_information": True,
        "problem_structured": True,
        "acceptance_critical": False,
        "acceptance_likely_if_autonomous": True,
        "public_shares_goals": True,
        "public_conflict_likely": False,
    },
    "public": {"size": "large", "digital_access": "mixed", "organisation": "mixed",
               "trust_in_authority": "medium", "hard_to_reach_groups": False},
    "stakeholders": [
        {"id": "alpha", "name": "Alpha", "kind": "citizens", "power": "high", "interest": "high"},
        {"id": "beta", "name": "Beta", "kind": "business", "power": "low", "interest": "low"},
    ],
    "capacity": {"facilitation_skills": "high", "engagement_budget": "medium", "political_support": "medium"},
}


def make_context(**sections: Any) -> dict[str, Any]:
    """BASE_CONTEXT with sections updated: make_context(decision={...}, stakeholders=[...])."""
    ctx = copy.deepcopy(BASE_CONTEXT)
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(ctx.get(name), dict):
            ctx[name].update(value)
        else:
            ctx[name] = copy.deepcopy(value)
    return ctx


def stakeholder(sid: str, **fields: Any) -> dict[str, Any]:
    out = {"id": sid, "name": sid.title(), "kind": "citizens", "power": "low", "interest": "low"}
    out.update(fields)
    return out


def copy_mini(tmp_path: Path, name: str = "rb", policy: bool = True) -> Path:
    """A writable copy of tests/fixtures/mini; without its policy files if policy=False."""
    dest = tmp_path / name
    shutil.copytree(MINI, dest)
    if not policy:
        for f in (dest / "policy").iterdir():
            f.unlink()
    return dest


def rule(rid: str, when: Any, then: Any, for_each: bool = False, priority: int | None = None,
         sources: str = "[thomas1993]") -> str:
    """One rule as block YAML (a list item under `rules:`), `when`/`then` given as flow YAML text
    or Python data (dumped as JSON, which is valid flow YAML)."""
    def flow(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v)
    lines = [f"  - id: {rid}", f"    title: Rule {rid}", "    rationale: Test rule.", f"    sources: {sources}"]
    if priority is not None:
        lines.append(f"    priority: {priority}")
    if for_each:
        lines.append("    for_each: stakeholder")
    lines.append(f"    when: {flow(when)}")
    lines.append(f"    then: {flow(then)}")
    return "\n".join(lines) + "\n"


def write_policy(root: Path, name: str, *rules: str, header: str = "rules:\n") -> Path:
    path = root / "policy" / name
    path.write_text(header + "".join(rules), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line number of the nth line of `path` containing `needle`."""
    seen = 0
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            seen += 1
            if seen == nth:
                return i
    raise AssertionError(f"{needle!r} not found {nth} time(s) in {path}")


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


ADVERSARIAL_CONTEXT: dict[str, Any] = dict(
    project={"scope": "district", "phase": "co_design"},
    public={"trust_in_authority": "medium", "size": "large", "digital_access": "mixed"},
    decision={"quality_requirement": True, "urgency": "medium", "technical_complexity": "medium"},
    capacity={"engagement_budget": "medium", "facilitation_skills": "medium", "political_support": "medium"})


def adversarial_whens(n: int, seed: int = 3) -> list[list[str]]:
    """`when` lists for n project rules over the same fields, made of non-equality tests that
    all hold for make_context(**ADVERSARIAL_CONTEXT): about a hundred distinct true conditions
    at one level of the alpha network, beyond durable_rules' 64-entry stack (error 303)
    unless the compiler splits them into groups."""
    import itertools
    import random

    from engine.conditions import FIELDS, holds, parse_line, to_terms
    from engine.facts import subjects, validate_context
    state = subjects(validate_context(make_context(**ADVERSARIAL_CONTEXT))).project
    lits = []
    for path, info in FIELDS.items():
        if info.scope != "project" or info.kind in ("bool", "set"):
            continue
        for op in (["<", "<=", ">", ">=", "!="] if info.kind == "ordinal" else ["!="]):
            for v in info.values:
                text = f"{path} {op} {v}"
                if all(holds(lit, state, set()) for term in to_terms(parse_line(text, ())) for lit in term):
                    lits.append(text)
    assert len(lits) > 64
    rnd = random.Random(seed)
    pairs = list(itertools.combinations(lits, 2))
    rnd.shuffle(pairs)
    return [[lit] for lit in lits] + [list(p) for p in pairs[:n - len(lits)]]


def firing_keys(rec: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(f["rule"], f["subject"]) for f in rec["explanation"]["firings"]]


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route a FastAPI app serves, including those of included routers (HEAD aside):
    the access and Host tests enumerate the app so that a new route is covered without anyone listing it."""
    out = set()
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            for method in getattr(ctx, "methods", None) or ():
                if method != "HEAD":
                    out.add((method, ctx.path))
    return sorted(out)


class BothBackends:
    """Both backends on one rule base (a directory): evaluate() checks that what `agree(recommendation)`
    keeps is the same on each and returns the Python backend's recommendation. A context manager: leaving
    it closes the durable backend's host."""

    def __init__(self, root: Path, agree: Callable[[dict[str, Any]], Any]):
        from engine import Engine, load_rulebase   # here, not at the top: collecting a test needs no engine
        rulebase = load_rulebase(root)
        self.agree = agree
        self.pair = (Engine(rulebase, backend="durable"), Engine(rulebase, backend="python"))

    def __enter__(self) -> "BothBackends":
        return self

    def __exit__(self, *exc: object) -> None:
        self.pair[0].close()

    def evaluate(self, context: dict[str, Any]) -> dict[str, Any]:
        durable, python = (e.evaluate(copy.deepcopy(context)) for e in self.pair)
        assert self.agree(durable) == self.agree(python)
        return python


@pytest.fixture(scope="session")
def h() -> SimpleNamespace:
    return SimpleNamespace(
        TESTS=TESTS, REPO=REPO, MINI=MINI, SHIPPED_RULES=SHIPPED_RULES, VENV_PYTHON=VENV_PYTHON,
        VENV_COGOV=VENV_COGOV, BASE_CONTEXT=BASE_CONTEXT, make_context=make_context, stakeholder=stakeholder,
        copy_mini=copy_mini, rule=rule, write_policy=write_policy, line_of=line_of, dedent=dedent,
        firing_keys=firing_keys, ADVERSARIAL_CONTEXT=ADVERSARIAL_CONTEXT, adversarial_whens=adversarial_whens,
        app_routes=app_routes, both_backends=BothBackends)


@pytest.fixture
def runner():
    """A click CliRunner that keeps stderr apart from stdout."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)
    except TypeError:   # click >= 8.2 always keeps stderr apart
        return CliRunner()
