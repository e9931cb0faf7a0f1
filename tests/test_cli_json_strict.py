"""`cogov evaluate` reads contexts as strict JSON (engine/jsontext.py): a key given twice is an error naming
its path, in a context file (as a bad field: exit 2) and in a JSON Lines line (that line's error)."""
from __future__ import annotations

import json

from service.cli import main

TWICE = '"quality_requirement": true, "quality_requirement": false'


def with_repeated_key(h) -> str:
    """A valid context whose decision.quality_requirement is written twice (json would keep `false`)."""
    text = json.dumps(h.make_context(decision={"quality_requirement": False}))
    assert text.count('"quality_requirement": false') == 1
    return text.replace('"quality_requirement": false', TWICE)


def test_a_context_file_with_a_repeated_key_is_refused_naming_it(runner, h, tmp_path):
    f = tmp_path / "ctx.json"
    f.write_text(with_repeated_key(h), encoding="utf-8")
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines() == [f"{f}: decision.quality_requirement: duplicate key"]
    assert res.stdout == ""


def test_a_json_lines_line_with_a_repeated_key_is_that_lines_error(runner, h):
    good = json.dumps(h.make_context())
    data = "\n".join([good, with_repeated_key(h), '{"a": {"b": [{"c": 1, "c": 2}]}, "a": 0}', good]) + "\n"
    res = runner.invoke(main, ["evaluate", "-", "--rules", str(h.MINI)], input=data.encode())
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(out) == 4 and "approach" in out[0] and out[3] == out[0]
    assert out[1] == {"line": 2, "error": {
        "type": "invalid_json", "message": "decision.quality_requirement: duplicate key",
        "errors": [{"field": "decision.quality_requirement", "message": "duplicate key", "type": "duplicate_key"}]}}
    assert [e["field"] for e in out[2]["error"]["errors"]] == ["a"]   # the value kept (0) holds no repeat


def test_a_file_that_is_not_utf8_or_holds_nan_is_refused(runner, h, tmp_path):
    f = tmp_path / "ctx.json"
    f.write_bytes('{"project": {}}'.encode("utf-16"))
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exit_code == 1 and f"{f}: cannot read: not UTF-8 text" in res.stderr
    f.write_text(json.dumps(h.make_context()).replace('"public": {', '"nan": NaN, "public": {'), encoding="utf-8")
    res = runner.invoke(main, ["evaluate", str(f), "--rules", str(h.MINI)])
    assert res.exit_code == 1 and f"{f}: invalid JSON: NaN is not a JSON value" in res.stderr
