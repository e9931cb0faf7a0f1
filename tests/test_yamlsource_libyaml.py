"""Rule files read by libyaml (engine/yamlsource.py, CSafeLoader when PyYAML has it) read exactly as the
pure-Python parser read them: the same files accepted, the same values, the same error messages and lines."""
from __future__ import annotations

import pytest
import yaml

from engine import yamlsource
from engine.yamlsource import YamlError, parse_yaml

pytestmark = pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False),
                                reason="PyYAML without libyaml: only the pure-Python parser is used")


def _pure(text: str):
    saved = yamlsource._LOADER
    yamlsource._LOADER = yaml.SafeLoader
    try:
        return _outcome(text)
    finally:
        yamlsource._LOADER = saved


def _outcome(text: str):
    try:
        located = parse_yaml(text)
    except YamlError as exc:
        return "refused", exc.message, exc.line
    return "read", located.data, located.lines


@pytest.mark.parametrize("text", [
    "a:\t1\n",                       # a tab after the colon: libyaml takes it, the pure parser refuses it
    "a: b: c\n",                     # libyaml words its errors otherwise
    "a: -\n",
    "x: 1\nrules:\n\t- b\n",
    "\ufeff\ufeffa: 1\n",            # libyaml drops a second byte order mark
    "a: 1\n\ufeff",
    "a: b\x85c: d\n",
    "a: \ufffe\n",
    "a: \ud800\n",                   # a lone surrogate: libyaml raised UnicodeEncodeError, not YamlError
    "\ufeffa: 1\nb: [x, 'y', \"z\"]\n",
    "rules:\n  - id: r1\n    when: {a: 1}\n    note: >\n      folded\n      text\n",
], ids=lambda t: repr(t)[:30])
def test_libyaml_reads_and_refuses_as_the_pure_parser_does(text):
    assert _outcome(text) == _pure(text)
