"""Steps for the questions managers ask about a recommendation: "why not …?" and "what would have to change?".

The answers come from the session's Engine (engine.why_not / engine.what_if):
why-not reads the Python evaluator's working memory, what-if re-checks every
result with the durable engine. The answer is kept on the World as
`world.explained` (why-not), `world.what_if` (search) or `world.compared`
(one given change).
"""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from engine import ItemError, apply_changes
from engine.diff import diff

from .world import World, approach_code, parse_value, show, table_pairs

_ANSWER = r'"(?P<sentence>[^"]+)"'


def _why_not(world: World):
    answer = getattr(world, "explained", None)
    if answer is None:
        raise AssertionError("no why-not answer: start with 'When I ask why not <item>'")
    if isinstance(answer, ItemError):
        raise AssertionError(f"cogov could not read the question: {answer}")
    return answer


def _what_if(world: World):
    answer = getattr(world, "what_if", None)
    if answer is None:
        raise AssertionError("no what-if answer: start with 'When I ask what would have to change'")
    return answer


def _pairs(datatable) -> list[tuple[str, object]]:
    return [(k, parse_value(v)) for k, v in table_pairs(datatable)]


@when(parsers.re(r"I ask why not (?P<item>\S+)"))
def _(world: World, item: str):
    try:
        world.explained = world.engine.why_not(world.ctx(), item)
    except ItemError as exc:
        world.explained = exc


@then(parsers.re(r"cogov says it depends on unknown answer (?P<question>[\w.-]+)"))
def _(world: World, question: str):
    from .context_steps import _question_field
    answer = _why_not(world)
    path = f"decision.{_question_field(question)}"
    if not any(u.field == path for u in answer.unknowns):
        raise AssertionError(f"cogov answered: {answer.summary}\nthe unknown answers it depends on: "
                             f"{'; '.join(map(str, answer.unknowns)) or 'none'}")


@then(parsers.re(r"the changes found include finding out (?P<question>[\w.-]+)"))
def _(world: World, question: str):
    from .context_steps import _question_field
    answer = _what_if(world)
    fields = {c.field for s in answer.scenarios for c in s.changes if c.old == "unknown"}
    if f"decision.{_question_field(question)}" not in fields:
        raise AssertionError(f"no answer finds out {question}; cogov found:\n{answer.text()}")


@then(parsers.re(r"cogov says it is (?P<neg>not )?recommended"))
def _(world: World, neg: str | None):
    answer = _why_not(world)
    if answer.recommended == bool(neg):
        raise AssertionError(f"cogov answered: {answer.summary}")


@then(parsers.re(r"it (?P<how>was ruled out|was not chosen|was overridden|is advised against) because of "
                 r"rule (?P<rule>\S+)(?P<matching> matching:)?"))
def _(world: World, how: str, rule: str, matching: str | None, datatable=None):
    kind = {"was ruled out": "eliminated", "was not chosen": "not_chosen", "was overridden": "overridden",
            "is advised against": "avoided"}[how]
    answer = _why_not(world)
    found = [d for d in answer.defeated_by if d.how == kind and d.rule == rule]
    if not found:
        raise AssertionError(f"expected: {how} because of {rule}; cogov answered:\n{answer.text()}")
    if matching:
        for field, value in _pairs(datatable):
            actual = found[0].matched.get(field, "(not matched)")
            if actual != value:
                raise AssertionError(f"{rule} matched {field} = {show(actual)}, expected {show(value)}")


@then(parsers.re(r"rule (?P<rule>\S+) could have produced it but failed on:"))
def _(world: World, rule: str, datatable):
    answer = _why_not(world)
    checks = [p for p in answer.producers if p.rule == rule]
    if not checks or any(p.fired for p in checks):
        raise AssertionError(f"{rule} is not a rule that could have produced it and did not fire; cogov answered:\n"
                             f"{answer.text()}")
    failed = {f.condition: f.actual for p in checks for a in p.alternatives for f in a.failed}
    for condition, value in _pairs(datatable):
        if condition not in failed:
            raise AssertionError(f"{rule} did not fail on {condition!r}; it failed on: "
                                 + "; ".join(f"{c} (actual {show(v)})" for c, v in failed.items()))
        if failed[condition] != value:
            raise AssertionError(f"{condition}: the actual value is {show(failed[condition])}, not {show(value)}")


