"""The durable_rules runtime: the only module that touches durable_rules.

Hazards it designs around (docs/DURABLE_RULES notes, reproduced in tests):
- Host() starts timer threads that run actions of any session: we use a Host
  whose dispatcher never starts, and run everything synchronously.
- delete_state() after a session in which no action ran frees uninitialised
  memory: every session first asserts an opener fact whose rule does nothing.
- exceptions inside actions are swallowed into session state: no Python
  action runs at all; the driver reads triggered rules from the C API, and
  engine errors are raised to the caller as EngineError.
- sessions are capped per ruleset: one session is live at a time (a lock),
  always deleted in `finally`.
- a registered ruleset can be neither replaced nor freed by dropping it:
  names are unique per runtime and `close()` deletes the C network.
- asserting from inside actions missed firings on fresh rulesets in our
  probes: derived facts are asserted by this driver between batches.
"""
from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import durable.engine as durable_engine
import durable_rules_engine
import orjson

from .approach_policy import decide_approach
from .conditions import FIELDS
from .compiler import OPENER, Group, Plan, derived_key, encode, member_key, plan, ruleset
from .errors import EngineError
from .facts import PROJECT, Subjects
from .matching import settle
from .memory import WorkingMemory
from .rulebase import RuleBase


class _QuietHost(durable_engine.Host):
    """A Host without the background dispatcher threads."""

    def _run(self) -> None:  # noqa: D401 - deliberately inert
        return None


_HOST: _QuietHost | None = None
_HOST_LOCK = threading.Lock()
_NAMES = itertools.count(1)


def _host() -> _QuietHost:
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = _QuietHost()
        return _HOST


