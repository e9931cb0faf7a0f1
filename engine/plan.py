"""The plan: what a manager does next, in plain words, built from the recommendation itself.

A manager reads a recommendation as a to-do list, not as sorted sections: which approach and with
whom (the summary), then 3 to 12 ordered steps (an unknown answer to find out first, the constraints
to state, whom to involve and how they are recruited, the core techniques, the arrangements, the
skills to find, each warning turned into an action, what to add when capacity allows). Nothing here
decides anything: every step restates items the rules concluded, and carries their `because`, so a
step is as traceable as the items it comes from. Words come from the catalogue (engine/words.py).
"""
from __future__ import annotations

from typing import Any, Iterable

from .catalogue import Catalogue
from .words import Words

MIN_STEPS, MAX_STEPS = 3, 12
# most say first; the plan speaks of the groups that hold the most
_LEVELS = ("empower", "collaborate", "involve", "consult", "inform")
_MAX_PARTICIPANT_STEPS = 3
# roles held by the deciding side itself: not the public the summary names as "with whom"
_DECIDERS = ("responsible_authority",)


def _because(*lists: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The firings behind a step: every list's, once each, in order."""
    seen: set[tuple] = set()
    out: list[dict[str, Any]] = []
    for items in lists:
        for b in items or ():
            key = (b.get("rule"), b.get("firing"), b.get("subject"))
            if key not in seen:
                seen.add(key)
                out.append({"rule": b.get("rule"), "firing": b.get("firing"), "subject": b.get("subject")})
    return out


def _join(words: list[str], said: Words | None = None) -> str:
    """'a', 'a and b', 'a, b and c' ('a; b and c' when an item holds a comma, so that the list stays clear);
    the 'and' in the language of `said`."""
    words = [w for w in words if w]
    said = said or _ENGLISH
    if len(words) <= 1:
        return "".join(words)
    if any("," in w for w in words):
        return said.say("plan.join_and_semicolon", items=said.say("words.list_semicolon").join(words[:-1]),
                        last=words[-1])
    return said.say("plan.join_and", items=", ".join(words[:-1]), last=words[-1])


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


_ENGLISH = Words(None)


def _step(text: str, *because: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"text": _sentence(text), "because": _because(*because)}


class _Builder:
    def __init__(self, rec: dict[str, Any], catalogue: Catalogue | None, names: bool = False,
                 lang: str | None = None):
        self.rec = rec
        self.names = names
        self.words = Words(catalogue, lang)
        self.role_order = {code: i for i, code in enumerate((catalogue or Catalogue()).roles)}

    # -- who
    def taking_part(self) -> list[dict[str, Any]]:
        """Participants with a role, ordered by level (most say first), then role (catalogue order), then id."""
        people = [p for p in self.rec.get("participants") or () if not p.get("excluded") and p.get("role")]
        return sorted(people, key=lambda p: (_LEVELS.index(p["iap2_level"]) if p.get("iap2_level") in _LEVELS
                                             else len(_LEVELS), self.role_order.get(p["role"], 1 << 20),
                                             str(p["stakeholder"])))

    def _name(self, p: dict[str, Any]) -> str:
        # in the stored plan, the group's id, never its name: a name may be a personal field the log must not
        # store (COGOV_REDACT, COGOV_PERSONAL_FIELDS point at it in the context and the participants, not inside
        # these sentences); a page, a PDF or the terminal shows the plan to its reader with the names (names=True)
        if self.names and p.get("name"):
            return str(p["name"])
        return str(p["stakeholder"])

    def _by(self, people: list[dict[str, Any]], what: str) -> list[tuple[str, list[str]]]:
        """[(label, [group names])] of the people's recruitment or mode, in order of first appearance."""
        found: dict[str, list[str]] = {}
        for p in people:
            choice = p.get(what)
            if choice:
                found.setdefault(self.words.lower_first(choice.get("label") or self.words.item(what, choice["code"])),
                                 []).append(self._name(p))
        return list(found.items())

    def level_step(self, level: str, people: list[dict[str, Any]]) -> dict[str, Any]:
        """One level's groups by role, what the level promises them, how they are selected and take part."""
        roles: dict[str, list[str]] = {}
        for p in people:
            roles.setdefault(self.words.lower_first(p.get("role_label") or self.words.item("role", p["role"])),
                             []).append(self._name(p))
        join = self.join
        who = self.words.say("words.list_semicolon").join(f"{join(names)} ({role})" for role, names in roles.items())
        text = f"{self.words.level(level)}: {who}. {self.words.level_explained(level)}"
        for what, intro in (("recruitment", "plan.selected_by"), ("mode", "plan.taking_part_by")):
            found = self._by(people, what)
            if len(found) == 1 and len(found[0][1]) == len(people):
                text = _sentence(text) + " " + self.words.say(intro, how=found[0][0])
            elif found:
                text = _sentence(text) + " " + self.words.say(
                    intro, how=join([f"{label} ({join(names)})" for label, names in found]))
        return _step(text, *[self._participant_because(p) for p in people])

    def participant_steps(self) -> list[dict[str, Any]]:
        by_level: dict[str, list[dict[str, Any]]] = {}
        for p in self.taking_part():
            by_level.setdefault(p.get("iap2_level") or "", []).append(p)
        levels = list(by_level)
        # one step per level, the least involved levels merged into the last step when there are too many
        head, tail = levels[:_MAX_PARTICIPANT_STEPS - 1], levels[_MAX_PARTICIPANT_STEPS - 1:]
        shown = head + tail[:1] if len(tail) <= 1 else head
        steps = [self.level_step(level, by_level[level]) for level in shown]
        if len(tail) > 1:
            parts = [f"{self.words.lower(self.words.level(level))} {self.join([self._name(p) for p in by_level[level]])}"
                     for level in tail]
            people = [p for level in tail for p in by_level[level]]
            steps.append(_step(self.words.say("plan.also", groups=self.words.say("words.list_semicolon").join(parts)),
                               *[self._participant_because(p) for p in people]))
        unassigned = [p for p in self.rec.get("participants") or () if not p.get("excluded") and not p.get("role")]
        if unassigned:
            steps.append(_step(self.words.say("plan.decide_how", names=self.join([self._name(p) for p in unassigned]))))
        return steps

    @staticmethod
    def _participant_because(p: dict[str, Any]) -> list[dict[str, Any]]:
        chosen = [c.get("because") or [] for c in (p.get("recruitment"), p.get("mode"))
                  if c and c.get("via") == "rule"]
        return _because(p.get("because") or [], *chosen)

    def join(self, words: list[str]) -> str:
        return _join(words, self.words)

    # -- the other sections
    def summary(self) -> str:
        a = self.rec.get("approach") or {}
        code = a.get("code")
        said = self.words.approach_explained(code) if code else self.words.say("plan.no_approach")
        people = [p for p in self.taking_part() if p.get("role") not in _DECIDERS]
        top = [p for p in people if p.get("iap2_level") == people[0].get("iap2_level")] if people else []
        names = [self._name(p) for p in top]
        more = len(names) - 3
        shown = self.join(names[:3] + ([self.words.say("plan.more_groups" if more > 1 else "plan.more_group",
                                                       count=more)] if more > 0 else []))
        if top and top[0].get("iap2_level") == "empower":
            who = " " + self.words.say("plan.summary_empower", names=shown)
        elif top:
            who = " " + self.words.say("plan.summary_closest", names=shown,
                                       level=self.words.lower(self.words.level(top[0].get('iap2_level'))))
        else:
            who = ""
        return _sentence(said) + who

    def constraints_step(self) -> list[dict[str, Any]]:
        a = self.rec.get("approach") or {}
        if not a.get("constraints"):
            return []
        stated = [g.get("because") or [] for g in self.rec.get("governance") or ()
                  if g.get("code") == "stated_constraints"]
        return [_step(self.words.say("plan.constraints", constraints=a['constraints'].strip()),
                      a.get("because") or [], *stated)]

    def unknown_step(self) -> list[dict[str, Any]]:
        """The unknown answers: the one to find out first (the one the recommendation marks `first`, which
        changes the approach in the most cases) with what it would change, or, when none changes the approach,
        that the plan holds whatever they turn out to be; each says the answer the plan works with meanwhile."""
        unknowns = [u for u in self.rec.get("unknowns") or () if isinstance(u, dict) and u.get("field")]
        if not unknowns:
            return []
        approach = self.rec.get("approach") or {}
        because = [u.get("because") or [] for u in unknowns] + [approach.get("because") or []]

        def assumed(u: dict[str, Any]) -> str:
            if "assumed" not in u:
                return ""
            return " " + self.words.say("plan.assumed", answer=self.words.lower(self.words.value(u['field'], u['assumed'])))

        first = next((u for u in unknowns if u.get("first")), None) or \
            next((u for u in unknowns if u.get("changes_approach")), None)
        if first is None:
            said = self.words.say("words.list_semicolon").join(
                f"“{self.words.field_explained(u['field']) or self.words.field(u['field'])}”{assumed(u)}"
                for u in unknowns)
            many = len(unknowns) > 1
            return [_step(self.words.say("plan.find_out_later_many" if many else "plan.find_out_later",
                                         questions=said), *because)]
        field = first["field"]
        question = self.words.field_explained(field) or self.words.field(field)
        under = {a: [c] for a, c in (first.get("approaches") or {}).items() if isinstance(c, str)}
        if len({tuple(c) for c in under.values()}) < 2 and isinstance(first.get("possible"), dict):
            under = {a: list(c) for a, c in first["possible"].items() if c}    # every approach each answer allows
        either = self.words.say("words.list_or")
        outcomes = [self.words.say("plan.outcome", answer=self.words.lower(self.words.value(field, answer)),
                                   approaches=either.join(self.words.lower_first(self.words.approach(code))
                                                          for code in codes))
                    for answer, codes in under.items()]
        effect = " " + (self.words.say("plan.changes_approach_to", outcomes=self.words.say("words.list_semicolon").join(outcomes)) if outcomes
                        else self.words.say("plan.changes_approach"))
        others = len(unknowns) - 1
        more = " " + self.words.say("plan.others_unknown" if others != 1 else "plan.other_unknown",
                                    count=others) if others else ""
        return [_step(self.words.say("plan.find_out_first", question=question, assumed=assumed(first)) + effect + more,
                      *because)]

    def technique_steps(self) -> list[dict[str, Any]]:
        techniques = list(self.rec.get("techniques") or ())
        plan = self.rec.get("plan") if isinstance(self.rec.get("plan"), dict) else {}
        rank = {code: i for i, code in enumerate(plan.get("core") or ())}
        core = sorted((t for t in techniques if t.get("tier", "core") == "core"),
                      key=lambda t: rank.get(t["code"], len(rank)))
        extra = [t for t in techniques if t.get("tier") == "extra"]
        bounds = [b.get("because") or [] for b in plan.get("bounds") or ()]
        steps = []
        if core:
            steps.append(_step(self.words.say("plan.run_core_many" if len(core) > 1 else "plan.run_core",
                                              techniques=self.join([t['label'] for t in core])),
                               *[t.get("because") or [] for t in core], *(bounds if extra else [])))
        return steps + ([self._extra_step(extra, bounds)] if extra else [])

    def _extra_step(self, extra: list[dict[str, Any]], bounds: list) -> dict[str, Any]:
        return _step(self.words.say("plan.add_extra", techniques=self.join([t['label'] for t in extra])),
                     *[t.get("because") or [] for t in extra], *bounds)

    def arrangement_step(self) -> list[dict[str, Any]]:
        items = [g for g in self.rec.get("governance") or () if g.get("code") != "stated_constraints"
                 or not (self.rec.get("approach") or {}).get("constraints")]
        if not items:
            return []
        return [_step(self.words.say("plan.set_up", arrangements=self.join([self.words.lower_first(g['label'])
                                                                             for g in items])),
                      *[g.get("because") or [] for g in items])]

    def skill_step(self) -> list[dict[str, Any]]:
        lacking = [s for s in self.rec.get("skills") or () if s.get("lacking")]
        if not lacking:
            return []
        return [_step(self.words.say("plan.find_skills", skills=self.join([self.words.lower_first(s['label'])
                                                                       for s in lacking])),
                      *[(s.get("lacking_because") or []) + (s.get("because") or []) for s in lacking])]

    def warning_steps(self, room: int) -> list[dict[str, Any]]:
        """Each warning as an action, as many as there is room for; the rest share the last step."""
        warnings = list(self.rec.get("warnings") or ())
        if room <= 0 or not warnings:
            return []
        actions = [(w, self._action(w)) for w in warnings]
        if len(actions) <= room:
            return [_step(text, w.get("because") or []) for w, text in actions]
        alone, merged = actions[:room - 1], actions[room - 1:]
        return [_step(text, w.get("because") or []) for w, text in alone] + \
            [_step(" ".join(_sentence(text) for _, text in merged), *[w.get("because") or [] for w, _ in merged])]

    def _action(self, warning: dict[str, Any]) -> str:
        entry = self.words.catalogue.warnings.get(warning.get("code", ""))
        action = getattr(entry, "action", None) or warning.get("message") or ""
        if action and entry is not None and action == getattr(entry, "action", None):
            action = self.words.entry_text("warning", warning.get("code", ""), "action", action)
        elif action and entry is not None and action == entry.message:
            action = self.words.entry_text("warning", warning.get("code", ""), "message", action)
        label = warning.get('label') or self.words.item('warning', warning.get('code', ''))
        return f"{label}: {self.words.lower_first(action)}"

    def decide_step(self) -> dict[str, Any]:
        a = self.rec.get("approach") or {}
        return _step(self.words.say("plan.take_decision",
                                    approach=self.words.lower_first(self.words.approach_explained(a.get('code') or '')))
                     if a.get("code") else self.words.say("plan.settle_approach"),
                     a.get("because") or [])

    def build(self) -> dict[str, Any]:
        first = self.unknown_step() + self.constraints_step() + self.participant_steps()
        techniques = self.technique_steps()
        core, extra = techniques[:1], techniques[1:]
        middle = self.arrangement_step() + self.skill_step()
        room = MAX_STEPS - len(first) - len(core) - len(middle) - len(extra)
        steps = first + core + middle + self.warning_steps(room) + extra
        if len(steps) < MIN_STEPS:
            steps.append(self.decide_step())
        steps = steps[:MAX_STEPS]
        return {"summary": self.summary(), "steps": steps}


def build_plan(rec: dict[str, Any], catalogue: Catalogue | None = None, names: bool = False,
               lang: str | None = None) -> dict[str, Any]:
    """The plan of a recommendation (its JSON form, fresh or stored): {summary, steps: [{text, because}]}.
    names=False (what the engine answers and the log stores): groups by their ids; names=True (what a reader is
    shown, never stored): by their names, as the recommendation's participants hold them. `lang`: the words'
    language (engine/sentences.py's templates and the catalogue's translations; English by default)."""
    return _Builder(rec, catalogue, names, lang).build()


BRIEF_LINES = 60
_WIDTH = 100


def _wrap(text: str, first: str, rest: str) -> list[str]:
    import textwrap
    return textwrap.wrap(text, width=_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def render_brief(rec: dict[str, Any], context: dict[str, Any] | None = None,
                 catalogue: Catalogue | None = None, lang: str | None = None) -> str:
    """`cogov evaluate --format brief`: the plan alone, in at most BRIEF_LINES lines of at most 100 characters,
    each step with the rules behind it (the full report, `--format text`, has every reason)."""
    plan = build_plan(rec, catalogue, names=True, lang=lang)     # for its reader, not stored: the groups' names
    words = Words(catalogue, lang)
    project = (context or {}).get("project") or {}
    title = ", ".join(str(v) for v in (project.get("name"), project.get("city")) if v)
    head = [words.say("plan.brief_title", title=title) if title else words.say("plan.brief_title_none"), ""] \
        + _wrap(plan["summary"], "", "") + [""]
    steps = []
    for n, step in enumerate(plan["steps"], 1):
        lead = f"{n}. "
        text = _wrap(step["text"], lead, " " * len(lead))
        rules = list(dict.fromkeys(b["rule"] for b in step["because"]))
        why = _wrap(words.say("plan.brief_because", rules=", ".join(rules)), " " * len(lead), " " * len(lead)) \
            if rules else []
        if len(why) > 1:     # one line of rules, cut at a whole rule id and marked as cut
            cut = why[0][:_WIDTH - 4].rsplit(", ", 1)[0] if len(why[0]) > _WIDTH - 4 else why[0].rstrip(",")
            why = [cut.rstrip(",") + " ..."]
        steps.append((text, why))
    tail = ["", words.say("plan.brief_more")]
    lines = head + [ln for text, why in steps for ln in text + why] + tail
    if len(lines) > BRIEF_LINES:     # the rules behind each step go first, then long steps are cut
        lines = head + [ln for text, _ in steps for ln in text] + tail
    if len(lines) > BRIEF_LINES:
        room = BRIEF_LINES - len(head) - len(tail)
        each = max(1, room // max(1, len(steps)))
        body = []
        for text, _ in steps:
            body += text[:each - 1] + [text[each - 1].rstrip() + " ..."] if len(text) > each else text
        lines = head + body[:room] + tail
    return "\n".join(lines) + "\n"
