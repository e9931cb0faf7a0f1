"""Text the decision log cannot store is refused where it comes in, on SQLite and PostgreSQL alike, and a
record that still fails to write fails alone in its group commit (issue 13, item 1).

PostgreSQL's text columns refuse NUL; a lone surrogate (a JSON "\\ud800") is no UTF-8, which neither
backend can store. SQLite took NUL, so the same context was logged on one backend and 503 on the other,
and on PostgreSQL one such request failed every other request of its group commit.
"""
from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from engine import Engine, RuleBaseError, load_rulebase
from service.app import create_app
from service.cli import main
from service.log import DecisionStore, LogError
from service.log.chain import canonical_json, recommendation_index
from service.log.group_commit import GroupCommit
from svc_helpers import MINI, Who, pilot, settings_for

JSON = {"Content-Type": "application/json"}


def _with(path: tuple, value: str) -> bytes:
    """The athens pilot with `value` at `path`, as JSON text (NUL and surrogates written as \\u escapes)."""
    context = pilot("athens")
    target = context
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return json.dumps(context, ensure_ascii=True).encode("ascii")


@pytest.mark.parametrize(("path", "value", "field"), [
    (("project", "city"), "Ath\x00ens", "project.city"),
    (("project", "name"), "\x00", "project.name"),
    (("stakeholders", 0, "name"), "resid\x00ents", "stakeholders[0].name"),
    (("project", "arena"), "a\x00", "project.arena"),
    (("project", "city"), "Ath\ud800ens", "project.city"),
    (("stakeholders", 1, "name"), "\udfff", "stakeholders[1].name"),
])
def test_text_the_log_cannot_store_is_422_naming_the_field(db_url, tmp_path, path, value, field):
    app = create_app(settings_for(tmp_path, database_url=db_url, workers=1))
    with TestClient(app) as c:
        body = _with(path, value)
        assert (b"\\u0000" in body) or (b"\\ud" in body)
        r = c.post("/api/v1/recommendations", content=body, headers=JSON)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]
        assert app.state.store.count() == 0
        assert c.post("/api/v1/recommendations", json=pilot("athens")).status_code == 201
        assert app.state.store.verify().ok


def test_nul_in_a_note_key_or_value_is_refused_naming_it(tmp_path):
    context = pilot("athens")
    for notes, field in (({"a\x00": "x"}, "notes"), ({"k": "v\x00"}, "notes.k")):
        app = create_app(settings_for(tmp_path, workers=1))
        with TestClient(app) as c:
            r = c.post("/api/v1/recommendations", content=json.dumps({**context, "notes": notes}), headers=JSON)
            assert r.status_code == 422, r.text
            fields = [e["field"] for e in r.json()["errors"]]
            assert len(fields) == 1 and fields[0].startswith(field), fields
            assert "NUL" in r.json()["errors"][0]["message"]


def test_the_command_line_refuses_it_naming_the_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(_with(("project", "city"), "x\x00"))
    result = CliRunner().invoke(main, ["evaluate", str(bad), "--rules", str(MINI)])
    assert result.exit_code == 2
    assert f"{bad}: project.city: contains a NUL character" in result.output
    lines = CliRunner().invoke(main, ["evaluate", "-", "--rules", str(MINI)],
                               input=_with(("project", "name"), "\ud800").decode() + "\n")
    answer = json.loads(lines.output)
    assert answer["line"] == 1 and [e["field"] for e in answer["error"]["errors"]] == ["project.name"]


@pytest.mark.parametrize(("escape", "what"), [("\\0", "a NUL character"), ("\\x00", "a NUL character"),
                                              ("\\ud800", "a lone surrogate"), ("\\uDC01", "a lone surrogate")])
