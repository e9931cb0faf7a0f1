"""What an evaluation of a decision holds, and what the evidence API answers: the models the OpenAPI docs show.

An evaluation says what was actually done after a recommendation and how it
went, scored on published criteria:

* Rowe & Frewer (2000), "Public participation methods: a framework for
  evaluation" (Science, Technology & Human Values 25(1) 3-29): five acceptance
  criteria (representativeness, independence, early involvement, influence,
  transparency) and four process criteria (resource accessibility, task
  definition, structured decision making, cost-effectiveness);
* the three stages of the OECD's (2021) Evaluation Guidelines for
  Representative Deliberative Processes: design integrity, the process
  itself, pathways to impact; an evaluation is made at one of them
  (`stage`), and may score each;
* the participants' representation of the public the context described
  (`groups`: who took part, of how many).

Each criterion is scored 1 (poor) to 5 (excellent), or left out when it was
not assessed. docs/EVIDENCE.md is the codebook.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from engine.context import LongText
from service import impact

ROWE_FREWER = ("representativeness", "independence", "early_involvement", "influence", "transparency",
               "resource_accessibility", "task_definition", "structured_decision_making", "cost_effectiveness")
OECD_STAGES = ("design_integrity", "process", "pathways_to_impact")
CRITERIA = ROWE_FREWER + OECD_STAGES
STATUSES = ("followed", "dropped", "added")
EVALUATORS = ("self", "independent")

Criterion = Literal[CRITERIA]  # type: ignore[valid-type]
Stage = Literal[OECD_STAGES]  # type: ignore[valid-type]
Score = Annotated[StrictInt, Field(ge=1, le=5)]
Count = Annotated[StrictInt, Field(ge=0, le=100_000_000)]
# codes as the catalogue writes them, group ids as the context does: anything else is refused by its shape
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
GroupId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
ItemKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,30}(:[a-z0-9][a-z0-9_-]{0,63})?$")]


class GroupOutcome(BaseModel):
    """One stakeholder group of the context: how many of its people took part, of how many, recruited how."""

    model_config = ConfigDict(extra="forbid")

    stakeholder: GroupId = Field(description="The group's id in the decision's context.")
    participants: Count = Field(description="How many of its people took part (0: none did).")
    population: Annotated[StrictInt, Field(ge=1, le=100_000_000)] | None = Field(
        None, description="How many people the group counts in the public described, when known: its "
                          "participation rate is participants / population.")
    recruitment: Code | None = Field(None, description="How its people were recruited (a code of the catalogue's "
                                                       "recruitment list, e.g. random_selection).")


class ItemOutcome(BaseModel):
    """What became of one item of the recommendation, or of something done that it did not recommend."""

    model_config = ConfigDict(extra="forbid")

    item: ItemKey = Field(description="An item key as in replay and impact: technique:<code>, "
                                      "participant:<group>, recruitment:<group>, mode:<group>, "
                                      "arrangement:<code>, skill:<code>, warning:<code> or approach.")
    status: Literal["followed", "dropped", "added"] = Field(
        description="followed or dropped: a recommended item; added: done although not recommended.")
    reason: LongText | None = Field(None, description="Why (free text, at most 2,000 characters).")


class Cost(BaseModel):
    """What the process cost in all."""

    model_config = ConfigDict(extra="forbid")

    amount: float = Field(ge=0, le=1e12, allow_inf_nan=False, description="What it cost in all.")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = Field(description="ISO 4217, e.g. EUR.")


class EvaluationIn(BaseModel):
    """An evaluation of what happened after a logged decision (POST /api/v1/decisions/{id}/outcomes)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "stage": "process", "evaluated_by": "independent", "techniques_used": ["public_meeting", "website"],
        "participants": 84, "groups": [{"stakeholder": "residents", "participants": 70, "population": 5000,
                                        "recruitment": "open_self_selection"}],
        "items": [{"item": "arrangement:feedback_report", "status": "dropped", "reason": "no budget left"}],
        "scores": {"representativeness": 2, "influence": 4, "transparency": 3}, "synthetic": True}]})

    stage: Stage = Field("process", description="The OECD (2021) evaluation stage this evaluation is made at: "
                                                "design_integrity, process or pathways_to_impact.")
    evaluated_by: Literal["self", "independent"] = Field(
        "self", description="Who evaluated: the team that ran it (self) or someone independent of it.")
    techniques_used: Annotated[list[Code], Field(max_length=100)] = Field(
        description="Every technique actually used (catalogue codes). A recommended technique not listed "
                    "here was dropped; one listed that was not recommended was added.")
    participants: Count = Field(description="How many people took part in all.")
    recruitment: Annotated[list[Code], Field(max_length=20)] = Field(
        default_factory=list, description="How participants were recruited (catalogue recruitment codes).")
    groups: Annotated[list[GroupOutcome], Field(max_length=200)] = Field(
        default_factory=list, description="Who took part, group by group (the groups of the context). A "
                                          "recommended participating group listed with 0, or left out once "
                                          "any group is listed, did not take part.")
    cost: Cost | None = Field(None, description="What it cost in all, and in which currency.")
    duration_days: Annotated[StrictInt, Field(ge=0, le=36_500)] | None = Field(
        None, description="How long it ran, in days.")
    items: Annotated[list[ItemOutcome], Field(max_length=500)] = Field(
        default_factory=list, description="Recommended items followed or dropped, and things added, each with "
                                          "a reason; for techniques and groups they add the reasons to what "
                                          "techniques_used and groups already say, and must agree with them.")
    scores: dict[Criterion, Score] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Criterion -> 1 (poor) .. 5 (excellent); leave out what was not "
                                          "assessed. Rowe & Frewer (2000): " + ", ".join(ROWE_FREWER) +
                                          "; OECD (2021) stages: " + ", ".join(OECD_STAGES) + ".")
    notes: LongText | None = Field(None, description="How it went, in words (at most 2,000 characters).")
    synthetic: StrictBool = Field(False, description="True for test, demonstration or training data: such "
                                                     "evaluations are labelled so wherever they are counted.")


