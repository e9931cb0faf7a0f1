"""Outputs stay byte-identical while the code moves: golden digests of what users receive.

For the six pilots (examples/pilots/*.json) and the 256 Thomas contexts (every combination of Thomas's
seven answers under both objectives on Athens' context, as benchmarks/peers.combinations builds them),
on both backends, the sha256 of
  - "json": the recommendation as `cogov evaluate` prints it (indented JSON, the engine's key order;
    the API's compact text is the same data and key order without whitespace), and
  - "text": the `cogov evaluate --format text` report,
must equal the digests stored in tests/fixtures/golden/outputs.json (keyed by context, then backend).

After an INTENDED change of outputs (a rule edit, a new field...), regenerate and review the list of
changed entries it prints:
    COGOV_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -n 0 -p no:cacheprovider tests/test_outputs_unchanged.py
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest

from engine import Engine
from engine.report import render_text

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
GOLDEN = TESTS / "fixtures" / "golden" / "outputs.json"
PILOTS = sorted((REPO / "examples" / "pilots").glob("*.json"))
BACKENDS = ("durable", "python")
UPDATE = os.environ.get("COGOV_UPDATE_GOLDEN") == "1"

# the order of the bits in a Thomas context's key, e.g. thomas/efficiency/1000110
QUESTIONS = ("quality_requirement", "manager_has_information", "problem_structured", "acceptance_critical",
             "acceptance_likely_if_autonomous", "public_shares_goals", "public_conflict_likely")
OBJECTIVES = ("efficiency", "capacity_building")


def contexts() -> dict[str, dict[str, Any]]:
    """Every golden context by its key: pilot/<city> and thomas/<objective>/<seven answer bits>."""
    pilots = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in PILOTS}
    out = {f"pilot/{name}": ctx for name, ctx in pilots.items()}
    for objective in OBJECTIVES:
        for bits in itertools.product((False, True), repeat=len(QUESTIONS)):
            ctx = copy.deepcopy(pilots["athens"])
            ctx["decision"].update(dict(zip(QUESTIONS, bits)))
            ctx["project"]["objective"] = objective
            out[f"thomas/{objective}/{''.join('1' if b else '0' for b in bits)}"] = ctx
    return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digests(backend: str) -> dict[str, dict[str, str]]:
    """Each context's output digests on `backend`; an evaluation that raises is digested as its error."""
    engine = Engine(REPO / "rules", backend=backend)
    try:
        out = {}
        for key, ctx in contexts().items():
            try:
                rec = engine.evaluate(copy.deepcopy(ctx))
            except Exception as exc:  # noqa: BLE001 - a changed error is a changed output too
                error = f"{type(exc).__name__}: {exc}"
                out[key] = {"json": sha256(error), "text": sha256(error)}
                continue
            # service/cli/evaluate.py: dump_json(rec, True) and render_text(rec, context)
            out[key] = {"json": sha256(json.dumps(rec, indent=2, ensure_ascii=False)),
                        "text": sha256(render_text(rec, ctx))}
        return out
    finally:
        engine.close()


def stored() -> dict[str, dict[str, dict[str, str]]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}


def changes(backend: str, old: dict[str, dict[str, dict[str, str]]], new: dict[str, dict[str, str]]) -> list[str]:
    """'<context> <backend> <form>' for every digest that differs from (or is missing in) `old`."""
    out = []
    for key in sorted(set(new) | {k for k, v in old.items() if backend in v}):
        before, after = old.get(key, {}).get(backend, {}), new.get(key, {})
        for form in ("json", "text"):
            if before.get(form) != after.get(form):
                state = "missing before" if form not in before else "gone" if form not in after else "changed"
                out.append(f"{key} {backend} {form}: {state}")
    return out


@pytest.fixture(scope="module")
def golden():
    """The stored digests; with COGOV_UPDATE_GOLDEN=1, rewritten from today's outputs after the module."""
    data = stored()
    yield data
    if UPDATE:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


@pytest.mark.parametrize("backend", BACKENDS)
def test_outputs_match_the_golden_digests(backend, golden, capsys):
    new = digests(backend)
    assert len(new) == len(PILOTS) + 256
    changed = changes(backend, golden, new)
    if UPDATE:
        for key in set(golden) - set(new):
            golden[key].pop(backend, None)
        for key, forms in new.items():
            golden.setdefault(key, {})[backend] = forms
        for key in [k for k, v in golden.items() if not v]:
            del golden[key]
        with capsys.disabled():
            print(f"\n{GOLDEN.relative_to(REPO)}, {backend}: {len(changed)} entries changed")
            for line in changed:
                print(f"  {line}")
        return
    assert not changed, (f"{len(changed)} outputs differ from {GOLDEN.relative_to(REPO)} "
                         f"(after an intended change, regenerate: see this module's docstring):\n"
                         + "\n".join(changed[:40]) + ("\n..." if len(changed) > 40 else ""))
