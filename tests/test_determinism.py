"""The same context gives byte-identical output: twice, shuffled, reordered, in another process."""
from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from engine import Engine, RuleBaseError, load_rulebase

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))


def dump(rec) -> str:
    return json.dumps(rec, sort_keys=False, ensure_ascii=False)


def reorder(value, rnd: random.Random):
    """The same data with every mapping's keys in a random order and stakeholders shuffled."""
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: reorder(v, rnd) for k, v in items}
    if isinstance(value, list):
        out = [reorder(v, rnd) for v in value]
        if out and all(isinstance(v, dict) and "id" in v for v in out):
            rnd.shuffle(out)
        return out
    return value


def contexts(h) -> list[dict]:
    many = [h.stakeholder(f"s{i:02d}", kind=k, power=p, interest=q, holds_information=i % 3 == 0,
                          affected=i % 2 == 0, organised=i % 4 == 0, legitimate=True, urgent=i % 5 == 0,
                          can_obstruct=i % 7 == 0)
            for i, (k, p, q) in enumerate(zip(
                ["citizens", "media", "research", "business", "civil_society", "utility", "other", "citizens"] * 2,
                ["high", "low", "medium"] * 6, ["high", "medium", "low", "high"] * 4))]
    out = [
        h.make_context(),
        h.make_context(decision={"public_conflict_likely": True, "urgency": "high", "quality_requirement": True,
                                 "manager_has_information": False},
                       public={"size": "small", "trust_in_authority": "low"}, capacity={"facilitation_skills": "low"},
                       stakeholders=many),
        h.make_context(project={"objective": "capacity_building", "scope": "city", "phase": "co_design"},
                       decision={"technical_complexity": "low"}, stakeholders=many[:7]),
    ]
    out += [json.loads(p.read_text(encoding="utf-8")) for p in PILOTS]
    return out


def rule_bases():
    roots = [TESTS / "fixtures" / "mini", TESTS / "fixtures" / "agree"]
    try:
        load_rulebase(REPO / "rules")
        roots.append(REPO / "rules")
    except RuleBaseError:
        pass  # rules/ is written concurrently; the fixtures still cover determinism
    return roots


@pytest.fixture(scope="module")
def engines():
    out = {}
    for root in rule_bases():
        rb = load_rulebase(root)
        for backend in ("durable", "python"):
            out[(root.name, backend)] = Engine(rb, backend=backend)
    yield out
    for e in out.values():
        e.close()


def _evaluate_all(engines, ctxs) -> dict[str, list[str]]:
    result = {}
    for (name, backend), eng in sorted(engines.items()):
        outs = []
        for c in ctxs:
            try:
                outs.append(dump(eng.evaluate(c)))
            except Exception as exc:  # noqa: BLE001 - the failure itself must be deterministic too
                outs.append(f"{type(exc).__name__}: {exc}")
        result[f"{name}/{backend}"] = outs
    return result


def test_twice_in_a_row_is_byte_identical(engines, h):
    ctxs = contexts(h)
    first = _evaluate_all(engines, ctxs)
    second = _evaluate_all(engines, ctxs)
    assert first == second
    # interleaving other evaluations changes nothing either
    reversed_run = _evaluate_all(engines, ctxs[::-1])
    assert {k: v[::-1] for k, v in reversed_run.items()} == first


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_stakeholders_and_reordered_keys_are_byte_identical(engines, h, seed):
    ctxs = contexts(h)
    rnd = random.Random(seed)
    shuffled = [reorder(c, rnd) for c in ctxs]
    assert any(json.dumps(a) != json.dumps(b) for a, b in zip(ctxs, shuffled))
    assert _evaluate_all(engines, shuffled) == _evaluate_all(engines, ctxs)


def test_participants_are_listed_by_stakeholder_id(engines, h):
    ctx = contexts(h)[1]
    for (name, backend), eng in engines.items():
        ids = [p["stakeholder"] for p in eng.evaluate(ctx)["participants"]]
        assert ids == sorted(ids), (name, backend)


CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from engine import Engine, load_rulebase
roots = json.loads(sys.argv[2])
ctxs = json.loads(open(sys.argv[3]).read())
result = {}
for root in roots:
    rb = load_rulebase(root)
    for backend in ("durable", "python"):
        e = Engine(rb, backend=backend)
        outs = []
        for c in ctxs:
            try:
                outs.append(json.dumps(e.evaluate(c), sort_keys=False, ensure_ascii=False))
            except Exception as exc:
                outs.append(f"{type(exc).__name__}: {exc}")
        result[f"{rb.root.rstrip('/').split('/')[-1]}/{backend}"] = outs
        e.close()
print(json.dumps(result))
"""


@pytest.mark.parametrize("hashseed", ["0", "4242"])
def test_fresh_process_gives_byte_identical_output(engines, h, tmp_path, hashseed):
    ctxs = contexts(h)
    ctx_file = tmp_path / "ctxs.json"
    ctx_file.write_text(json.dumps(ctxs))
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    out = subprocess.run([str(h.VENV_PYTHON), "-c", CHILD, str(REPO), json.dumps([str(r) for r in rule_bases()]),
                          str(ctx_file)], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout) == _evaluate_all(engines, ctxs)