@then(parsers.re(r"cogov cannot answer and suggests \"(?P<suggestion>[^\"]+)\""))
def _(world: World, suggestion: str):
    answer = getattr(world, "explained", None)
    if not isinstance(answer, ItemError):
        raise AssertionError(f"expected the question to be refused, but cogov answered: {getattr(answer, 'summary', answer)}")
    if f"did you mean {suggestion}?" not in str(answer):
        raise AssertionError(f"expected a suggestion of {suggestion!r}; cogov said: {answer}")


@when(parsers.re(r"I ask what would have to change(?: for (?P<item>\S+))?, with at most (?P<n>\d) changed answers?"))
def _(world: World, item: str | None, n: str):
    world.what_if = world.engine.what_if(world.ctx(), item, max_changes=int(n), limit=20)


@then(parsers.re(r"one answer is " + _ANSWER))
def _(world: World, sentence: str):
    answer = _what_if(world)
    if sentence not in [s.sentence for s in answer.scenarios]:
        raise AssertionError(f"no such answer; cogov found:\n{answer.text()}")


@then("no answer changes all the answers another one changes, and more")
def _(world: World):
    sets = [frozenset(c.field for c in s.changes) for s in _what_if(world).scenarios]
    for a in sets:
        for b in sets:
            if a < b:
                raise AssertionError(f"{sorted(b)} is not minimal: {sorted(a)} already does it")


@then("every answer was checked by the engine and agrees")
def _(world: World):
    answer = _what_if(world)
    if not answer.scenarios:
        raise AssertionError("cogov found no answer")
    if answer.errors or not all(s.agrees and s.checked_by == "durable" for s in answer.scenarios):
        raise AssertionError("\n".join(answer.errors) or "a result was not checked by the durable engine")


@then(parsers.re(r"every answer recommends (?P<item>\S+)"))
def _(world: World, item: str):
    answer = _what_if(world)
    if not answer.scenarios:
        raise AssertionError(f"cogov found no answer:\n{answer.text()}")
    kind, code = item.split(":", 1)
    for s in answer.scenarios:
        if f"{kind}:{code}" not in {c.item for c in s.diff.changes if c.kind == "added"}:
            raise AssertionError(f"{s.sentence}: {item} does not appear; differences:\n{s.diff}")


@when(parsers.re(r"I compare it with (?P<field>[\w.]+) set to (?P<value>.+)"))
def _(world: World, field: str, value: str):
    changed, _ = apply_changes(world.ctx(), [{"field": field, "value": parse_value(value)}])
    world.compared = diff(world.engine.evaluate(world.ctx()), world.engine.evaluate(changed))


@then(parsers.re(r"the approach changes from (?P<old>[\w-]+) to (?P<new>[\w-]+)"))
def _(world: World, old: str, new: str):
    d = getattr(world, "compared", None)
    if d is None:
        raise AssertionError("nothing compared: start with 'When I compare it with <field> set to <value>'")
    expected = (approach_code(old), approach_code(new))
    if d.approach is None or (d.approach.old, d.approach.new) != expected:
        raise AssertionError(f"expected the approach to change {expected[0]} -> {expected[1]}; differences:\n{d}")


@then(parsers.re(r"the difference lists " + _ANSWER))
def _(world: World, sentence: str):
    d = getattr(world, "compared", None)
    if d is None or sentence not in [str(c) for c in d.changes]:
        raise AssertionError(f"{sentence!r} is not among the differences:\n{d}")