class Representation(BaseModel):
    """Who took part against the public the decision's context described."""

    rates: dict[str, float] = Field(description="Group id -> its participation rate (participants / population), "
                                                "for the groups whose population was given.")
    score: float | None = Field(description="The lowest rate divided by the highest (1: even); null below two "
                                            "rates.")
    took_part: list[str] = Field(description="Ids of the context's groups with at least one participant.")
    absent: list[str] = Field(description="Ids of the context's groups not known to have taken part (once any "
                                          "group is listed).")


class EvaluationOut(EvaluationIn):
    """A recorded evaluation as the log holds it (personal fields may show as their commitments, once removed
    or when never stored), with what it says about each item of the recommendation."""

    model_config = ConfigDict(extra="forbid")

    evaluation_id: str = Field(description="The evaluation's id in the log.")
    seq: int = Field(description="Its position in the evaluations' hash chain.")
    decision_id: str = Field(description="The evaluated decision's id.")
    created_at: str = Field(description="When it was recorded (UTC, ISO 8601).")
    caller: dict[str, str] = Field(description="Who recorded it: name and role.")
    hash: str = Field(description="Its hash in the evaluations' chain.")
    prev_hash: str = Field(description="The previous evaluation's hash.")
    statuses: dict[str, str] = Field(description="Item -> followed, dropped or added, as this evaluation says "
                                                 "(stated, or read from techniques_used and groups).")
    overall: float | None = Field(description="Mean of the Rowe & Frewer criteria scored (null: none scored).")
    representation: float | None = Field(description="Lowest participation rate among the groups with a "
                                                      "population given, divided by the highest (1: even; needs "
                                                      "two such groups).")
    representation_detail: Representation = Field(description="The rates behind the representation score, and "
                                                               "the groups that took part or did not.")


class EvaluationListOut(BaseModel):
    """The evaluations of one decision, in the order they were recorded."""

    decision_id: str = Field(description="The decision's id.")
    evaluations: list[EvaluationOut] = Field(description="Its evaluations, oldest first.")


class Stat(BaseModel):
    """A mean over evaluated decisions, with a 95% interval (Student's t; none below two)."""

    n: int = Field(description="Evaluated decisions the mean rests on.")
    mean: float | None = Field(description="The mean (null when n is 0).")
    low: float | None = Field(description="The 95% interval's lower end, cut at the scale's (null below n = 2).")
    high: float | None = Field(description="The 95% interval's upper end, cut at the scale's (null below n = 2).")
    finding: bool = Field(description="n reaches the minimum number of evaluations: only then is it a finding.")


class Difference(BaseModel):
    """Followed minus not followed (Welch's 95% interval), a finding only when both sides reach the minimum."""

    mean: float | None = Field(description="The mean where followed minus the mean where not.")
    low: float | None = Field(description="Its 95% interval's lower end.")
    high: float | None = Field(description="Its 95% interval's upper end.")
    finding: bool = Field(description="Both sides reach the minimum number of evaluations.")
    words: str = Field(description="What it says, in plain words.")


class Outcome(BaseModel):
    """One measure where the advice was followed and where it was not."""

    followed: Stat = Field(description="Where the advice was followed.")
    not_followed: Stat = Field(description="Where it was dropped.")
    difference: Difference = Field(description="Followed minus not followed.")


class Share(BaseModel):
    """How often the advice was followed where its fate is known, with Wilson's 95% interval."""

    n: int = Field(description="Evaluated decisions that say whether it was followed.")
    value: float | None = Field(description="The share followed, 0 to 1.")
    low: float | None = Field(description="The 95% interval's lower end.")
    high: float | None = Field(description="The 95% interval's upper end.")
    finding: bool = Field(description="n reaches the minimum number of evaluations.")


