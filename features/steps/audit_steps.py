"""Steps for auditors' replay and authors' impact questions (service.replay, service.impact).

A scenario keeps a decision log of its own (SQLite under the scenario's tmp_path) holding the six
pilots' decisions, made by the session's durable engine as the service makes them, and an edited
copy of rules/ built by the `a rule edit ...` steps (edits accumulate).
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy import text

from engine import ENGINE_VERSION
from service import candidates
from service.impact import ImpactReport, run_impact
from service.log import DecisionStore
from service.replay import ReplayReport, replay_many

from .world import PILOTS, PILOTS_DIR, RULES_DIR, slug, split_list, table_records


@dataclass
class Audit:
    tmp: Path
    store: DecisionStore | None = None
    ids: dict[str, str] = field(default_factory=dict)            # pilot -> decision id
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    candidate_dir: Path | None = None
    replays: dict[str, ReplayReport] = field(default_factory=dict)
    impact: ImpactReport | None = None
    refused: candidates.CandidateError | None = None
    dropped: str | None = None

    def edited_dir(self) -> Path:
        if self.candidate_dir is None:
            self.candidate_dir = self.tmp / "candidate"
            shutil.copytree(RULES_DIR, self.candidate_dir)
        return self.candidate_dir


class _Who:
    name, role = "scenario", "manager"


@pytest.fixture
def audit(tmp_path):
    state = Audit(tmp=tmp_path)
    yield state
    if state.store is not None:
        state.store.close()


def _rule_block(root: Path, rule_id: str) -> tuple[Path, str, int, int]:
    """(file, its text, start, end) of a rule's block in a policy file."""
    for path in sorted((root / "policy").glob("*.yaml")):
        content = path.read_text(encoding="utf-8")
        start = content.find(f"  - id: {rule_id}\n")
        if start >= 0:
            end = content.find("\n  - id:", start + 8)
            return path, content, start, len(content) if end < 0 else end + 1
    raise AssertionError(f"no rule {rule_id} in {root}/policy")


def _pilot(name: str) -> str:
    key = slug(name)
    if key not in PILOTS:
        raise AssertionError(f"no pilot {name!r}; the pilots are {', '.join(PILOTS)}")
    return key


# ---- Given --------------------------------------------------------------------------------------

@given("a decision log holding the six pilots' decisions made with the shipped rules")
def _(audit: Audit, cogov_engine):
    rulebase = cogov_engine.rulebase
    audit.store = DecisionStore(f"sqlite:///{audit.tmp / 'log.db'}")
    audit.store.store_rulebase(rulebase.version, rulebase.files)
    for name in PILOTS:
        raw = (PILOTS_DIR / f"{name}.json").read_text(encoding="utf-8")
        rec = cogov_engine.evaluate(json.loads(raw))
        audit.stored[name] = rec
        audit.ids[name] = audit.store.record(identity=_Who(), context_raw=raw, recommendation=rec,
                                             rulebase_version=rulebase.version, engine_version=ENGINE_VERSION).id


@given(parsers.parse("a rule edit adding technique {code} to rule {rule_id}"))
def _(audit: Audit, code: str, rule_id: str):
    path, content, start, end = _rule_block(audit.edited_dir(), rule_id)
    block = content[start:end]
    if "techniques: [" not in block:
        raise AssertionError(f"rule {rule_id} recommends no techniques as a [list]: edit it another way")
    path.write_text(content[:start] + block.replace("techniques: [", f"techniques: [{code}, ", 1) + content[end:],
                    encoding="utf-8")


@given(parsers.parse('a rule edit replacing "{old}" by "{new}" in rule {rule_id}'))
def _(audit: Audit, old: str, new: str, rule_id: str):
    path, content, start, end = _rule_block(audit.edited_dir(), rule_id)
    block = content[start:end]
    if old not in block:
        raise AssertionError(f"rule {rule_id} does not contain {old!r}:\n{block}")
    path.write_text(content[:start] + block.replace(old, new, 1) + content[end:], encoding="utf-8")


@given(parsers.parse("a rule edit removing rule {rule_id}"))
def _(audit: Audit, rule_id: str):
    path, content, start, end = _rule_block(audit.edited_dir(), rule_id)
    path.write_text(content[:start] + content[end:], encoding="utf-8")


@given(parsers.parse("a rule edit that only adds a comment to {relpath}"))
def _(audit: Audit, relpath: str):
    path = audit.edited_dir() / relpath
    path.write_text("# a comment, and nothing else\n" + path.read_text(encoding="utf-8"), encoding="utf-8")


