"""engine/compiler.py: group layout within durable_rules' limits."""
from __future__ import annotations

import itertools
import json
import random

import pytest

from engine import Engine, RuleBaseError, load_rulebase
from engine import compiler
from engine.compiler import (GROUP_LEAVES, GROUP_PROPERTIES, MAX_DURABLE_RULES, OPENER, alternatives, plan,
                             ruleset)
from engine.conditions import FIELDS, Cmp, ConditionError, Derived, Exists, to_terms, parse_condition

KINDS = ["citizens", "civil_society", "business", "research", "public_authority", "utility", "media", "other"]
LEVELS = ["low", "medium", "high"]


def test_keys(test: dict) -> set[str]:
    (k, v), = test.items()
    return set(v) if k.startswith("$") else {k}


test_keys.__test__ = False  # a helper, not a test


def check_invariants(rb, p) -> None:
    """Every documented layout invariant of a plan."""
    by_order = {r.order: r for r in rb.rules}
    names = set()
    for g in p.groups:
        assert 1 <= len(g.leaves) <= GROUP_LEAVES
        assert len(g.keys) <= GROUP_PROPERTIES
        for leaf in g.leaves:
            r = by_order[leaf.rule]
            assert (r.stratum, r.scope) == (g.stratum, g.scope)
            for t in leaf.tests:
                assert test_keys(t) <= g.keys
            assert leaf.name not in names
            names.add(leaf.name)
        assert {k[3:] for k in g.keys if k.startswith("d__")} == g.derived
    assert names == set(p.leaf_by_name)


