"""engine.load_rulebase_files: a rule base from {relative path: text}, with path safety and the version check."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import CogovError, LoadError, RuleBaseError, load_rulebase, load_rulebase_files
from engine.loader import MEMORY_ROOT


def files_of(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def mini(h) -> dict[str, str]:
    return files_of(h.MINI)


def refusal(files: dict, **kwargs) -> list[LoadError]:
    with pytest.raises(RuleBaseError) as info:
        load_rulebase_files(files, **kwargs)
    return info.value.errors


def test_the_same_files_give_the_same_rule_base_as_their_directory(h, mini):
    from_dir, from_memory = load_rulebase(h.MINI), load_rulebase_files(mini)
    assert from_memory.version == from_dir.version
    assert from_memory.files == from_dir.files
    assert [(r.id, r.file, r.line, r.stratum) for r in from_memory.rules] == \
        [(r.id, r.file, r.line, r.stratum) for r in from_dir.rules]
    assert from_dir.root == str(h.MINI) and from_memory.root == MEMORY_ROOT
    assert not Path(from_memory.root).exists()           # a label, never a folder someone reads lint.yaml from


def test_bytes_load_as_their_utf8_text(mini):
    as_bytes = {rel: text.encode("utf-8") for rel, text in mini.items()}
    assert load_rulebase_files(as_bytes).version == load_rulebase_files(mini).version


def test_files_that_are_not_part_of_a_rule_base_are_ignored_as_in_a_directory(mini):
    extra = {**mini, "README.md": "# notes", "lint.yaml": "ignore: []\n", "policy/notes.txt": "x"}
    rb = load_rulebase_files(extra)
    assert rb.version == load_rulebase_files(mini).version and "README.md" not in rb.files


@pytest.mark.parametrize("rel, says", [
    ("/etc/passwd", "relative"),
    ("../escape.yaml", "stay inside"),
    ("policy/../../escape.yaml", "stay inside"),
    ("policy\\thomas.yaml", "'/'"),
    ("policy/x\0.yaml", "control characters"),
    ("policy/x\n.yaml", "control characters"),
    ("", "non-empty"),
    (".", "name a file"),
    ("policy//x.yaml", "'policy/x.yaml'"),
    ("./policy/x.yaml", "'policy/x.yaml'"),
    ("policy/", "'policy'"),
])
def test_unsafe_or_ambiguous_paths_are_refused_before_anything_is_read(mini, rel, says):
    errors = refusal({**mini, rel: "rules: []\n"})
    assert len(errors) == 1 and says in errors[0].message, errors
    assert errors[0].file == (rel if rel.isprintable() else repr(rel))
    assert errors[0].line is None


def test_every_bad_path_is_reported_at_once(mini):
    errors = refusal({**mini, "/a.yaml": "", "../b.yaml": ""})
    assert sorted(e.file for e in errors) == ["../b.yaml", "/a.yaml"]


def test_a_missing_catalogue_file_is_named(mini):
    del mini["catalogue/warnings.yaml"]
    (err,) = refusal(mini)
    assert err.file == "catalogue/warnings.yaml" and "missing" in err.message


def test_a_policy_subfolder_is_refused_as_in_a_directory(mini):
    (err,) = refusal({**mini, "policy/more/x.yaml": "rules: []\n"})
    assert err.file == "policy/more" and "subfolders" in err.message


def test_a_lone_surrogate_is_a_located_error_not_a_crash(mini):
    mini["policy/thomas.yaml"] += "# \ud800\n"
    (err,) = refusal(mini)
    assert err.file == "policy/thomas.yaml" and "UTF-8" in err.message


def test_errors_inside_files_are_located_as_from_a_directory(mini):
    mini["policy/thomas.yaml"] = mini["policy/thomas.yaml"].replace("eliminate:", "eliminat:", 1)
    errors = refusal(mini)
    assert errors and all(e.file == "policy/thomas.yaml" and e.line for e in errors)


def test_the_expected_version_is_checked(mini):
    version = load_rulebase_files(mini).version
    assert load_rulebase_files(mini, expect_version=version).version == version
    altered = {**mini, "policy/thomas.yaml": "# altered\n" + mini["policy/thomas.yaml"]}
    with pytest.raises(CogovError) as info:
        load_rulebase_files(altered, expect_version=version)
    assert isinstance(info.value, RuleBaseError) and info.value.code == "rulebase_invalid"
    (err,) = info.value.errors
    assert version in err.message and "altered" in err.message
    assert load_rulebase_files(altered).version not in (version, None)
    assert load_rulebase_files(altered).version in err.message


def test_the_root_label_is_kept(mini):
    assert load_rulebase_files(mini, root="stored version x").root == "stored version x"
