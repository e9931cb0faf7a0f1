"""The README a newcomer follows (issue 15, item 9): the walk-through comes before the settings table, and every
file and command it names exists."""
from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_walk_through_comes_first_and_the_settings_after():
    walk = README.index("## Your first five minutes")
    install = README.index("## Install without running the tests")
    settings = README.index("| `COGOV_DATABASE_URL`")
    assert walk < install < settings
    steps = README[walk:install]
    for said in ("make run", "/evaluate", "Get the recommendation", "/decisions/", "Ctrl+C", "/docs"):
        assert said in steps, said


def test_every_example_file_the_readme_names_exists():
    named = set(re.findall(r"examples/[\w./-]+\.jsonl?", README))
    assert "examples/pilots.jsonl" in named
    for path in named:
        assert (REPO / path).is_file(), path


def test_the_json_lines_example_is_the_six_pilots():
    """examples/pilots.jsonl is the pilots, one a line, in file order (regenerate it when a pilot changes:
    one compact JSON object per examples/pilots/*.json, sorted by file name)."""
    lines = (REPO / "examples" / "pilots.jsonl").read_text(encoding="utf-8").splitlines()
    pilots = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((REPO / "examples" / "pilots").glob("*.json"))]
    assert [json.loads(line) for line in lines] == pilots


def test_the_cogov_commands_it_shows_exist():
    from click.testing import CliRunner

    from service.cli import main
    shown = set(re.findall(r"(?:bin/|`)cogov ([a-z][\w-]*)(?: ([a-z][\w-]*))?", README))
    assert ("evaluate", "") in shown
    for command in shown:
        args = [a for a in command if a and a not in ("examples",)]
        result = CliRunner().invoke(main, [*args, "--help"])
        if result.exit_code != 0 and len(args) == 2:     # a second word that is an argument, not a subcommand
            result = CliRunner().invoke(main, [args[0], "--help"])
        assert result.exit_code == 0, (command, result.output[:300])
