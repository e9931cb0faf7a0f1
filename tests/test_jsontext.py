"""Strict JSON text (engine/jsontext.py): repeated keys named by their path, only UTF-8, no NaN."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import CogovError
from engine.jsontext import JsonTextError, decode, loads

PILOTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "pilots").glob("*.json"))


def fields(text: str | bytes) -> list[str]:
    with pytest.raises(JsonTextError) as info:
        loads(text)
    assert {e["type"] for e in info.value.errors} == {"duplicate_key"}
    assert all(e["message"] == "duplicate key" for e in info.value.errors)
    return [e["field"] for e in info.value.errors]


def test_a_repeated_key_is_refused_naming_its_path():
    assert fields('{"decision": {"quality_requirement": true, "quality_requirement": false}}') == [
        "decision.quality_requirement"]
    assert fields('{"a": 1, "a": 1}') == ["a"]                   # even with the same value
    assert fields('{"s": [{"id": "x"}, {"id": "y", "power": "low", "power": "high"}]}') == ["s[1].power"]
    assert fields('[{"k": 1}, [{"k": 1, "k": 2}]]') == ["[1][0].k"]


def test_every_repeated_key_is_named_in_document_order():
    text = '{"b": 1, "b": 2, "x": {"c": 1, "c": 2}, "y": [{"d": 1, "d": 1}], "z": 0, "z": 0, "z": 0}'
    assert fields(text) == ["b", "z", "x.c", "y[0].d"]    # an object's own keys before those inside it
    assert fields('{"a": {"k": 1, "k": 2}, "a": {"k": 1}}') == ["a"]   # the value kept has no repeat


def test_a_very_long_key_is_shortened_in_the_path():
    key = "k" * 5000
    assert fields('{"p": {"' + key + '": 1, "' + key + '": 2}}') == ["p." + "k" * 100 + "..."]


def test_text_without_repeats_reads_as_json_does():
    for path in PILOTS:
        raw = path.read_bytes()
        assert loads(raw) == json.loads(raw)
    assert loads('{"a": [1, 2.5, null, true, "é"], "b": {}}') == {"a": [1, 2.5, None, True, "é"], "b": {}}


@pytest.mark.parametrize("raw, start", [
    (b'{"a": "\xff"}', "not UTF-8 text (byte 8"),
    ('{"a": 1}'.encode("utf-16"), "not UTF-8 text (byte 1"),       # JSON in UTF-16 is never guessed
    ('{"a": 1}'.encode("utf-32"), "not UTF-8 text (byte 1"),
])
def test_bytes_must_be_utf8(raw, start):
    with pytest.raises(JsonTextError) as info:
        loads(raw)
    assert info.value.errors == [{"field": "", "message": info.value.errors[0]["message"], "type": "invalid_encoding"}]
    assert info.value.errors[0]["message"].startswith(start)
    with pytest.raises(JsonTextError):
        decode(raw)


@pytest.mark.parametrize("text, message", [
    ('{"a": NaN}', "invalid JSON: NaN is not a JSON value"),
    ('{"a": -Infinity}', "invalid JSON: -Infinity is not a JSON value"),
    ('{"a": ', "invalid JSON at line 1 column 7: Expecting value"),
    ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
    ('{"n": ' + "9" * 5000 + "}", "invalid JSON: Exceeds the limit"),
])
def test_what_is_not_json_is_refused_saying_why(text, message):
    with pytest.raises(JsonTextError) as info:
        loads(text)
    assert info.value.errors[0]["type"] == "json_invalid" and info.value.errors[0]["message"].startswith(message)


def test_a_syntax_error_keeps_its_line_and_column():
    with pytest.raises(JsonTextError) as info:
        loads('{\n  "a": 1,\n}')
    assert (info.value.line, info.value.column, info.value.reason) == (3, 1, "Expecting property name enclosed in "
                                                                                "double quotes")


def test_the_error_is_an_engine_error_with_its_own_code():
    error = JsonTextError([{"field": "a", "message": "duplicate key", "type": "duplicate_key"}])
    assert isinstance(error, CogovError) and isinstance(error, ValueError)
    assert error.code == "json_invalid" and str(error) == "a: duplicate key"
