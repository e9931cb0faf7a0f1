"""The explained recommendation: cogov's public output contract."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OutputModel(BaseModel):
    """Base of every answer model of the engine (recommendation, why not, what if): no field beyond the schema."""

    model_config = ConfigDict(extra="forbid")


class Because(OutputModel):
    """A firing that produced (or removed) an item."""

    rule: str
    firing: int = Field(description="Sequence number in explanation.firings.")
    subject: str | None = Field(None, description="Stakeholder id for a rule applied per group.")


class Overridden(OutputModel):
    """A conclusion that lost under the conflict policy, and what beat it."""

    rule: str
    firing: int
    value: str
    by: list[Because]
    reason: str


class Eliminated(OutputModel):
    code: str
    label: str
    because: list[Because]


class ApproachOut(OutputModel):
    code: str
    thomas: str
    label: str
    iap2_level: str
    meaning: str
    constraints: str | None = Field(None, description="The constraints within which the decision is shared or "
                                    "delegated, as the manager stated them (decision.constraints), to be told "
                                    "to the public up front; null when none were stated.")
    feasible: list[str]
    eliminated: list[Eliminated]
    policy: str
    because: list[Because]
    overridden: list[Overridden] = Field(default_factory=list)


class ParticipationChoice(OutputModel):
    """How a participating group's people are selected, or how they take part (Fung 2006), and why."""

    code: str
    label: str
    via: str = Field(description="Where it comes from: 'rule' (a rule concluded it), 'role' (the role's own mode "
                                 "in the catalogue) or 'level' (the mode of the group's IAP2 level).")
    because: list[Because] = Field(description="The rules that concluded it; for 'role' and 'level', the rules "
                                               "that gave the group its role and level.")
    overridden: list[Overridden] = Field(default_factory=list)


class UnknownAnswer(OutputModel):
    """A yes/no answer of the decision the manager does not know yet, and what it changes."""

    field: str = Field(description="Its path, e.g. decision.acceptance_likely_if_autonomous.")
    question: str
    assumed: bool = Field(description="The answer the recommendation works with until it is known (the rule "
                                      "base's policy for unknown answers).")
    changes_approach: bool = Field(description="Whether some answer to it leads to another approach.")
    approaches: dict[str, str | None] = Field(description='Where it changes the approach: the approach under each '
                                              'answer ("yes", "no"), the other unknown answers as assumed.')
    possible: dict[str, list[str]] = Field(description="Every approach each answer can lead to, whatever the other "
                                           "unknown answers turn out to be.")
    changes_in: int = Field(description="Under how many combinations of the other unknown answers it changes the "
                                        "approach.")
    combinations: int = Field(description="How many combinations of the other unknown answers there are.")
    first: bool = Field(description="Find this answer out first: it changes the approach in the most cases (at "
                                    "most one answer is first; none when no unknown answer changes the approach).")


class UnknownsPolicy(OutputModel):
    """The rule base's stated policy for unknown answers, as the recommendation followed it."""

    id: str
    title: str
    rationale: str
    sources: list[str]
    approach: str = Field(description="most_involving or least_involving: which of the approaches the unknown "
                                      "answers can lead to is recommended meanwhile.")
    file: str
    line: int


class Participant(OutputModel):
    stakeholder: str
    name: str
    role: str | None
    role_label: str | None
    iap2_level: str | None
    recruitment: ParticipationChoice | None = Field(
        None, description="How the group's people are selected (open self-selection, targeted recruitment, random "
                          "selection, representatives of organised groups, professional stakeholders); null when "
                          "the group does not take part.")
    mode: ParticipationChoice | None = Field(
        None, description="How they take part (listen, express, vote, deliberate, expertise); null when the group "
                          "does not take part.")
    excluded: bool = False
    reason: str | None = None
    because: list[Because]
    overridden: list[Overridden] = Field(default_factory=list)


class Item(OutputModel):
    code: str
    label: str
    because: list[Because]


class TechniqueOut(Item):
    iap2_levels: list[str]
    group_size: list[str]
    channel: str
    skills: list[str]
    demands: dict[str, str] | None = Field(None, description="What it demands of the team (cost, facilitation, "
                                           "time: low, medium or high), from the catalogue; null when not stated.")
    tier: str = Field("core", description="core: do these; extra: if capacity allows (see `plan`).")
    tier_reason: str = Field("", description="Why the technique is in its tier, in words.")


class PlanBound(OutputModel):
    """One bound the team's capacity puts on the plan, and the rules that set it."""

    bound: str = Field(description="core_at_most, cost_at_most, facilitation_at_most or time_at_most.")
    value: int | str
    because: list[Because] = Field(description="The rules that set this bound (the tightest, where several did).")


class PlanStep(OutputModel):
    """One action of the plan, in plain words, and the firings of the items it restates."""

    text: str = Field(description="What to do, in the catalogue's words (no codes).")
    because: list[Because] = Field(description="The firings behind the items this step restates.")


