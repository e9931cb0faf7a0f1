"""The `cogov` command line: evaluate (file, JSON Lines, text) and rules check."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from engine import Engine
from service.cli import main



@pytest.fixture(scope="module")
def mini_python(h):
    eng = Engine(h.MINI, backend="python")
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def mini_durable(h):
    eng = Engine(h.MINI)
    yield eng
    eng.close()


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def broken(tmp_path, h):
    root = h.copy_mini(tmp_path)
    p = root / "policy" / "thomas.yaml"
    p.write_text(p.read_text().replace("        - decision.quality_requirement\n",
                                       "        - decision.quality_requirment\n"))
    return root


@pytest.fixture
def eliminates_all(tmp_path, h):
    root = h.copy_mini(tmp_path, name="all", policy=False)
    h.write_policy(root, "all.yaml", h.rule("all.gone", "public.size == city_wide", {"eliminate": [
        "autonomous", "modified_autonomous", "segmented_consultation", "unitary_consultation", "public_decision"]}))
    return root


# ---- evaluate FILE ----------------------------------------------------------------------------

def test_evaluate_file_json(runner, h, tmp_path, mini_durable):
    ctx = h.make_context(decision={"public_conflict_likely": True}, public={"size": "small"})
    f = write_json(tmp_path / "ctx.json", ctx)
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith('{\n  "plan": {\n    "summary": ')     # what to do, first
    assert json.loads(res.stdout) == mini_durable.evaluate(ctx)


def test_evaluate_file_python_backend(runner, h, tmp_path, mini_python):
    ctx = h.make_context()
    f = write_json(tmp_path / "ctx.json", ctx)
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI), "--backend", "python"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == mini_python.evaluate(ctx)


def test_evaluate_file_text(runner, h, tmp_path):
    ctx = h.make_context(project={"name": "Harbour path"}, capacity={"facilitation_skills": "low"})
    f = write_json(tmp_path / "ctx.json", ctx)
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI), "--format", "text"])
    assert res.exit_code == 0
    out = res.stdout
    assert out.startswith("cogov recommendation for Harbour path\n")
    assert "APPROACH: Autonomous managerial decision (autonomous, Thomas A), IAP2 level inform" in out
    assert "Steering group (steering_group): because project.facilitation_gap#" in out
    assert "Alpha [alpha]: Decision partner at IAP2 level collaborate" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_evaluate_file_with_invalid_json(runner, h, tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('{\n  "project": {\n    "name": "x",\n  }\n}\n')
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exit_code == 1
    assert f"{f}:4: invalid JSON" in res.stderr
    assert res.stdout == ""


def test_evaluate_file_with_invalid_context(runner, h, tmp_path):
    ctx = h.make_context(public={"size": "huge"})
    del ctx["capacity"]
    f = write_json(tmp_path / "ctx.json", ctx)
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert f"{f}: capacity: field required" in lines
    assert any(line.startswith(f"{f}: public.size: ") for line in lines)
    assert res.stdout == ""


def test_evaluate_missing_file(runner, h, tmp_path):
    res = runner.invoke(main, ["evaluate", str(tmp_path / "nope.json"), "--rules", str(h.MINI)])
    assert res.exit_code == 1
    assert "cannot read" in res.stderr


def test_evaluate_resolution_failure(runner, h, tmp_path, eliminates_all):
    f = write_json(tmp_path / "ctx.json", h.make_context(public={"size": "city_wide"}))
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(eliminates_all)])
    assert res.exit_code == 1
    assert "eliminated every approach" in res.stderr


def test_evaluate_with_a_broken_rule_base(runner, h, tmp_path, broken):
    f = write_json(tmp_path / "ctx.json", h.make_context())
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(broken)])
    assert res.exit_code == 1
    assert "policy/thomas.yaml:9: [thomas.r1_information] unknown field 'decision.quality_requirment'" in res.stderr
    assert res.stdout == ""


def test_rules_dir_from_environment(runner, h, tmp_path, mini_durable):
    ctx = h.make_context()
    f = write_json(tmp_path / "ctx.json", ctx)
    res = runner.invoke(main, ["evaluate", str(f)], env={"COGOV_RULES_DIR": str(h.MINI)})
    assert res.exit_code == 0
    assert json.loads(res.stdout)["rulebase"] == mini_durable.evaluate(ctx)["rulebase"]


# ---- evaluate - (JSON Lines) -----------------------------------------------------------------------

def jsonl_input(h):
    good1 = h.make_context()
    good2 = h.make_context(decision={"public_conflict_likely": True}, public={"size": "small"},
                           project={"objective": "capacity_building"})
    bad_ctx = h.make_context(stakeholders=[])
    lines = [
        json.dumps(good1).encode(),                 # 1
        b'{"project": {"name": "x"',                # 2 truncated JSON
        json.dumps(bad_ctx).encode(),               # 3 invalid context
        b"",                                        # 4 blank: skipped
        json.dumps(good2).encode(),                 # 5
        b"[1, 2, 3]",                               # 6 not an object
        b'{"project": "caf\xe9"}',                  # 7 not UTF-8
        b"   ",                                     # 8 blank
        json.dumps(good1).encode(),                 # 9
    ]
    return b"\n".join(lines) + b"\n", good1, good2


def check_jsonl(stdout: str, want1: dict, want2: dict) -> None:
    out = stdout.splitlines()
    assert len(out) == 7, stdout
    recs = [json.loads(line) for line in out]
    assert recs[0] == want1
    assert recs[1]["line"] == 2 and recs[1]["error"]["type"] == "invalid_json"
    assert recs[2]["line"] == 3 and recs[2]["error"]["type"] == "invalid_context"
    assert [e["field"] for e in recs[2]["error"]["errors"]] == ["stakeholders"]
    assert recs[3] == want2
    assert recs[4] == {"line": 6, "error": {"type": "invalid_context", "message": ": a context is a JSON object",
                                            "errors": [{"field": "", "message": "a context is a JSON object"}]}}
    assert recs[5] == {"line": 7, "error": {"type": "invalid_encoding", "message": "line is not UTF-8"}}
    assert recs[6] == want1
    assert all(line.startswith(('{"plan":', '{"line":')) for line in out)  # one compact object per line


def test_evaluate_json_lines(runner, h, mini_durable):
    data, good1, good2 = jsonl_input(h)
    res = runner.invoke(main, ["evaluate", "-", "--rules", str(h.MINI)], input=data)
    assert res.exit_code == 0, res.output
    check_jsonl(res.stdout, mini_durable.evaluate(good1), mini_durable.evaluate(good2))


def test_evaluate_json_lines_text_format(runner, h):
    data, good1, good2 = jsonl_input(h)
    res = runner.invoke(main, ["evaluate", "-", "--rules", str(h.MINI), "--format", "text"], input=data)
    assert res.exit_code == 0
    out = res.stdout
    assert out.count("cogov recommendation") == 3
    assert '{"line":2,"error":{"type":"invalid_json"' in out
    assert out.index('{"line":2') < out.index('{"line":3') < out.index('{"line":6') < out.index('{"line":7')


def test_evaluate_json_lines_resolution_failure_is_a_line(runner, h, eliminates_all):
    data = (json.dumps(h.make_context(public={"size": "city_wide"})) + "\n" +
            json.dumps(h.make_context()) + "\n").encode()
    res = runner.invoke(main, ["evaluate", "-", "--rules", str(eliminates_all)], input=data)
    assert res.exit_code == 0
    first, second = [json.loads(line) for line in res.stdout.splitlines()]
    assert first["line"] == 1 and first["error"]["type"] == "evaluation_failed"
    assert second["approach"]["code"] == "autonomous"


def test_evaluate_json_lines_empty_input(runner, h):
    res = runner.invoke(main, ["evaluate", "-", "--rules", str(h.MINI)], input=b"")
    assert res.exit_code == 0 and res.stdout == ""


# ---- rules check -----------------------------------------------------------------------------------

def test_rules_check_ok(runner, h):
    res = runner.invoke(main, ["rules", "check", str(h.MINI)])
    assert res.exit_code == 0
    assert res.stdout.startswith(f"{h.MINI}: 11 rules, 2 strata, version sha256:")
    assert res.stdout.rstrip().endswith(": OK")


def test_rules_check_errors(runner, h, broken):
    p = broken / "policy" / "people.yaml"
    p.write_text(p.read_text().replace("skill_gaps: [facilitation]", "skill_gaps: [facilitator]"))
    res = runner.invoke(main, ["rules", "check", str(broken)])
    assert res.exit_code == 1
    assert res.stdout.splitlines() == [
        "policy/people.yaml:65: [project.facilitation_gap] unknown skill code 'facilitator' "
        "(did you mean facilitation?)",
        "policy/thomas.yaml:9: [thomas.r1_information] unknown field 'decision.quality_requirment' "
        "(did you mean decision.quality_requirement?)",
    ]
    assert res.stderr.strip() == f"2 error(s) in {broken}"


def test_rules_check_not_a_directory(runner, tmp_path):
    res = runner.invoke(main, ["rules", "check", str(tmp_path / "nowhere")])
    assert res.exit_code == 1
    assert res.stdout.strip() == f"{tmp_path / 'nowhere'}: not a directory"


def test_rules_check_default_dir_from_environment(runner, h):
    res = runner.invoke(main, ["rules", "check"], env={"COGOV_RULES_DIR": str(h.MINI)})
    assert res.exit_code == 0
    assert "11 rules" in res.stdout


# ---- the installed entry point -----------------------------------------------------------------------

def test_installed_cogov_json_lines(h, tmp_path, mini_durable):
    data, good1, good2 = jsonl_input(h)
    out = subprocess.run([str(h.VENV_COGOV), "evaluate", "-", "--rules", str(h.MINI)], input=data,
                         capture_output=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    check_jsonl(out.stdout.decode("utf-8"), mini_durable.evaluate(good1), mini_durable.evaluate(good2))


def test_installed_cogov_rules_check_exit_codes(h, tmp_path, broken):
    env = {k: v for k, v in os.environ.items() if k != "COGOV_RULES_DIR"}
    ok = subprocess.run([str(h.VENV_COGOV), "rules", "check", str(h.MINI)], capture_output=True, text=True,
                        timeout=60, env=env)
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith(": OK")
    bad = subprocess.run([str(h.VENV_COGOV), "rules", "check", str(broken)], capture_output=True, text=True,
                         timeout=60, env=env)
    assert bad.returncode == 1
    assert bad.stdout.startswith("policy/thomas.yaml:9: [thomas.r1_information] unknown field")


# ---- pathological JSON ------------------------------------------------------------------------------

PATHOLOGICAL = [
    b"[" * 100_000 + b"]" * 100_000,          # nesting beyond Python's recursion limit
    b'{"project": ' + b"1" * 5000 + b"}",     # an integer beyond Python's int/str conversion limit
]


def test_evaluate_json_lines_survives_pathological_lines(runner, h, mini_durable):
    good = h.make_context()
    data = b"\n".join([json.dumps(good).encode(), *PATHOLOGICAL, json.dumps(good).encode()]) + b"\n"
    res = runner.invoke(main, ["evaluate", "-", "--rules", str(h.MINI)], input=data)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 0
    out = [json.loads(line) for line in res.stdout.splitlines()]
    want = mini_durable.evaluate(good)
    assert len(out) == 4
    assert out[0] == want and out[3] == want
    assert [o["line"] for o in out[1:3]] == [2, 3]
    assert all(o["error"]["type"] == "invalid_json" for o in out[1:3])


@pytest.mark.parametrize("content", PATHOLOGICAL, ids=["deep", "bigint"])
def test_evaluate_file_with_pathological_json_fails_cleanly(runner, h, tmp_path, content):
    f = tmp_path / "ctx.json"
    f.write_bytes(content)
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 1
    assert "invalid JSON" in res.stderr
