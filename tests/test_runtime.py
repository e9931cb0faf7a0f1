"""engine/runtime.py: the durable_rules runtime survives long runs, empty matches, closing.

Crash-prone scenarios (segfaults in durable_rules' C code would kill pytest itself) run in a
child process and are judged by its exit code and output.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine import ContextError, Engine, EngineError, ProjectContext, load_rulebase
from engine.facts import subjects, validate_context
from engine.runtime import DurableRuntime


def run_child(h, script: str, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    out = subprocess.run([str(h.VENV_PYTHON), "-c", script, *args], capture_output=True, text=True,
                         timeout=timeout, cwd=h.REPO)
    # a negative return code is a signal: -11 segfault, -6 abort
    assert out.returncode == 0, f"child exited {out.returncode}\nstdout: {out.stdout[-2000:]}\nstderr: {out.stderr[-3000:]}"
    return out


def contexts(h) -> list[dict]:
    """A few varied contexts over mini: conflict, capacity building, nothing special."""
    return [
        h.make_context(),
        h.make_context(decision={"quality_requirement": True, "manager_has_information": False,
                                 "public_conflict_likely": True},
                       public={"size": "small"}, capacity={"facilitation_skills": "low"}),
        h.make_context(project={"objective": "capacity_building"}, decision={"urgency": "high"},
                       stakeholders=[h.stakeholder("r1", kind="research", power="high", interest="high"),
                                     h.stakeholder("c1", kind="civil_society"), h.stakeholder("m1", kind="media",
                                                                                              holds_information=True)]),
        h.make_context(decision={"acceptance_critical": True, "acceptance_likely_if_autonomous": False},
                       public={"size": "medium"}),
    ]


LONG_RUN = r"""
import json, sys
from engine import Engine
ctxs = json.loads(open(sys.argv[2]).read())
durable = Engine(sys.argv[1])
python = Engine(sys.argv[1], backend="python")
want = [json.dumps(python.evaluate(c)["approach"]) + json.dumps(sorted(
    (f["rule"], f["subject"] or "") for f in python.evaluate(c)["explanation"]["firings"])) for c in ctxs]
n = int(sys.argv[3])
for i in range(n):
    c = ctxs[i % len(ctxs)]
    if i % 10 == 0:
        rec = durable.evaluate(c)
        got = json.dumps(rec["approach"]) + json.dumps(sorted(
            (f["rule"], f["subject"] or "") for f in rec["explanation"]["firings"]))
        assert got == want[i % len(ctxs)], (i, got, want[i % len(ctxs)])
    else:
        wm = durable.infer(c)
        assert wm.firings, i
durable.close()
print("DONE", n)
"""


def test_two_thousand_sequential_evaluations(h, tmp_path):
    ctx_file = tmp_path / "ctxs.json"
    ctx_file.write_text(json.dumps(contexts(h)))
    out = run_child(h, LONG_RUN, str(h.MINI), str(ctx_file), "2000")
    assert out.stdout.split() == ["DONE", "2000"]


NOTHING_MATCHES = r"""
import json, sys
from engine import Engine
ctx = json.loads(open(sys.argv[2]).read())
e = Engine(sys.argv[1])
rec = e.evaluate(ctx)           # the very first evaluation of a fresh process matches nothing
assert rec["explanation"]["firings"] == [], rec["explanation"]["firings"]
for i in range(300):
    c = json.loads(json.dumps(ctx))
    if i % 3 == 0:
        c["decision"]["urgency"] = "high"
    rec = e.evaluate(c)
    assert len(rec["explanation"]["firings"]) == (2 if i % 3 == 0 else 0), (i, rec["explanation"]["firings"])
