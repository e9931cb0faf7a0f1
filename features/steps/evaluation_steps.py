"""When steps: ask cogov for a recommendation."""
from __future__ import annotations

from pytest_bdd import when

from .world import PILOTS, PILOTS_DIR, World


@when("the context is evaluated")
def _(world: World):
    world.evaluate()


@when("the six pilot contexts are evaluated")
def _(world: World):
    for name in PILOTS:
        world.use_file(PILOTS_DIR / f"{name}.json")
        world.evaluate()
        world.pilot_results[name] = world.rec()