@given(parsers.parse("the stored recommendation of the {city} decision was altered to drop its first technique"))
def _(audit: Audit, city: str):
    name = _pilot(city)
    rec = json.loads(json.dumps(audit.stored[name]))
    audit.dropped = rec["techniques"].pop(0)["code"]
    with audit.store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET recommendation = :r WHERE id = :i"),
                     {"r": json.dumps(rec), "i": audit.ids[name]})


@given(parsers.re(r"the (?P<city>\w+) decision was logged by engine version (?P<version>[\w.+-]+) "
                  r"(?P<how>with the same recommendation|without its first technique)"))
def _(audit: Audit, city: str, version: str, how: str):
    """A decision of the pilot logged (correctly chained) as an engine of that version would have: its
    recommendation names that engine, and without its first technique it is not what the engine running
    now gives. A clean record follows it (a replay checks the record's links to its neighbours)."""
    name = _pilot(city)
    rec = json.loads(json.dumps(audit.stored[name]))
    rec["engine"]["version"] = version
    if how.startswith("without"):
        audit.dropped = rec["techniques"].pop(0)["code"]
    raw = (PILOTS_DIR / f"{name}.json").read_text(encoding="utf-8")
    record = audit.store.get(audit.ids[name])
    audit.ids[name] = audit.store.record(identity=_Who(), context_raw=raw, recommendation=rec,
                                         rulebase_version=record.rulebase_version, engine_version=version).id
    audit.stored[name] = rec
    audit.store.record(identity=_Who(), context_raw=record.context_raw, recommendation=record.recommendation,
                       rulebase_version=record.rulebase_version, engine_version=record.engine_version)


# ---- When ---------------------------------------------------------------------------------------

def _replay(audit: Audit, names: list[str], edited: bool) -> None:
    against = candidates.from_directory(audit.edited_dir()) if edited else None
    reports = replay_many(audit.store, [audit.ids[n] for n in names], against)
    audit.replays = dict(zip(names, reports))


@when("the auditor replays every pilot's decision under its own rule base")
def _(audit: Audit):
    _replay(audit, list(PILOTS), edited=False)


@when("the auditor replays every pilot's decision under the edited rules")
def _(audit: Audit):
    _replay(audit, list(PILOTS), edited=True)


@when(parsers.parse("the auditor replays the {city} decision under its own rule base"))
def _(audit: Audit, city: str):
    _replay(audit, [_pilot(city)], edited=False)


@when(parsers.re(r"the author asks for the impact of the edit(?: on at most (?P<limit>\d+) decisions?)?"))
def _(audit: Audit, limit: str | None):
    try:
        candidate = candidates.from_directory(audit.edited_dir())
    except candidates.CandidateError as exc:
        audit.refused = exc
        return
    audit.impact = run_impact(audit.store, candidate, workers=0, limit=int(limit) if limit else None)


# ---- Then: replay -------------------------------------------------------------------------------

@then("every replay is reproduced")
def _(audit: Audit):
    bad = {n: r.integrity.detail for n, r in audit.replays.items() if r.integrity.status != "reproduced"}
    if bad:
        raise AssertionError("not reproduced: " + "; ".join(f"{n}: {d}" for n, d in bad.items()))


def _integrity(audit: Audit, status: str, expected: str):
    """The one replay's integrity verdict, which must have `status` (`expected` says it in words)."""
    (report,) = audit.replays.values()
    i = report.integrity
    if i.status != status:
        raise AssertionError(f"expected {expected}, got {i.status}: {i.detail}")
    return i


def _names_only_the_dropped_technique(audit: Audit, changes, what: str) -> None:
    items = [c.item for c in changes]
    if items != [f"technique:{audit.dropped}"]:
        raise AssertionError(f"expected the {what} to name technique:{audit.dropped} only, it names {items}")


@then("the replay reports an integrity fault that names the dropped technique")
def _(audit: Audit):
    i = _integrity(audit, "fault", "an integrity fault")
    _names_only_the_dropped_technique(audit, i.changes, "fault")


@then(parsers.parse("the replay reports an engine change from engine {version} that names the dropped technique"))
def _(audit: Audit, version: str):
    i = _integrity(audit, "engine_changed", "an engine change")
    if (i.record_engine_version, i.replay_engine_version) != (version, ENGINE_VERSION):
        raise AssertionError(f"expected engines {version} and {ENGINE_VERSION}, got {i.record_engine_version} "
                             f"and {i.replay_engine_version}")
    _names_only_the_dropped_technique(audit, i.changes, "change")