e.close()
print("DONE", rec["approach"]["code"])
"""


@pytest.fixture
def rare(tmp_path, h):
    """Rules that match nothing in h.make_context(), over two strata."""
    root = h.copy_mini(tmp_path, policy=False)
    h.write_policy(root, "rare.yaml",
                   h.rule("rare.urgent", "decision.urgency == high", {"warnings": ["conflict"]}),
                   h.rule("rare.media", "stakeholder.kind == media",
                          {"participant": {"role": "informed", "level": "inform"}}, for_each=True),
                   h.rule("rare.flag", "public.size == city_wide", {"derive": ["flag"]}),
                   h.rule("rare.after", ["not derived.flag", "decision.urgency == high"],
                          {"arrangements": ["steering_group"]}))
    return root


def test_first_evaluation_matching_nothing_does_not_crash(h, tmp_path, rare):
    assert load_rulebase(rare).strata == 2
    ctx_file = tmp_path / "ctx.json"
    ctx_file.write_text(json.dumps(h.make_context()))
    out = run_child(h, NOTHING_MATCHES, str(rare), str(ctx_file))
    assert out.stdout.split() == ["DONE", "autonomous"]


def test_evaluation_where_no_rule_matches_anything(h, tmp_path, rare):
    root = rare
    ctx = h.make_context()
    ctx_file = tmp_path / "ctx.json"
    ctx_file.write_text(json.dumps(ctx))
    script = r"""
import json, sys
from engine import Engine
e = Engine(sys.argv[1])
for i in range(200):
    rec = e.evaluate(json.loads(open(sys.argv[2]).read()))
    assert rec["explanation"]["firings"] == []
print(json.dumps(rec))
"""
    out = run_child(h, script, str(root), str(ctx_file))
    rec = json.loads(out.stdout)
    assert rec["approach"]["code"] == "autonomous"
    assert rec["approach"]["policy"] == "least_involving (default: no preference rule fired)"
    assert [p["role"] for p in rec["participants"]] == [None, None]
    assert rec["gaps"] == ["stakeholder alpha: no rule gave it a role or excluded it",
                           "stakeholder beta: no rule gave it a role or excluded it",
                           "no technique is recommended for this context"]
    # and the same in this process, on both backends
    for backend in ("durable", "python"):
        eng = Engine(root, backend=backend)
        assert eng.evaluate(ctx) == rec
        eng.close()


def test_runtime_close_then_run_raises(h):
    rb = load_rulebase(h.MINI)
    rt = DurableRuntime(rb)
    subj = subjects(validate_context(h.make_context()))
    assert rt.run(subj).firings
    rt.close()
    rt.close()  # idempotent
    with pytest.raises(EngineError):
        rt.run(subj)


def test_engine_close_then_evaluate_raises(h):
    eng = Engine(h.MINI)
    ctx = h.make_context()
    eng.evaluate(ctx)
    eng.close()
    # a closed durable engine must not silently answer (e.g. by falling back to another backend)
    with pytest.raises(EngineError):
        eng.evaluate(ctx)


def test_two_runtimes_of_the_same_rule_base_coexist(h):
    rb = load_rulebase(h.MINI)
    a, b = Engine(rb), Engine(rb)
    assert a._runtime.name != b._runtime.name
    ctxs = contexts(h)
    try:
        first = [a.evaluate(c) for c in ctxs]
        for _ in range(20):
            for c, want in zip(ctxs, first):
                assert b.evaluate(c) == want
                assert a.evaluate(c) == want
        a.close()
        for c, want in zip(ctxs, first):
            assert b.evaluate(c) == want
        c = Engine(rb)  # a third one after closing one
        assert c.evaluate(ctxs[1]) == first[1]
        c.close()
    finally:
        a.close()
        b.close()


def test_two_different_rule_bases_coexist(h, tmp_path):
    root = h.copy_mini(tmp_path)
    p = root / "policy" / "thomas.yaml"
    p.write_text(p.read_text().replace("then: {prefer: least_involving}", "then: {prefer: most_involving}"))
    a, b = Engine(h.MINI), Engine(root)
    try:
        ctx = h.make_context()
        assert a.evaluate(ctx)["approach"]["code"] == "autonomous"
        assert b.evaluate(ctx)["approach"]["code"] == "public_decision"
        assert a.evaluate(ctx)["approach"]["code"] == "autonomous"
        assert a.rulebase.version != b.rulebase.version
    finally:
        a.close()
        b.close()


def test_invalid_context_is_refused_and_the_runtime_keeps_working(h):
    eng = Engine(h.MINI)
    try:
        bad = h.make_context(public={"size": "huge"})
        with pytest.raises(ContextError) as info:
            eng.evaluate(bad)
        assert info.value.errors[0]["field"] == "public.size"
        with pytest.raises(ContextError) as info:
            eng.evaluate([1, 2])
        assert info.value.errors == [{"field": "", "message": "a context is a JSON object"}]
        ok = eng.evaluate(h.make_context())
        assert ok["approach"]["code"] == "autonomous"
    finally:
        eng.close()


def test_context_errors_name_stakeholder_paths(h):
    ctx = h.make_context(stakeholders=[h.stakeholder("a"), h.stakeholder("b", power="huge"),
                                       h.stakeholder("a", extra=1)])
    with pytest.raises(ContextError) as info:
        validate_context(ctx)
    fields = [e["field"] for e in info.value.errors]
    assert "stakeholders[1].power" in fields
    assert "stakeholders[2].extra" in fields


def test_duplicate_stakeholder_ids_are_refused(h):
    with pytest.raises(ContextError) as info:
        validate_context(h.make_context(stakeholders=[h.stakeholder("a"), h.stakeholder("a")]))
    assert "used more than once" in str(info.value)


def test_evaluate_accepts_a_validated_model(h):
    eng = Engine(h.MINI, backend="python")
    ctx = h.make_context()
    assert eng.evaluate(ProjectContext.model_validate(ctx)) == eng.evaluate(ctx)


def test_unknown_backend():
    with pytest.raises(ValueError):
        Engine("tests/fixtures/mini", backend="rete")


ENGINE_ERRORS = r"""
import json, sys
import engine.compiler as compiler
compiler.GROUP_LEAVES = 5000          # defeat the grouping: error 303 on the adversarial context
from engine import Engine, EngineError
bad, good = json.loads(open(sys.argv[2]).read())
e = Engine(sys.argv[1])
out = []
for i in range(20):
    try:
        e.evaluate(bad)
        out.append("bad-ok")
    except EngineError as exc:
        out.append("303" if "303" in str(exc) and e.rulebase.version in str(exc) else "other:" + str(exc))
    out.append(len(e.evaluate(good)["explanation"]["firings"]))
