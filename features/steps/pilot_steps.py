"""Then steps comparing the six Periphèria pilots' recommendations, and checking one against its pin."""
from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

from pytest_bdd import parsers, then

from engine.catalogue import did_you_mean
from engine.pins import compare, describe, parse_pin, pinned_view

from .world import (PILOTS, PINS_DIR, REPO, World, approach_code, check_rules, rule_ids, signature, slug,
                    split_list, table_records)


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


@then(parsers.re(r'the recommendation is exactly as pinned in "(?P<pin>[^"]+)"'))
def _(world: World, pin: str):
    check_pinned(world, pin)


def check_pinned(world: World, pin: str, pins_dir: Path = PINS_DIR) -> None:
    """The whole recommendation, each item with its reasons, is the one pinned in PINS_DIR/PIN.yaml
    (engine/pins.py): an extra, a missing or a changed item fails, listed in words."""
    __tracebackhide__ = True
    path = pins_dir / f"{pin}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in pins_dir.glob("*.yaml"))
        raise AssertionError(f"no pin {pin!r} in {_shown(pins_dir)}{did_you_mean(pin, known)}; make one with "
                             f"`cogov rules pin --new CONTEXT_FILE`")
    shown = _shown(path)
    pinned = parse_pin(path.read_text(encoding="utf-8"), shown)
    context_file = (path.parent / pinned.context).resolve()
    try:
        context = json.loads(context_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AssertionError(f"the pin {shown} names the context {pinned.context}, which cannot be read: "
                             f"{exc}") from None
    if context != world.ctx():
        raise AssertionError(f"the pin {shown} was made for the context {_shown(context_file)}, and this "
                             "scenario evaluated another one (a pin checks its own context, unchanged)")
    differences = compare(pinned.view, pinned_view(world.rec()))
    if differences:
        n = len(differences)
        raise AssertionError(
            f"the recommendation differs from the pin {shown}: {n} difference{'s' if n != 1 else ''} "
            f"(+ not pinned, - pinned but gone, ~ changed):\n"
            + "\n".join(f"  {line}" for line in describe(differences).splitlines())
            + "\nIf the rules were changed on purpose, update the pins with `cogov rules pin`, review the "
              "difference it prints and commit the pins with the rules.")


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)