@then(parsers.parse("the replay is reproduced, made by engine {version} and replayed by the current engine"))
def _(audit: Audit, version: str):
    i = _integrity(audit, "reproduced", "it reproduced")
    if (i.record_engine_version, i.replay_engine_version) != (version, ENGINE_VERSION) or version not in i.detail:
        raise AssertionError(f"expected engines {version} and {ENGINE_VERSION} named, got: {i.detail}")


@then("only these pilots' decisions differ under the edited rules:")
def _(audit: Audit, datatable: list[list[str]]):
    expected: dict[str, set[tuple[str, str]]] = {}
    for row in table_records(datatable):
        expected.setdefault(_pilot(row["pilot"]), set()).add((row["change"], row["because of rule"]))
    problems = []
    for name, report in audit.replays.items():
        if report.integrity.status != "reproduced":
            problems.append(f"{name}: not reproduced under its own rules: {report.integrity.detail}")
        got = {(str(c), ", ".join(cause.rules) or cause.how)
               for c, cause in zip(report.against.diff.changes, report.against.causes)}
        if got != expected.get(name, set()):
            problems.append(f"{name}: expected {sorted(expected.get(name, set())) or 'no difference'}, "
                            f"got {sorted(got) or 'no difference'}")
    if problems:
        raise AssertionError("\n".join(problems))


# ---- Then: impact -------------------------------------------------------------------------------

def _impact(audit: Audit) -> ImpactReport:
    if audit.impact is None:
        raise AssertionError(f"no impact report: the candidate was refused: {audit.refused}")
    return audit.impact


@then(parsers.re(r"(?P<n>\d+) of the (?P<m>\d+) decisions changes?"))
def _(audit: Audit, n: str, m: str):
    report = _impact(audit)
    if (report.changed, report.decisions) != (int(n), int(m)):
        raise AssertionError(f"expected {n} of {m} decisions to change, got {report.changed} of {report.decisions}"
                             f"\n{report.text()}")


@then(parsers.re(r"the impact is partial: the (?P<n>\d+) newest of the (?P<m>\d+) decisions were examined"))
def _(audit: Audit, n: str, m: str):
    report = _impact(audit)
    newest = [audit.store.get(audit.ids[name]).seq for name in PILOTS][-int(n):]
    if not report.truncated or (report.decisions, report.matched) != (int(n), int(m)) \
            or report.examined_seq != [newest[0], newest[-1]]:
        raise AssertionError(f"expected the {n} newest of {m} decisions (seq {newest[0]}..{newest[-1]}) examined "
                             f"and the report marked partial, got:\n{report.text()}")


@then(parsers.re(r"technique (?P<code>\w+) is (?P<kind>added|removed) in (?P<n>\d+) decisions? "
                 r"because of rule (?P<rule>[\w.]+)"))
def _(audit: Audit, code: str, kind: str, n: str, rule: str):
    report = _impact(audit)
    found = {(i.item, i.kind): i.count for i in report.items}
    if found.get((f"technique:{code}", kind)) != int(n):
        raise AssertionError(f"expected technique:{code} {kind} in {n}, the report says:\n{report.text()}")
    by_rule = {r.rule: r for r in report.rules}
    if by_rule.get(rule) is None or by_rule[rule].items.get(f"technique:{code}") != int(n):
        raise AssertionError(f"expected rule {rule} to cause it, the report says:\n{report.text()}")


@then(parsers.parse("every change is caused by rule {rule}"))
def _(audit: Audit, rule: str):
    report = _impact(audit)
    others = [r.rule for r in report.rules if r.rule != rule]
    if others or not report.rules:
        raise AssertionError(f"expected only {rule} behind the changes, the report says:\n{report.text()}")


@then(parsers.parse("the participants that change are {names}"))
def _(audit: Audit, names: str):
    report = _impact(audit)
    got = sorted({i.item.split(":", 1)[1] for i in report.items if i.item.startswith("participant:")})
    if got != sorted(split_list(names)):
        raise AssertionError(f"expected participants {sorted(split_list(names))} to change, got {got}")


@then("no approach changes")
def _(audit: Audit):
    report = _impact(audit)
    if report.approach:
        raise AssertionError("approaches change: " + ", ".join(f"{t.old} -> {t.new}" for t in report.approach))


@then(parsers.parse("the candidate is refused with an error at {relpath} naming {word}"))
def _(audit: Audit, relpath: str, word: str):
    if audit.refused is None:
        raise AssertionError("the candidate was accepted")
    texts = [str(e) for e in audit.refused.errors]
    if not any(re.match(rf"{re.escape(relpath)}:\d+:", t) and word in t for t in texts):
        raise AssertionError(f"no error at {relpath}:<line> naming {word}: {texts}")
