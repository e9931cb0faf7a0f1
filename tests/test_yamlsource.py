"""engine/yamlsource.py: safe YAML with line numbers."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from engine import yamlsource
from engine.yamlsource import MAX_FILE_BYTES, YamlError, parse_yaml, read_yaml


def _err(text: str) -> YamlError:
    with pytest.raises(YamlError) as info:
        parse_yaml(text)
    return info.value


# ---- anchors, aliases, alias bombs ------------------------------------------------

def test_anchor_is_refused_with_its_line():
    err = _err("a: 1\nb: &x 2\n")
    assert "anchors" in err.message
    assert err.line == 2


def test_alias_is_refused_with_its_line():
    # An alias without its anchor is a composer error in PyYAML; here the event scan refuses it first.
    err = _err("a: 1\nb: 2\nc: *x\n")
    assert "aliases" in err.message
    assert err.line == 3


def test_anchor_then_alias_is_refused_at_the_anchor():
    err = _err("base: &b {x: 1}\nother: *b\n")
    assert "anchors" in err.message
    assert err.line == 1


def test_billion_laughs_alias_bomb_is_refused_quickly():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    start = time.perf_counter()
    err = _err("\n".join(levels) + "\n")
    assert time.perf_counter() - start < 1.0
    assert "anchors" in err.message and err.line == 1


# ---- tags -------------------------------------------------------------------------

@pytest.mark.parametrize("text, tag", [
    ("x: !!python/object:os.system {}\n", "tag:yaml.org,2002:python/object:os.system"),
    ('x: !!python/object/apply:os.system ["touch /tmp/cogov-pwned"]\n',
     "tag:yaml.org,2002:python/object/apply:os.system"),
    ("x: !!python/name:os.system\n", "tag:yaml.org,2002:python/name:os.system"),
    ("x: !!str 5\n", "tag:yaml.org,2002:str"),
    ("x: !custom value\n", "!custom"),
    ("--- !doc\na: 1\n", "!doc"),
])
def test_explicit_tags_are_refused(text, tag):
    err = _err(text)
    assert err.message == f"YAML tags ({tag}) are not allowed in rule files"
    assert err.line == 1


def test_python_tag_deep_in_a_document_reports_its_line(tmp_path):
    err = _err("rules:\n  - id: a\n    when:\n      - !!python/object/apply:os.system [ls]\n")
    assert "tags" in err.message
    assert err.line == 4
    assert not (tmp_path / "cogov-pwned").exists()


# ---- merge keys, duplicate keys, complex keys ---------------------------------------

def test_merge_key_is_refused():
    err = _err("a: 1\nb:\n  <<: {x: 1}\n  y: 2\n")
    assert "merge keys" in err.message
    assert err.line == 3


def test_duplicate_key_is_refused_at_the_second_occurrence():
    err = _err("rules:\n  - id: a\n    title: one\n    title: two\n")
    assert err.message == "duplicate key 'title'"
    assert err.line == 4


def test_quoted_and_plain_duplicate_keys_are_the_same_key():
    err = _err("on: 1\n'on': 2\n")
    assert err.message == "duplicate key 'on'"
    assert err.line == 2


def test_non_scalar_key_is_refused():
    err = _err("? [a, b]\n: 1\n")
    assert err.message == "mapping keys must be plain text"
    assert err.line == 1


# ---- scalars: YAML 1.2 core, no Norway problem ---------------------------------------

def test_yaml11_booleans_stay_strings():
    data = parse_yaml("on: off\nyes: no\nlist: [on, off, yes, no, y, n, Yes, NO, On]\n").data
    assert data == {"on": "off", "yes": "no", "list": ["on", "off", "yes", "no", "y", "n", "Yes", "NO", "On"]}


def test_core_scalars():
    data = parse_yaml(
        "t: true\nT: True\nf: false\nn: null\ntilde: ~\nempty:\ni: 42\nneg: -7\nfl: 1.5\nexp: 1e3\n"
        "q: 'true'\ndq: \"42\"\nblock: |\n  text\nhex: 0x10\nver: 1.2.3\n").data
    assert data == {"t": True, "T": True, "f": False, "n": None, "tilde": None, "empty": None, "i": 42,
                    "neg": -7, "fl": 1.5, "exp": 1000.0, "q": "true", "dq": "42", "block": "text\n",
                    "hex": "0x10", "ver": "1.2.3"}
    assert type(data["i"]) is int and type(data["t"]) is bool


def test_keys_are_always_strings():
    data = parse_yaml("1: a\ntrue: b\nnull: c\n").data
    assert data == {"1": "a", "true": "b", "null": "c"}


def test_empty_document_is_none():
    assert parse_yaml("").data is None
    assert parse_yaml("# only a comment\n").data is None


def test_multiple_documents_are_refused():
    err = _err("a: 1\n---\nb: 2\n")
    assert err.message.startswith("invalid YAML")
    assert err.line == 2


# ---- syntax errors ---------------------------------------------------------------------

@pytest.mark.parametrize("text, line", [
    ("a: 1\nb: c: d\n", 2),
    ("a: 1\nb:\n  - x\n - y\n", 4),
    ("a:\n\t- x\n", 2),
    ("a: [1, 2\nb: 3\n", 2),
])
def test_syntax_errors_have_a_line(text, line):
    err = _err(text)
    assert err.message.startswith("invalid YAML: ")
    assert err.line == line


# ---- encoding and size ------------------------------------------------------------------

def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert info.value.message == "file is not UTF-8 (byte 10)"


def test_utf16_file_is_refused(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert "not UTF-8" in info.value.message


def test_utf8_with_bom_and_crlf_reads_with_correct_lines(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: caf\u00e9\r\nb:\r\n  - x\r\n  - y\r\n".encode("utf-8"))
    located = read_yaml(path)
    assert located.data == {"a": "caf\u00e9", "b": ["x", "y"]}
    assert located.lines[("b", 1)] == 4


def test_missing_file(tmp_path):
    with pytest.raises(YamlError) as info:
        read_yaml(tmp_path / "nope.yaml")
    assert info.value.message.startswith("cannot read file")


def test_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * MAX_FILE_BYTES + b"\n")
    start = time.perf_counter()
    with pytest.raises(YamlError) as info:
        read_yaml(path)
    assert time.perf_counter() - start < 0.5
    assert info.value.message == f"file is larger than {MAX_FILE_BYTES} bytes"


def test_huge_text_is_refused_by_parse_yaml_too():
    err = _err("a: " + "\u00e9" * (MAX_FILE_BYTES // 2 + 1))  # under the limit in characters, over in bytes
    assert err.message == f"file is larger than {MAX_FILE_BYTES} bytes"


def test_node_count_limit(monkeypatch):
    monkeypatch.setattr(yamlsource, "MAX_NODES", 50)
    parse_yaml("a: [" + ",".join(["1"] * 40) + "]\n")
    err = _err("a: 1\nb: [" + ",".join(["1"] * 60) + "]\n")
    assert err.message == "document has more than 50 values"
    assert err.line == 2


# ---- line numbers ------------------------------------------------------------------------

def test_line_numbers_of_every_path():
    text = (
        "description: x\n"          # 1
        "rules:\n"                  # 2
        "  - id: a.one\n"           # 3
        "    when:\n"               # 4
        "      all:\n"              # 5
        "        - public.size == small\n"   # 6
        "\n"                        # 7
        "        - decision.quality_requirement\n"  # 8
        "    then: {eliminate: [autonomous, public_decision]}\n"  # 9
        "  - id: a.two\n"           # 10
        "    then:\n"               # 11
        "      eliminate:\n"        # 12
        "        - autonomous\n"    # 13
    )
    loc = parse_yaml(text)
    assert loc.lines[("rules",)] == 2
    assert loc.lines[("rules", 0)] == 3
    assert loc.lines[("rules", 0, "id")] == 3
    assert loc.lines[("rules", 0, "when")] == 4
    assert loc.lines[("rules", 0, "when", "all")] == 5
    assert loc.lines[("rules", 0, "when", "all", 0)] == 6
    assert loc.lines[("rules", 0, "when", "all", 1)] == 8
    assert loc.lines[("rules", 0, "then", "eliminate", 1)] == 9
    assert loc.lines[("rules", 1)] == 10
    assert loc.lines[("rules", 1, "then", "eliminate", 0)] == 13


def test_line_of_falls_back_to_deepest_known_prefix():
    loc = parse_yaml("rules:\n  - id: a\n    then:\n      eliminate: [x]\n")
    assert loc.line_of(("rules", 0, "then", "eliminate", 0)) == 4
    assert loc.line_of(("rules", 0, "then", "prefer")) == 3     # missing key: its parent
    assert loc.line_of(("rules", 0, "title")) == 2
    assert loc.line_of(("rules", 7, "id")) == 1                  # unknown item: the list key
    assert loc.line_of(("nothing",)) == 1


# ---- libyaml and the pure-Python parser read alike -------------------------------------

_REPO = Path(__file__).resolve().parent.parent
_DOCUMENTS = [p.read_text(encoding="utf-8") for root in ("rules", "tests/fixtures")
              for p in sorted((_REPO / root).rglob("*.yaml"))] + [
    "a: 1\nb: &x 2\n", "a: 1\nb: 2\nc: *x\n", "x: !!python/object:os.system 1\n", "a: [1, 2\nb: 3\n",
    "a: 1\n  b: 2\n", "key: 'unterminated\n", "- a\nb: 1\n", "on: yes\nno: off\n", "q: '010'\np: 010\nf: 1.5e3\n",
    "t: |\n  two\n  lines\nf: >\n  folded\n  text\n", "---\na: 1\n---\nb: 2\n", "a:\n\tb: 1\n"]


def _read_with(text):
    try:
        located = parse_yaml(text)
        return located.data, located.lines
    except YamlError as exc:
        return "error", exc.line


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML was built without libyaml")
def test_libyaml_and_the_python_parser_give_the_same_values_lines_and_error_lines(monkeypatch):
    """parse_yaml uses libyaml when PyYAML has it: every rule file, fixture and malformed document above must
    read exactly as the pure-Python parser reads it (libyaml marks plain scalars with style "", not None)."""
    assert len(_DOCUMENTS) > 30
    for text in _DOCUMENTS:
        monkeypatch.setattr(yamlsource, "_LOADER", yaml.SafeLoader)
        python = _read_with(text)
        monkeypatch.setattr(yamlsource, "_LOADER", yaml.CSafeLoader)
        assert _read_with(text) == python, text[:200]