class ContextRow(BaseModel):
    """The evidence where a context has one value on one dimension."""

    value: str = Field(description="The value (e.g. large for public_size).")
    evaluated: int = Field(description="Evaluated decisions with this value.")
    followed: int = Field(description="Of those, where the advice was followed.")
    not_followed: int = Field(description="Of those, where it was dropped.")
    score_followed: Stat = Field(description="The overall score where followed.")
    score_not_followed: Stat = Field(description="The overall score where dropped.")


class EvidenceOut(BaseModel):
    """The evidence about one technique, rule, approach or role, from the evaluations in the log."""

    kind: Literal["technique", "rule", "approach", "role"] = Field(description="What it is about.")
    code: str = Field(description="Its code (a rule's id).")
    label: str = Field(description="Its name in words.")
    min_evaluations: int = Field(description="Below this many evaluated decisions nothing is a finding "
                                             "(evidence.min_evaluations in rules/lint.yaml).")
    recommended: int = Field(description="Logged decisions that recommended it.")
    evaluated: int = Field(description="Of those, decisions with at least one evaluation.")
    followed: int = Field(description="Of those, decisions in which the advice was followed.")
    not_followed: int = Field(description="... in which it was dropped (or, for a role or rule, partly dropped).")
    unknown: int = Field(description="... whose evaluations do not say.")
    added: int = Field(description="Evaluated decisions that used it without its being recommended (techniques).")
    synthetic: int = Field(description="Evaluated decisions whose evaluations are marked synthetic (test or demo "
                                       "data): counted here like the others, and said so.")
    followed_share: Share = Field(description="How often it was followed where its fate is known.")
    outcomes: dict[str, Outcome] = Field(description="Measure -> scores where followed and where not: overall "
                                                     "(mean of the Rowe & Frewer criteria), representation, "
                                                     "and each criterion.")
    by_context: dict[str, list[ContextRow]] = Field(
        description="Dimension (domain, public_size, digital_access, capacity) -> one row per value seen.")
    summary: list[str] = Field(description="What can and cannot be said, in plain words.")


class EvidenceRow(BaseModel):
    """One technique, rule, approach or role: counts and the overall score where followed and where not."""

    code: str = Field(description="Its code (a rule's id).")
    label: str = Field(description="Its name in words.")
    recommended: int = Field(description="Logged decisions that recommended it.")
    evaluated: int = Field(description="Of those, decisions with at least one evaluation.")
    followed: int = Field(description="Of those, where the advice was followed.")
    not_followed: int = Field(description="Of those, where it was dropped.")
    score_followed: Stat = Field(description="The overall score where followed.")
    score_not_followed: Stat = Field(description="The overall score where dropped.")


class EvidenceOverviewOut(BaseModel):
    """Every technique, rule, approach and role recommended in the log, with its counts and overall scores."""

    min_evaluations: int = Field(description="Below this many evaluated decisions nothing is a finding.")
    decisions: int = Field(description="Logged decisions.")
    evaluated: int = Field(description="Decisions with at least one evaluation.")
    evaluations: int = Field(description="Evaluations recorded.")
    synthetic: int = Field(description="Evaluated decisions whose evaluations are marked synthetic.")
    techniques: list[EvidenceRow] = Field(description="Techniques, most recommended first.")
    rules: list[EvidenceRow] = Field(description="Rules, most recommended first.")
    approaches: list[EvidenceRow] = Field(description="Approaches, most recommended first.")
    roles: list[EvidenceRow] = Field(description="Roles given to groups, most recommended first.")


class ExportOut(BaseModel):
    """Every evaluation with its decision's de-personalised context and recommendation (open data; the
    codebook is docs/EVIDENCE.md)."""

    codebook: str = Field(description="Where the codebook is: docs/EVIDENCE.md.")
    codebook_version: int = Field(description="The codebook's version the records follow.")
    generated_at: str = Field(description="When the export was made (UTC, ISO 8601).")
    records: list[dict[str, Any]] = Field(description="One record per evaluation: its codes, counts and scores "
                                                      "(outcome), its decision's context (coded fields only, groups "
                                                      "as g1, g2...) and recommendation.")
    synthetic: int = Field(description="How many records are synthetic (test or demonstration data).")


class ImpactReport(impact.ImpactReport):
    """The impact of a rule change (service.impact) with the evidence behind what it changes: what
    POST /rules/impact answers. Defined here so the impact report itself needs nothing of the evidence;
    it keeps the report's name, which the API's schema has always given it."""

    evidence: dict[str, EvidenceRow] = Field(
        default_factory=dict, description="The evidence behind what changes, by technique:<code>, "
        "approach:<code>, role:<code> and rule:<id>: counts and the overall score where the advice was followed "
        "and where not, from the evaluations in the log (empty while there are none).")


ImpactWithEvidence = ImpactReport     # the name the API, the page and the CLI use for it
