"""The engine's own sentences, in English, as templates with named placeholders.

The words of a sentence come from the catalogue (engine/words.py); its frame comes from here, so that each
language (translations/<lang>/sentences.yaml, keyed `sentences.<key>`) can order the words its own way. A
translation keeps the same placeholders: the loader refuses one that drops or invents a name. English output
is these templates filled in: changing one changes outputs.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from .approaches import APPROACHES

SENTENCES: dict[str, str] = {
    # -- words for codes without words of their own (engine/words.py)
    "words.no_level": "no level",
    "words.not_given": "not given",
    "words.none": "none",
    "words.yes": "Yes",
    "words.no": "No",
    "words.derived": "the rule base's conclusion “{name}”",
    "words.chosen_approach": "the chosen approach",
    "words.chosen_level": "the IAP2 level of the chosen approach",
    "words.list_and": "{items} and {last}",
    "words.list_or": " or ",
    # -- conditions in words
    "cond.not": "not ({condition})",
    "cond.not_derived": "not {conclusion}",
    "cond.given": "{field} is given",
    "cond.not_given": "{field} is not given",
    "cond.answer": "{field}: {value}",
    "cond.in": "{field} is {values}",
    "cond.not_in": "{field} is not {values}",
    "cond.contains": "{field} include {value}",
    "cond.not_contains": "{field} do not include {value}",
    "cond.ge": "{field} is {value} or more",
    "cond.le": "{field} is {value} or less",
    "cond.gt": "{field} is more than {value}",
    "cond.lt": "{field} is less than {value}",
    "cond.eq": "{field} is {value}",
    "cond.ne": "{field} is not {value}",
    # -- a group's role
    "role.none": "no role",
    "role.left_out": "left out",
    "role.at_level": "{role} at the {level} level",
    # -- differences between two recommendations (what-if, replay, impact)
    "change.approach_changed": "The approach would be “{new}” instead of “{old}”.",
    "change.approach_added": "The approach would be “{approach}”.",
    "change.approach_removed": "The approach would no longer be “{approach}”.",
    "change.participant_added": "{name} would take part as {new}.",
    "change.participant_removed": "{name} would no longer take part (was {old}).",
    "change.participant_changed": "{name} would be {new} instead of {old}.",
    "change.recruitment_changed": "{name} would be selected by “{new}” instead of “{old}”.",
    "change.recruitment_added": "{name} would be selected by “{new}”.",
    "change.recruitment_removed": "{name} would no longer be selected by “{old}”.",
    "change.mode_changed": "{name} would be taking part by “{new}” instead of “{old}”.",
    "change.mode_added": "{name} would be taking part by “{new}”.",
    "change.mode_removed": "{name} would no longer be taking part by “{old}”.",
    "change.gap_added": "The rule base would leave undecided: {gap}.",
    "change.gap_removed": "The rule base would no longer leave undecided: {gap}.",
    "change.technique_core": "{technique} would become a core technique.",
    "change.technique_extra": "{technique} would become an extra technique.",
    "change.technique_added": "{technique} would be recommended.",
    "change.technique_added_core": "{technique} would be recommended as a core technique.",
    "change.technique_added_extra": "{technique} would be recommended as an extra technique, if capacity allows.",
    "change.technique_removed": "{technique} would no longer be recommended.",
    "change.avoided_added": "{technique} would be advised against.",
    "change.avoided_removed": "{technique} would no longer be advised against.",
    "change.arrangement_added": "{arrangement} would be needed.",
    "change.arrangement_removed": "{arrangement} would no longer be needed.",
    "change.skill_lacking": "Your team would lack the skill {skill}.",
    "change.skill_not_lacking": "Your team would no longer lack the skill {skill}.",
    "change.skill_added": "The skill {skill} would be needed.",
    "change.skill_added_lacking": "The skill {skill} would be needed (and your team lacks it).",
    "change.skill_removed": "The skill {skill} would no longer be needed.",
    "change.warning_added": "You would be warned: {warning}.",
    "change.warning_removed": "The warning “{warning}” would go.",
    # -- why not
    "whynot.needs_not_concluded": "it needs {condition}, which the rules did not conclude",
    "whynot.needs_concluded": "it needs {condition}, which the rules did conclude",
    "whynot.needs_answer": "it needs “{condition}”, and the answer is {value}",
    "whynot.needs_current": "it needs “{condition}”, and it is {value}",
    "item.approach": "the approach “{approach}”",
    "item.left_out": "leaving {name} out",
    "item.as_role": "{name} as {role}",
    "item.at_level": "{name} at the {level} level",
    "item.technique": "the technique “{label}”",
    "item.avoided_technique": "advice against the technique “{label}”",
    "item.arrangement": "the arrangement “{label}”",
    "item.skill": "the skill “{label}”",
    "item.warning": "the warning “{label}”",
    "item.recruitment": "the recruitment “{label}”",
    "item.mode": "the mode “{label}”",
    "item.other": "the {kind} “{label}”",
    "whynot.recommended": "{item} is recommended: see why under the recommendation.",
    "whynot.instead_approach": " The recommendation is “{approach}”.",
    "whynot.instead_participant": " The recommendation has {name} as {role}.",
    "whynot.not_producible": "{item} is not recommended: no rule of this rule base can recommend it.{instead}",
    "whynot.not_recommended": "{item} is not recommended.{instead}",
    "whynot.rule": "“{title}”",
    "whynot.the_approach_choice": "The choice of approach",
    "whynot.eliminated_because": "{rule} ruled it out, because of these answers: {answers}.",
    "whynot.eliminated": "{rule} ruled it out.",
    "whynot.avoided": "{rule} advises against it, and advice against a technique wins over a recommendation.",
    "whynot.overridden": "{rule} concluded it, but a rule with a higher priority gave the group another role.",
    "whynot.excluded": "{rule} leaves the group out.",
    "whynot.not_chosen": "It was still possible, but the approach is chosen as {policy}",
    "whynot.not_chosen_was": "It was still possible, but the approach is chosen as {policy} “{approach}” was "
                             "chosen.",
    "whynot.either": "either {way}",
    "whynot.or": "or {way}",
    "whynot.no_rule_applies_one": "No rule that could recommend it applies to your answers: the one rule that "
                                  "could and what each needs are below.",
    "whynot.no_rule_applies": "No rule that could recommend it applies to your answers: the {count} rules that "
                              "could and what each needs are below.",
    "whynot.idle_heading": "Rules that could have recommended it, and what each needs:",
    "whynot.for_group": ", for {name}",
    # -- conditions over the stakeholder groups (engine/group_words.py)
    "groups.at_least_one": "at least one stakeholder group",
    "groups.at_least": "at least {count} stakeholder groups",
    "groups.at_most_one": "at most one stakeholder group",
    "groups.at_most": "at most {count} stakeholder groups",
    "groups.no": "no stakeholder group",
    "groups.where": "{groups} where {condition}",
    "groups.between": "at least {least} and at most {most} stakeholder groups where {condition}",
    "groups.and": " and ",
    "groups.or": " or ",
    "groups.concluded": "the rules concluded “{conclusion}”",
    "groups.not_concluded": "the rules did not conclude “{conclusion}”",
    "groups.field": "Stakeholder groups where {condition}",
    "groups.matched_one": "the stakeholder group where {condition} ({groups})",
    "groups.matched": "the stakeholder groups where {condition} ({groups})",
    "groups.matched_none": "no stakeholder group where {condition}",
    "groups.needs": "it needs {condition}, and {found}",
    "groups.found_none": "no stakeholder group does",
    "groups.found_one": "1 does: {groups}",
    "groups.found": "{count} do: {groups}",
    "groups.found_only_one": "only 1 does: {groups}",
    "groups.found_only": "only {count} do: {groups}",
    # -- the plan (engine/plan.py)
    "plan.join_and": "{items} and {last}",
    "plan.join_and_semicolon": "{items}; and {last}",
    "plan.selected_by": "Selected by: {how}",
    "plan.taking_part_by": "Taking part by: {how}",
    "plan.also": "Also {groups}",
    "plan.decide_how": "Decide yourself how to involve {names}: the rules give no role for this group",
    "plan.no_approach": "The rules could not choose an approach.",
    "plan.more_group": "{count} more group",
    "plan.more_groups": "{count} more groups",
    "plan.summary_empower": "{names} take the final decision within the constraints you state, and you implement it.",
    "plan.summary_closest": "Work most closely with {names} ({level}).",
    "plan.constraints": "State the constraints up front, before anyone takes part: {constraints}",
    "plan.assumed": "(until then the plan works with the answer “{answer}”)",
    "plan.find_out_later": "Find out, when you can, the answer you do not know yet: {questions}. It does not change "
                           "the approach, but it may change who takes part or how",
    "plan.find_out_later_many": "Find out, when you can, the answers you do not know yet: {questions}. None of them "
                                "changes the approach, but they may change who takes part or how",
    "plan.outcome": "if {answer}, {approaches}",
    "plan.changes_approach_to": "The answer changes the approach: {outcomes}.",
    "plan.changes_approach": "The answer changes the approach.",
    "plan.other_unknown": "{count} other answer is unknown too.",
    "plan.others_unknown": "{count} other answers are unknown too.",
    "plan.find_out_first": "Find out first: {question}{assumed}.",
    "plan.run_core": "Run this core technique: {techniques}",
    "plan.run_core_many": "Run these core techniques, most important first: {techniques}",
    "plan.add_extra": "When your capacity allows, add: {techniques}",
    "plan.set_up": "Set up {arrangements}",
    "plan.find_skills": "Find the skills your team lacks, by training, hiring or a partner: {skills}",
    "plan.take_decision": "Take the decision as planned: {approach}",
    "plan.settle_approach": "Settle the approach yourself: the rules could not choose one",
    "plan.brief_title": "Plan for {title}",
    "plan.brief_title_none": "Plan",
    "plan.brief_because": "because: {rules}",
    "plan.brief_more": "Every reason, rule by rule: cogov evaluate FILE --format text",
    # -- how the plan was sized, and why each technique is core or extra (engine/resolve.py)
    "plan.sizing_bounded": "Sized to the team's capacity ({bounds}): {core} core, {extra} extra.",
    "plan.sizing_unbounded": "No rule bounds the plan: all {core} techniques are core.",
    "bound.core_at_most": "core at most {value}",
    "bound.cost_at_most": "cost at most {value}",
    "bound.facilitation_at_most": "facilitation at most {value}",
    "bound.time_at_most": "time at most {value}",
    "tier.core_bounded": "core: within the plan's bounds (priority {priority}: {rules})",
    "tier.core_unbounded": "core: no rule bounds the plan (priority {priority}: {rules})",
    "tier.extra_core_full": "extra: the core holds at most {limit} techniques ({rules}) and more important or "
                            "lighter ones come first",
    "tier.extra_demands": "extra: {reasons}",
    "tier.demand": "it demands {demand} {what} and the plan allows at most {value} ({rules})",
    "demand.cost": "cost",
    "demand.facilitation": "facilitation",
    "demand.time": "time",
    # -- what if
    "whatif.condition": "“{field}” were {new} instead of {old}",
    "whatif.and": " and ",
    "whatif.approach_would_be": "the approach would be “{new}” instead of “{old}”",
    "whatif.approach_would_stay": "the approach would stay “{approach}”",
    "whatif.scenario": "If {conditions}, {approach}.",
    "whatif.scenario_item_added": "If {conditions}, {item} would be recommended ({approach}).",
    "whatif.scenario_item_removed": "If {conditions}, {item} would no longer be recommended ({approach}).",
    "whatif.the_approach": "the approach",
    "whatif.whether_item": "whether {item} is recommended",
    "whatif.no_change": "No change of up to {count} answer(s) changes {what}.",
    "whatif.no_change_bound": "No change of up to {count} answer(s) changes {what} within the bound.",
    "whatif.searched": "searched {answers} answers, {evaluations} evaluations",
    "whatif.stopped": " (stopped at the bound of {bound})",
    "whatif.incomplete": "; the search is incomplete",
    "whatif.error": "ERROR: {error}",
}

# Thomas's names of the approaches and what each means (engine/approaches.py), as the recommendation states them
SENTENCES.update({f"approach.{a.code}.{name}": getattr(a, name) for a in APPROACHES for name in ("label", "meaning")})


@functools.lru_cache(maxsize=1)
def _lines() -> dict[str, int]:
    text = Path(__file__).read_text(encoding="utf-8")
    return {m.group(1): text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'^\s+"([a-z0-9_.]+)":', text, re.MULTILINE)}


def line_of(key: str) -> int | None:
    """The line of `key`'s English template in this file, for lint's file:line."""
    return _lines().get(key)
