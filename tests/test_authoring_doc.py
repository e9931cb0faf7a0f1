"""docs/AUTHORING.md says what the code does (issue 20, item 6): the catalogue and sources formats document
every key the loader's models accept, the impact report's terms are the ones it prints, and the worked
example's rule loads and its scenarios pass against the shipped rules."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine import load_rulebase_files
from engine.catalogue import CATALOGUE_FILES, EXTRA_CATALOGUES, SOURCES_FILE, TERMS_FILE, SourceFile, TermsFile
from engine.impact import Cause

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "AUTHORING.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = DOC.index(f"\n## {title}")
    end = DOC.find("\n## ", start + 4)
    return DOC[start:end if end > 0 else len(DOC)]


def _subsection(section: str, file: str) -> str:
    """The ### part of `section` whose title names `file`."""
    parts = re.split(r"\n### ", section)
    found = [p for p in parts[1:] if file in p.splitlines()[0]]
    assert found, f"AUTHORING.md has no '### ...{file}...' under its catalogue section"
    return found[0]


def _model(annotation):
    """The model class inside list[...] / X | None, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _model(arg)
        if inner is not None:
            return inner
    return None


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key a model accepts, nested models' keys as parent.child."""
    out = []
    for name, field in model.model_fields.items():
        out.append(prefix + name)
        nested = _model(field.annotation)
        if nested is not None and not name.endswith("s"):     # a nested mapping (demands), not a list of entries
            out += _keys(nested, f"{prefix}{name}.")
    return out


def _entry_models() -> list[tuple[str, str, type[BaseModel]]]:
    """(file, list key, entry model) of every catalogue list, and of sources.yaml."""
    out = []
    for file, model, key in CATALOGUE_FILES.values():
        out.append((file, key, _model(model.model_fields[key].annotation)))
    for home, key in EXTRA_CATALOGUES.values():
        file, model, _ = CATALOGUE_FILES[home]
        out.append((file, key, _model(model.model_fields[key].annotation)))
    out.append((SOURCES_FILE, "sources", _model(SourceFile.model_fields["sources"].annotation)))
    out += [(TERMS_FILE, key, _model(field.annotation)) for key, field in TermsFile.model_fields.items()]
    return out


@pytest.mark.parametrize("file, key, model", _entry_models(), ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_key_a_catalogue_file_takes_is_documented(file, key, model):
    section = _section("The catalogue and sources files")
    names = file.split("/")[-1]
    part = _subsection(section, names)
    assert f"`{key}:`" in part, f"the {file} section does not name its list `{key}:`"
    missing = [k for k in _keys(model) if f"`{k}`" not in part]
    assert not missing, f"AUTHORING.md's {file} section does not document: {', '.join(missing)}"


def test_the_impact_reports_terms_are_documented_as_it_prints_them():
    section = _section("The impact of an edit")
    hows = typing.get_args(Cause.model_fields["how"].annotation)
    assert hows and all(f"`[{how}]`" in section for how in hows)
    printed = (REPO / "service" / "impact.py").read_text(encoding="utf-8")
    for term in ("out of the edited rules' reach", "made with the same rules", "cannot be evaluated", "PARTIAL: only"):
        assert term in printed and term in section, term
    assert "(catalogue)" in printed and "(indirect)" in printed


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def _shipped() -> dict[str, str]:
    root = REPO / "rules"
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in root.rglob("*.yaml")}


def test_the_worked_examples_rule_loads_beside_the_shipped_rules():
    (rule,) = _blocks(_section("A worked example"), "yaml")
    files = {**_shipped(), "policy/local.yaml": rule}
    rb = load_rulebase_files(files)
    assert rb.by_id["local.open_house_low_trust"].file == "policy/local.yaml"
    assert rb.by_id["local.open_house_low_trust"].line == 2


def test_the_worked_examples_scenarios_pass_and_fail_on_a_misspelt_id(tmp_path):
    section = _section("A worked example")
    (rule,) = _blocks(section, "yaml")
    (feature,) = _blocks(section, "gherkin")
    rules = tmp_path / "rules"
    for rel, text in {**_shipped(), "policy/local.yaml": rule}.items():
        (rules / rel).parent.mkdir(parents=True, exist_ok=True)
        (rules / rel).write_text(text, encoding="utf-8")
    (rules / "lint.yaml").write_text((REPO / "rules" / "lint.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "local.feature").write_text(feature, encoding="utf-8")
    (run_dir / "typo.feature").write_text(
        feature.replace("Feature: Local practice", "Feature: A typo").replace(
            "Then rule local.open_house_low_trust did not fire", "Then rule local.open_house_low_trsut did not fire"),
        encoding="utf-8")
    (run_dir / "conftest.py").write_text("from features.conftest import *  # noqa: F401,F403\n", encoding="utf-8")
    (run_dir / "test_local.py").write_text("from pytest_bdd import scenarios\n\nscenarios('.')\n", encoding="utf-8")
    env = {**os.environ, "COGOV_BDD_RULES": str(rules),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("COGOV_COVERAGE_OUT", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--tb=line",
                          str(run_dir)], cwd=run_dir, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert "1 failed, 3 passed" in out, out
    assert "(did you mean local.open_house_low_trust?)" in out