class DurableRuntime:
    """One registered ruleset for one rule base version, used serially."""

    def __init__(self, rb: RuleBase):
        self.rb = rb
        self.plan: Plan = plan(rb)
        # per group, the state fields it reads: (path, fact key, ranks of an ordinal's values or None)
        self._reads = {g.name: [(path, info.key, {v: encode(path, v) for v in info.values}
                                 if info.kind == "ordinal" else None)
                                for path, info in FIELDS.items() if info.key in g.keys]
                       for g in self.plan.groups}
        # per group, the list-field members it tests: (path, fact key, member); the fact says true or false
        self._members = {g.name: [(path, member_key(path, v), v) for path, info in FIELDS.items()
                                  if info.kind == "set" for v in info.values or ()
                                  if member_key(path, v) in g.keys]
                         for g in self.plan.groups}
        self._derived_keys = {g.name: [(name, derived_key(name)) for name in sorted(g.derived)]
                              for g in self.plan.groups}
        # per group, the group conditions it tests: (state key, fact key); the fact holds how many groups meet it
        self._counts = {g.name: sorted(g.counts.items()) for g in self.plan.groups}
        self._lock = threading.Lock()
        self._buffer: list[tuple[str, str]] = []
        self._errors: list[str] = []
        self._sessions = itertools.count(1)
        self.name = f"cogov_{rb.version.split(':')[-1][:12]}_{next(_NAMES)}"
        self._host = _host()
        self._host.register_rulesets({self.name: ruleset(self.plan, self._action)})
        self._ruleset = self._host.get_ruleset(self.name)
        self._closed = False

    @staticmethod
    def _action(leaf_name: str):
        """durable_rules wants a callable per rule; ours never runs: `_assert`
        reads each triggered rule from the C API and records it itself, so no
        Python code runs inside the engine and nothing can be swallowed."""
        def run(c: Any) -> None:  # pragma: no cover - never called
            raise AssertionError(f"durable_rules dispatched {leaf_name} outside cogov's driver")
        return run

    def close(self) -> None:
        """Free the C network (dropping the Ruleset would leak it)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                try:
                    durable_rules_engine.delete_ruleset(self._ruleset._handle)
                finally:
                    self._host._ruleset_directory.pop(self.name, None)
                    if self._ruleset in self._host._ruleset_list:
                        self._host._ruleset_list.remove(self._ruleset)

    # -- evaluation ------------------------------------------------------------
    def _group_fact(self, wm: WorkingMemory, group: Group, subject: str, sid: str, version: int) -> dict:
        state = wm.state(subject)
        derived = wm.derived_for(subject)
        fact: dict[str, Any] = {"sid": sid, "t": group.name, "sub": subject, "v": version}
        for path, key, ranks in self._reads[group.name]:
            if path in state:
                value = state[path]
                fact[key] = ranks[value] if ranks is not None else value
        for path, key, member in self._members[group.name]:
            if path in state:
                fact[key] = member in state[path]
        for name, key in self._derived_keys[group.name]:
            fact[key] = name in derived
        for key, prop in self._counts[group.name]:
            fact[prop] = len(state[key])
        return fact

    def run(self, subj: Subjects, explain: bool = True) -> WorkingMemory:
        """The firings for `subj`; explain=False leaves them unexplained (see run_python)."""
        with self._lock:
            if self._closed:
                raise EngineError("this rule base's runtime was closed")
            wm = WorkingMemory(self.rb, subj)
            sid = str(next(self._sessions))
            self._buffer.clear()
            self._errors.clear()
            versions = itertools.count(1)
            try:
                self._assert([{"sid": sid, "t": OPENER}])
                for stratum in range(self.rb.strata):
                    wm.open_stratum(stratum)
                    groups = self.plan.groups_in(stratum)
                    batch = [self._group_fact(wm, g, s, sid, next(versions))
                             for g in groups for s in wm.subjects_for(g.scope)]
                    while batch:
                        self._assert(batch)
                        batch = []
                        fired, self._buffer[:] = list(self._buffer), []
                        changed: set[tuple[str, str]] = set()
                        for leaf_name, subject in fired:
                            leaf = self.plan.leaf_by_name[leaf_name]
                            rule = self.rb.rules[leaf.rule]
                            if (rule.id, subject) in wm.fired:   # a refreshed fact matched it again
                                continue
                            for name, owner in wm.record(rule, leaf.term, subject, explain=False):
                                changed.add((name, owner))
                        if changed:
                            batch = self._refresh(wm, groups, changed, sid, versions)
                    if explain:
                        settle(wm, stratum)
                    if stratum == self.rb.approach_stratum:
                        decide_approach(wm)
                if wm.approach is None:
                    decide_approach(wm)
            finally:
                try:
                    self._ruleset.delete_state(sid)
                except Exception as exc:  # report, never hide
                    self._errors.append(f"delete_state: {exc!r}")
            if self._errors:
                raise EngineError("; ".join(self._errors))
            return wm

    def _refresh(self, wm: WorkingMemory, groups: list[Group], changed: set[tuple[str, str]], sid: str,
                 versions) -> list[dict]:
        """New versions of the group facts that read a newly derived fact."""
        todo: list[tuple[Group, str]] = []
        for group in groups:
            names = {n for n, _ in changed if n in group.derived}
            if not names:
                continue
            for subject in wm.subjects_for(group.scope):
                if any(owner == PROJECT or owner == subject for n, owner in changed if n in names):
                    if (group, subject) not in todo:
                        todo.append((group, subject))
        return [self._group_fact(wm, g, s, sid, next(versions)) for g, s in todo]

    def _assert(self, facts: list[dict]) -> None:
        """Assert facts one at a time and run the actions they trigger.

        This drives durable_rules' C API directly, as Host.assert_fact does
        but without its per-action Closure/Promise/state round trips (which
        cost more than the matching itself). A batch assert would stop at
        the first fact no rule handles, and a group fact often matches none.
        """
        handle = self._ruleset._handle
        for fact in facts:
            try:
                result = durable_rules_engine.assert_fact(handle, orjson.dumps(fact).decode())
            except Exception as exc:
                raise EngineError(f"durable_rules error on rule base {self.rb.version}: {exc}") from None
            code, state_handle = result[0], result[1]
            if code == 1:      # not handled: no rule's tests matched
                continue
            if code == 2:      # observed: an identical fact exists (cannot happen: versions differ)
                raise EngineError(f"durable_rules saw fact {fact['t']}/{fact['v']} twice")
            subject = fact.get("sub", "")
            try:
                pending = durable_rules_engine.start_action_for_state(handle, state_handle)
                while pending:
                    for leaf_name, subject_of in self._triggered(pending[1], subject):
                        if leaf_name != OPENER:
                            self._buffer.append((leaf_name, subject_of))
                    pending = durable_rules_engine.complete_and_start_action(handle, state_handle)
                    if pending:
                        pending = (None, pending)
            except Exception as exc:
                raise EngineError(f"durable_rules error running actions on rule base "
                                  f"{self.rb.version}: {exc}") from None

    def _triggered(self, message: str, subject: str) -> list[tuple[str, str]]:
        """(leaf name, subject) of each rule an action message triggers.

        Every engine rule tests one fact, and the actions a fact triggers are
        all run before the next fact is asserted, so an action message is about
        the fact just asserted: its subject is that fact's. durable_rules
        renders a one-rule action as {"<leaf>":{"f":{...}}}; reading the leaf
        name off the front is several times cheaper than parsing the fact.
        Anything else, or a leaf this rule base does not have, goes through
        json.loads.
        """
        end = message.find('":{"f":{', 2)
        if end > 0 and message.startswith('{"') and message.count('":{"f":{') == 1:
            leaf_name = message[2:end]
            if leaf_name in self.plan.leaf_by_name or leaf_name == OPENER:
                return [(leaf_name, subject)]
        return [(name, aliases["f"].get("sub", "")) for name, aliases in json.loads(message).items()]