def test_a_rule_file_with_such_text_is_refused_at_its_line(tmp_path, escape, what):
    """YAML's escapes in double-quoted scalars make NUL and surrogates that its reader refuses as raw
    characters: a rule title holding one would reach every recommendation and the log."""
    rules = tmp_path / "rules"
    shutil.copytree(MINI, rules)
    path = rules / "policy" / "people.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    title: Key player\n" in text
    path.write_text(text.replace("    title: Key player\n", f'    title: "Key {escape}player"\n'), encoding="utf-8")
    with pytest.raises(RuleBaseError) as caught:
        load_rulebase(rules)
    messages = [str(e) for e in caught.value.errors]
    assert any("people.yaml:3" in m and what in m for m in messages), messages
    check = CliRunner().invoke(main, ["rules", "check", str(rules)])
    assert check.exit_code != 0 and "people.yaml:3" in check.output and what in check.output


# -- a record that fails to write fails alone --------------------------------------------------------------------
@pytest.fixture(scope="module")
def made():
    rb = load_rulebase(MINI)
    engine = Engine(rb, backend="python")
    return rb, {name: engine.evaluate(pilot(name)) for name in ("athens", "genoa", "milan", "bremen")}


def _item(made, name: str, city: str | None = None, who: str = "alice") -> dict:
    """One group-commit item; `city` given bypasses validation, as a bug letting a value through would."""
    rb, recs = made
    context = pilot(name)
    if city is not None:
        context["project"]["city"] = city
    return dict(identity=Who(who), canonical=canonical_json(recs[name]), index=recommendation_index(recs[name]),
                rulebase_version=rb.version, engine_version="0.1.0", context=context,
                context_raw=json.dumps(context))


def _bad_cities(db_url: str) -> list[str]:
    return ["Ath\ud800ens"] + (["Ath\x00ens"] if db_url.startswith("postgresql") else [])


def test_a_bad_record_in_a_batch_fails_alone_and_the_others_are_written(db_url, made):
    store = DecisionStore(db_url)
    store.store_rulebase(made[0].version, made[0].files)
    try:
        for bad_city in _bad_cities(db_url):
            before = store.count()
            writer = GroupCommit(store)
            names = ["athens", "genoa", "milan", "bremen", "athens"]

            async def main():
                return await asyncio.gather(
                    *(writer.record_text(**_item(made, n, who=f"user{i}")) for i, n in enumerate(names[:2])),
                    writer.record_text(**_item(made, "milan", city=bad_city, who="mallory")),
                    *(writer.record_text(**_item(made, n, who=f"user{i + 2}")) for i, n in enumerate(names[2:])),
                    return_exceptions=True)
            answers = asyncio.run(main())
            assert writer.batches == 1          # all six queued before the writer ran: one batch
            bad = answers.pop(2)
            assert isinstance(bad, Exception)
            # what the API turns into 503 "could not be written to the decision log", not a 500
            from sqlalchemy.exc import SQLAlchemyError
            assert isinstance(bad, (SQLAlchemyError, LogError)), repr(bad)
            assert all(isinstance(a, tuple) for a in answers), answers
            stored = [store.get(decision_id) for decision_id, _ in answers]
            assert [r.caller_name for r in stored] == [f"user{i}" for i in range(5)]
            assert [r.seq for r in stored] == list(range(before + 1, before + 6))   # chained in the order given
            assert store.count() == before + 5 and store.count({"caller": "mallory"}) == 0
            result = store.verify()
            assert result.ok and result.count == before + 5
    finally:
        store.close()


def test_a_batch_the_database_cannot_take_at_all_is_not_retried_item_by_item(db_url, made, monkeypatch):
    """A lost connection or a full disk is no record's fault: the batch fails once, not once per item."""
    from sqlalchemy.exc import OperationalError

    store = DecisionStore(db_url)
    store.store_rulebase(made[0].version, made[0].files)
    calls = []

    def down(*args, **kwargs):
        calls.append(1)
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
    monkeypatch.setattr(DecisionStore, "_write", staticmethod(down))
    try:
        results = store.record_texts([_item(made, n) for n in ("athens", "genoa", "milan")])
        assert all(isinstance(r, OperationalError) for r in results) and len(calls) == 1
    finally:
        monkeypatch.undo()
        assert store.verify().ok and store.count() == 0
        store.close()