class PlanOut(OutputModel):
    """What to do, first: the plan in words (summary, steps), then how the techniques were sized to the team's
    capacity (bounds, core, extra, sizing)."""

    summary: str = Field(description="One or two plain sentences: the approach, who decides, and with whom.")
    steps: list[PlanStep] = Field(description="3 to 12 ordered actions (engine/plan.py): an unknown answer to find "
                                  "out first, constraints to state, whom to involve and how, the core techniques, "
                                  "the arrangements, the skills to find, each warning as an action, what to add "
                                  "when capacity allows.")
    bounds: list[PlanBound] = Field(description="Empty when no rule bounds the plan: every technique is core.")
    core: list[str] = Field(description="Codes of the core techniques (do these), most important first.")
    extra: list[str] = Field(description="Codes of the extra techniques (if capacity allows).")
    sizing: str = Field(description="How the techniques were sized to the team's capacity, in one sentence.")


class AvoidedTechnique(Item):
    overrides: list[Because] = Field(default_factory=list, description="Recommendations it ruled out.")


class SkillOut(Item):
    lacking: bool
    lacking_because: list[Because] = Field(default_factory=list)


class WarningOut(Item):
    message: str


class FiringOut(OutputModel):
    seq: int
    rule: str
    title: str
    file: str
    line: int
    subject: str | None
    matched: dict[str, Any] = Field(description="The facts the rule matched, with their actual values.")
    uses: list[int] = Field(description="Firings whose conclusions this firing relied on.")
    concluded: dict[str, Any]
    sources: list[str]


class Explanation(OutputModel):
    firings: list[FiringOut]
    sources: dict[str, str] = Field(description="Citation of every source the fired rules (and a policy followed "
                                                "for unknown answers) cite.")
    policy: str
    unknowns_policy: UnknownsPolicy | None = Field(None, description="The policy followed for unknown answers; "
                                                   "null when every answer is known.")


class RuleBaseInfo(OutputModel):
    version: str
    rule_count: int


class Recommendation(OutputModel):
    plan: PlanOut = Field(description="What to do, first: the plan in words, and the techniques sized to the "
                                      "team's capacity (every technique is core or extra).")
    approach: ApproachOut
    unknowns: list[UnknownAnswer] = Field(default_factory=list, description="One entry per answer given as "
                                          "unknown, the answer to find out first marked `first`.")
    participants: list[Participant]
    techniques: list[TechniqueOut]
    avoided_techniques: list[AvoidedTechnique]
    governance: list[Item]
    skills: list[SkillOut]
    warnings: list[WarningOut]
    gaps: list[str] = Field(description="Things the rule base left undecided for this context.")
    explanation: Explanation
    rulebase: RuleBaseInfo
    engine: dict[str, str]


# -- the default answer (engine.explanation.brief): the plan, the items and their `because` references --------
class BriefChoice(OutputModel):
    """How a group's people are selected or take part, without what it overrode."""

    code: str
    label: str
    via: str = Field(description="'rule', 'role' or 'level', as in the full explanation.")
    because: list[Because]


class BriefParticipant(OutputModel):
    """A stakeholder group's part, without what it overrode."""

    stakeholder: str
    name: str
    role: str | None
    role_label: str | None
    iap2_level: str | None
    recruitment: BriefChoice | None
    mode: BriefChoice | None
    excluded: bool
    reason: str | None
    because: list[Because]


class BriefApproach(OutputModel):
    """The approach, without its policy, its feasible set and the eliminated approaches (in the explanation)."""

    code: str
    thomas: str
    label: str
    iap2_level: str
    constraints: str | None
    because: list[Because]


class BriefTechnique(OutputModel):
    """A recommended technique: its tier and the rules behind it (its catalogue entry and tier reason are in
    the explanation)."""

    code: str
    label: str
    tier: str = Field(description="core: do these; extra: if capacity allows.")
    because: list[Because]


class BriefPlanStep(OutputModel):
    """One action of the plan (the firings behind it are in the explanation)."""

    text: str


class BriefPlan(OutputModel):
    """The plan in words and its sizing."""

    summary: str
    steps: list[BriefPlanStep]
    bounds: list[PlanBound]
    core: list[str]
    extra: list[str]
    sizing: str


class RecommendationBrief(OutputModel):
    """The recommendation as answered by default: the plan, the items and their `because` references. The full
    explanation (the trace, sources, overridden conclusions, tier reasons, catalogue details) is asked for
    with explain=full or read at /decisions/{id}/explanation."""

    plan: BriefPlan
    approach: BriefApproach
    unknowns: list[UnknownAnswer]
    participants: list[BriefParticipant]
    techniques: list[BriefTechnique]
    avoided_techniques: list[AvoidedTechnique]
    governance: list[Item]
    skills: list[SkillOut]
    warnings: list[Item]
    gaps: list[str]
    rulebase: RuleBaseInfo
    engine: dict[str, str]