def write_rules(root, name, rules):
    lines = ["rules:"]
    for rid, when, then, each in rules:
        lines.append(f"  - id: {rid}")
        lines.append("    title: Generated")
        lines.append("    rationale: Generated.")
        lines.append("    sources: [thomas1993]")
        if each:
            lines.append("    for_each: stakeholder")
        lines.append(f"    when: {json.dumps(when)}")
        lines.append(f"    then: {then}")
    (root / "policy" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- tests of single literals ---------------------------------------------------------------

def test_literal_tests_encode_ordinals_as_ranks():
    def alts(text):
        return alternatives(to_terms(parse_condition(text))[0])
    assert alts("public.size >= large") == [[{"$gte": {"public__size": 3}}]]
    assert alts("public.size < medium") == [[{"$lt": {"public__size": 2}}]]
    assert alts("capacity.engagement_budget <= low") == [[{"$lte": {"capacity__engagement_budget": 1}}]]
    assert alts("approach.level > consult") == [[{"$gt": {"approach__level": 2}}]]
    assert alts("public.size != city_wide") == [[{"$neq": {"public__size": 4}}]]
    assert alts("stakeholder.kind == media") == [[{"stakeholder__kind": "media"}]]
    assert alts("not decision.quality_requirement") == [[{"decision__quality_requirement": False}]]
    assert alts("decision.urgency exists") == [[{"$ex": {"decision__urgency": 1}}]]
    assert alts("decision.urgency missing") == [[{"$nex": {"decision__urgency": 1}}]]
    assert alts("not derived.key_player") == [[{"d__key_player": False}]]


def test_in_expands_into_alternatives_and_not_in_into_a_conjunction():
    term = to_terms(parse_condition(["stakeholder.kind in [citizens, business, media]", "public.size in [small, large]",
                                     "project.domain not in [energy, housing]", "public.size >= medium"]))[0]
    alts = alternatives(term)
    assert len(alts) == 3 * 2
    chosen = sorted(json.dumps([t for t in alt if not next(iter(t)).startswith("$")]) for alt in alts)
    assert chosen == sorted(json.dumps([{"public__size": s}, {"stakeholder__kind": k}])
                            for k, s in itertools.product(["business", "citizens", "media"], [1, 3]))
    for alt in alts:
        assert {"$neq": {"project__domain": "energy"}} in alt and {"$neq": {"project__domain": "housing"}} in alt
        assert {"$gte": {"public__size": 2}} in alt
        # equality tests (hash-indexed) come before operators
        ops = [next(iter(t)).startswith("$") for t in alt]
        assert ops == sorted(ops)


def test_plan_of_mini(h):
    rb = load_rulebase(h.MINI)
    p = plan(rb)
    check_invariants(rb, p)
    # people.advisor_when_involving: holds_information | kind in [research, civil_society] -> 3 leaves
    r = rb.by_id["people.advisor_when_involving"]
    assert sorted(n for n, leaf in p.leaf_by_name.items() if leaf.rule == r.order) == [
        f"r{r.order}_0_0", f"r{r.order}_1_0", f"r{r.order}_1_1"]
    # project.no_online: public.size in [small, medium] -> 2 leaves
    r = rb.by_id["project.no_online"]
    assert len([leaf for leaf in p.leaf_by_name.values() if leaf.rule == r.order]) == 2
    assert len(p.leaf_by_name) == sum(len(alternatives(t)) for rule in rb.rules for t in rule.terms) == 15


def test_ruleset_dict(h):
    p = plan(load_rulebase(h.MINI))
    rs = ruleset(p, lambda name: (lambda c: None))
    assert list(rs)[0] == OPENER
    assert rs[OPENER]["all"] == [{"f": {"t": OPENER}}]
    assert set(rs) == {OPENER} | set(p.leaf_by_name)
    for g in p.groups:
        for leaf in g.leaves:
            cond = rs[leaf.name]["all"]
            assert cond == [{"f": {"$and": [{"t": g.name}, *leaf.tests]}}]
            assert callable(rs[leaf.name]["run"])
    # fresh dicts every time (durable_rules deletes `run` from what it registers)
    assert ruleset(p, lambda name: (lambda c: None)) is not rs


def test_groups_respect_group_leaves(tmp_path, h):
    root = h.copy_mini(tmp_path, policy=False)
    rules = [(f"gen.p{i}", f"public.size == {['small', 'medium', 'large', 'city_wide'][i % 4]}",
              "{warnings: [conflict]}", False) for i in range(100)]
    rules += [(f"gen.s{i}", f"stakeholder.power == {LEVELS[i % 3]}", "{warnings: [conflict]}", True)
              for i in range(50)]
    write_rules(root, "gen.yaml", rules)
    rb = load_rulebase(root)
    p = plan(rb)
    check_invariants(rb, p)
    assert [(g.scope, len(g.leaves)) for g in p.groups] == [
        ("project", 40), ("project", 40), ("project", 20), ("stakeholder", 40), ("stakeholder", 10)]


def test_one_rules_in_alternatives_may_span_groups(tmp_path, h):
    root = h.copy_mini(tmp_path, policy=False)
    # 2 * 8 * 3 = 48 alternatives from one term: more than one group holds them
    write_rules(root, "gen.yaml", [("gen.wide", ["stakeholder.kind in [" + ", ".join(KINDS) + "]",
                                                 "stakeholder.power in [low, medium, high]",
                                                 "public.size in [small, large]"],
                                    "{warnings: [conflict]}", True)])
    rb = load_rulebase(root)
    p = plan(rb)
    check_invariants(rb, p)
    assert [len(g.leaves) for g in p.groups] == [40, 8]
    for backend in ("durable", "python"):
        eng = Engine(rb, backend=backend)
        rec = eng.evaluate(h.make_context(public={"size": "large"}))
        eng.close()
        assert h.firing_keys(rec) == [("gen.wide", "alpha"), ("gen.wide", "beta")]


def test_groups_respect_group_properties(tmp_path, h):
    root = h.copy_mini(tmp_path, policy=False)
    n_readers, width = 20, 24
    facts = [f"f{i}" for i in range(n_readers * width)]
    rules = [("gen.deriver", "public.size >= small", "{derive: [" + ", ".join(facts) + "]}", False)]
    for r in range(n_readers):
        lits = [f"derived.{f}" for f in facts[r * width:(r + 1) * width]]
        rules.append((f"gen.reader{r}", lits, "{warnings: [conflict]}", False))
    write_rules(root, "gen.yaml", rules)
    rb = load_rulebase(root)
    p = plan(rb)
    check_invariants(rb, p)
    assert len(p.groups) >= 3
    assert max(len(g.keys) for g in p.groups) <= GROUP_PROPERTIES
    # and the engine really evaluates them: every reader fires, on both backends
    for backend in ("durable", "python"):
        eng = Engine(rb, backend=backend)
        rec = eng.evaluate(h.make_context())
        eng.close()
        assert sorted(r for r, _ in h.firing_keys(rec)) == sorted(
            ["gen.deriver"] + [f"gen.reader{r}" for r in range(n_readers)])


@pytest.fixture(scope="module")
def thousand(tmp_path_factory, h):
    root = h.copy_mini(tmp_path_factory.mktemp("thousand"), policy=False)
    rules = [(f"gen.true{i}", when, "{warnings: [conflict]}", False)
             for i, when in enumerate(h.adversarial_whens(1000))]
    rules += [(f"gen.same{i}", "decision.quality_requirement", "{skills: [facilitation]}", False) for i in range(100)]
    rules += [(f"gen.sh{i}", ["stakeholder.power >= low", f"stakeholder.kind in [{', '.join(KINDS[:1 + i % 8])}]"],
               "{warnings: [conflict]}", True) for i in range(200)]
    write_rules(root, "gen.yaml", rules)
    return root


def test_thousand_rules_over_the_same_fields_evaluate_without_engine_errors(thousand, h):
    rb = load_rulebase(thousand)
    assert rb.rule_count == 1300
    p = plan(rb)
    check_invariants(rb, p)
    ctx = h.make_context(**h.ADVERSARIAL_CONTEXT, stakeholders=[
        h.stakeholder("a1", kind="citizens"), h.stakeholder("b2", kind="other"), h.stakeholder("c3", kind="media")])
    durable = Engine(rb)
    python = Engine(rb, backend="python")
    try:
        for _ in range(3):
            got = durable.evaluate(ctx)
            want = python.evaluate(ctx)
            assert sorted(h.firing_keys(got)) == sorted(h.firing_keys(want))
        fired = {r for r, _ in h.firing_keys(got)}
        assert {f"gen.true{i}" for i in range(1000)} <= fired
        assert {f"gen.same{i}" for i in range(100)} <= fired
        sh = [k for k in h.firing_keys(got) if k[0].startswith("gen.sh")]
        # a1 citizens: all 200; c3 media (index 6): i % 8 >= 6 -> 50; b2 other: i % 8 == 7 -> 25
        assert len(sh) == 200 + 50 + 25
    finally:
        durable.close()
        python.close()


def test_the_thousand_rule_base_really_needs_the_grouping(thousand, h, tmp_path):
    """Sanity check of the test above: without the GROUP_LEAVES split the same rule base hits
    durable_rules error 303. Run in a child process (error 303 can corrupt the engine)."""
    import subprocess
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps(h.make_context(**h.ADVERSARIAL_CONTEXT)))
    script = (
        "import json, sys\n"
        "import engine.compiler as c\n"
        "c.GROUP_LEAVES = 5000\n"
        "from engine import Engine, EngineError\n"
        "e = Engine(sys.argv[1])\n"
        "try:\n"
        "    e.evaluate(json.load(open(sys.argv[2])))\n"
        "    print('NO ERROR')\n"
        "except EngineError as exc:\n"
        "    print('ENGINE ERROR', exc)\n")
    out = subprocess.run([str(h.VENV_PYTHON), "-c", script, str(thousand), str(ctx)], capture_output=True,
                         text=True, timeout=120, cwd=h.REPO)
    assert "error code: 303" in out.stdout, (out.returncode, out.stdout, out.stderr[-2000:])


