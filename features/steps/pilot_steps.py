"""Then steps comparing the six Periphèria pilots' recommendations."""
from __future__ import annotations

from itertools import combinations

from pytest_bdd import parsers, then

from .world import PILOTS, World, approach_code, check_rules, rule_ids, signature, slug, split_list, table_records


def _results(world: World) -> dict[str, dict]:
    if len(world.pilot_results) != len(PILOTS):
        raise AssertionError("the pilots have not been evaluated: add 'When the six pilot contexts are evaluated'")
    return world.pilot_results


@then("the six pilot recommendations are all different")
def _(world: World):
    results = _results(world)
    same = [f"{a} and {b}" for a, b in combinations(PILOTS, 2) if signature(results[a]) == signature(results[b])]
    if same:
        raise AssertionError("these pilots get the same recommendation (approach, roles and levels, techniques, "
                             "arrangements, skills and warnings): " + "; ".join(same))


@then(parsers.re(r"the six pilots get at least (?P<n>\d+) different approaches"))
def _(world: World, n: str):
    approaches = {name: r["approach"]["code"] for name, r in _results(world).items()}
    if len(set(approaches.values())) < int(n):
        raise AssertionError(f"expected at least {n} different approaches, got: "
                             + ", ".join(f"{k} {v}" for k, v in approaches.items()))


@then("the pilots get these approaches:")
def _(world: World, datatable: list[list[str]]):
    results = _results(world)
    problems = []
    for row in table_records(datatable):
        name = slug(row["pilot"])
        a = results[name]["approach"]
        code = approach_code(row["approach"])
        if a["code"] != code:
            problems.append(f"- {row['pilot']}: expected {code}, got {a['code']} "
                            f"(because of {', '.join(rule_ids(a['because']))})")
            continue
        if row.get("because"):
            try:
                check_rules(f"approach of {row['pilot']}", split_list(row["because"]), rule_ids(a["because"]),
                            exact=False)
            except AssertionError as exc:
                problems.append(f"- {exc}")
    if problems:
        raise AssertionError("the pilots' approaches differ:\n" + "\n".join(problems))


@then("every pilot recommendation has no gaps")
def _(world: World):
    gaps = [f"{name}: {g}" for name, r in _results(world).items() for g in r["gaps"]]
    assert not gaps, "gaps left by the rule base:\n" + "\n".join(f"    {g}" for g in gaps)