print(json.dumps(out))
"""


def test_engine_error_is_reported_and_the_next_evaluation_works(h, tmp_path):
    """A durable_rules error mid-session (here error 303) becomes an EngineError naming the rule
    base version, and neither crashes the process nor spoils later evaluations."""
    root = h.copy_mini(tmp_path, policy=False)
    h.write_policy(root, "gen.yaml", *[h.rule(f"gen.r{i}", when, {"warnings": ["conflict"]})
                                       for i, when in enumerate(h.adversarial_whens(200))])
    bad = h.make_context(**h.ADVERSARIAL_CONTEXT)
    good = h.make_context(public={"trust_in_authority": "low", "size": "small"},
                          capacity={"engagement_budget": "low", "facilitation_skills": "low",
                                    "political_support": "low"})
    want = len(Engine(root, backend="python").evaluate(good)["explanation"]["firings"])
    assert want > 0
    ctx_file = tmp_path / "ctx.json"
    ctx_file.write_text(json.dumps([bad, good]))
    out = run_child(h, ENGINE_ERRORS, str(root), str(ctx_file))
    assert json.loads(out.stdout) == ["303", want] * 20


THREADS = r"""
import json, sys, threading
from engine import Engine
ctxs = json.loads(open(sys.argv[2]).read())
e = Engine(sys.argv[1])
want = [json.dumps(e.evaluate(c)) for c in ctxs]
bad = []
def work(k):
    for i in range(100):
        j = (i + k) % len(ctxs)
        if json.dumps(e.evaluate(ctxs[j])) != want[j]:
            bad.append((k, i))
ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print("BAD", len(bad))
"""


def test_concurrent_threads_share_one_engine_safely(h, tmp_path):
    ctx_file = tmp_path / "ctxs.json"
    ctx_file.write_text(json.dumps(contexts(h)))
    out = run_child(h, THREADS, str(h.MINI), str(ctx_file))
    assert out.stdout.split() == ["BAD", "0"]