def test_max_durable_rules_is_a_load_error(tmp_path, h):
    root = h.copy_mini(tmp_path, policy=False)
    # 8 * 4 * 3 = 96 engine rules per rule; 42 rules -> 4032 > MAX_DURABLE_RULES
    when = ["stakeholder.kind in [" + ", ".join(KINDS) + "]", "public.size in [small, medium, large, city_wide]",
            "decision.urgency in [low, medium, high]"]
    write_rules(root, "gen.yaml", [(f"gen.r{i}", when, "{warnings: [conflict]}", True) for i in range(42)])
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    (err,) = info.value.errors
    assert err.file == "policy"
    assert "4032 engine rules" in err.message and str(MAX_DURABLE_RULES) in err.message


def test_just_under_max_durable_rules_loads(tmp_path, h):
    root = h.copy_mini(tmp_path, policy=False)
    when = ["stakeholder.kind in [" + ", ".join(KINDS) + "]", "public.size in [small, medium, large, city_wide]",
            "decision.urgency in [low, medium, high]"]
    write_rules(root, "gen.yaml", [(f"gen.r{i}", when, "{warnings: [conflict]}", True) for i in range(41)])
    rb = load_rulebase(root)
    assert len(plan(rb).leaf_by_name) == 41 * 96 < MAX_DURABLE_RULES


def test_max_root_children_is_a_load_error(tmp_path, h, monkeypatch):
    monkeypatch.setattr(compiler, "MAX_ROOT_CHILDREN", 3)
    root = h.copy_mini(tmp_path, policy=False)
    write_rules(root, "gen.yaml", [(f"gen.p{i}", "public.size == small", "{warnings: [conflict]}", False)
                                   for i in range(3 * GROUP_LEAVES)])
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    assert [e.file for e in info.value.errors] == ["policy"]
    assert "fact groups" in info.value.errors[0].message


def test_max_rules_is_a_load_error(tmp_path, h, monkeypatch):
    from engine import loader
    monkeypatch.setattr(loader, "MAX_RULES", 10)
    root = h.copy_mini(tmp_path, policy=False)
    write_rules(root, "gen.yaml", [(f"gen.p{i}", "public.size == small", "{warnings: [conflict]}", False)
                                   for i in range(11)])
    with pytest.raises(RuleBaseError) as info:
        load_rulebase(root)
    assert [str(e) for e in info.value.errors] == ["policy: 11 rules: durable_rules allows at most 10 per rule base"]


def test_plan_raises_condition_error_directly(tmp_path, h, monkeypatch):
    rb = load_rulebase(h.MINI)
    monkeypatch.setattr(compiler, "MAX_DURABLE_RULES", 10)
    with pytest.raises(ConditionError) as info:
        plan(rb)
    assert "15 engine rules" in info.value.message


def test_plan_is_deterministic(h):
    rb1, rb2 = load_rulebase(h.MINI), load_rulebase(h.MINI)
    p1, p2 = plan(rb1), plan(rb2)
    assert [(g.name, [(l.name, l.tests) for l in g.leaves]) for g in p1.groups] == \
           [(g.name, [(l.name, l.tests) for l in g.leaves]) for g in p2.groups]
