"""Request and response models of the HTTP API: the OpenAPI docs are built from them."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, WithJsonSchema,
                      model_validator)

from engine import Recommendation


def _date_or_time(value: Any) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("write a date (YYYY-MM-DD) or an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SSZ)") from None


# one clear error for a bad value, instead of one per member of date | datetime
DateOrTime = Annotated[date | datetime, PlainValidator(_date_or_time),
                       WithJsonSchema({"type": "string", "examples": ["2026-11-26", "2026-11-26T09:30:00Z"]})]


class FieldError(BaseModel):
    field: str = Field(description="Path of the bad field, e.g. stakeholders[1].power ('' for the whole body).")
    message: str
    type: str = ""


class ErrorOut(BaseModel):
    detail: str
    errors: list[FieldError] | None = None


class RecommendationOut(Recommendation):
    """The explained recommendation, as logged under decision_id."""

    decision_id: str
    created_at: datetime


class Caller(BaseModel):
    name: str
    role: str


class DecisionSummary(BaseModel):
    decision_id: str
    seq: int = Field(description="Position in the decision log's hash chain.")
    created_at: datetime
    caller: Caller
    project_name: str | None
    city: str | None
    approach: str | None
    rulebase_version: str
    engine_version: str
    hash: str


class DecisionOut(DecisionSummary):
    """The full audit record of one decision."""

    context: Any = Field(description="The submitted context, parsed.")
    context_raw: str = Field(description="The submitted context exactly as received.")
    recommendation: dict[str, Any]
    fired_rules: dict[str, int] = Field(description="Rule id -> number of firings in this decision.")
    rulebase_digest: str = Field(description="sha256 of the rule base files stored for rulebase_version.")
    prev_hash: str


class DecisionPageOut(BaseModel):
    items: list[DecisionSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null on the last.")
    limit: int


class VerifyOut(BaseModel):
    ok: bool
    count: int = Field(description="Records that verify (before the first bad one, if any).")
    first_bad_id: str | None
    first_bad_seq: int | None
    reason: str | None


class RuleOut(BaseModel):
    id: str
    title: str
    rationale: str
    sources: list[str]
    priority: int
    for_each: str | None
    when: Any
    then: dict[str, Any]
    file: str
    line: int
    stratum: int | None = None


class RuleDetailOut(RuleOut):
    rulebase_version: str


class RulesOut(BaseModel):
    version: str
    rule_count: int
    rules: list[RuleOut]


# relative, segments never start with a dot (no "..", no hidden files), YAML only
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
RelPath = Annotated[str, StringConstraints(max_length=200, pattern=rf"^{_SEGMENT}(/{_SEGMENT})*\.ya?ml$")]


class CandidateRuleBase(BaseModel):
    """A rule base to check: its files by path relative to the rule base root."""

    files: dict[RelPath, str] = Field(min_length=1, max_length=500,
                                      description="e.g. {'sources.yaml': ..., 'policy/thomas.yaml': ...}")


class LoadErrorOut(BaseModel):
    file: str
    line: int | None
    rule: str | None
    message: str
    text: str = Field(description="The error as `cogov rules check` prints it: file:line: [rule] message.")


class CheckOut(BaseModel):
    ok: bool
    version: str | None = None
    rule_count: int | None = None
    strata: int | None = None
    errors: list[LoadErrorOut]


class RuleBaseVersionOut(BaseModel):
    version: str
    digest: str
    stored_at: datetime
    decisions: int | None = None


class RuleBaseFilesOut(BaseModel):
    version: str
    digest: str
    stored_at: datetime
    files: dict[str, str]


class IdentityOut(BaseModel):
    name: str
    role: str
    roles: list[str]
    local_mode: bool


# -- rule base activation (service/api/rulebase.py, service/serving.py) ---------------------------
class ActivateRuleBase(BaseModel):
    """A rule base to activate: its files, or the configured rules directory as it is on disk now."""

    model_config = ConfigDict(extra="forbid")

    files: dict[RelPath, str] | None = Field(None, min_length=1, max_length=500,
                                             description="e.g. {'sources.yaml': ..., 'policy/thomas.yaml': ...}")
    from_directory: bool = Field(False, description="Activate the service's rules directory (COGOV_RULES_DIR).")
    note: str | None = Field(None, max_length=500, description="Why, for the activation history.")

    @model_validator(mode="after")
    def _one_source(self) -> "ActivateRuleBase":
        if (self.files is None) == (not self.from_directory):
            raise ValueError("give either files or from_directory: true (exactly one)")
        return self


class RollbackRuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=100, description="A stored version (GET /api/v1/rulebases).")
    note: str | None = Field(None, max_length=500)


class ActivationOut(BaseModel):
    id: int
    version: str
    activated_at: datetime
    activated_by: str
    action: Literal["startup", "activate", "rollback"]
    note: str | None = None


class ActivateOut(BaseModel):
    changed: bool = Field(description="False when the rule base given is the one already serving.")
    version: str
    previous: str
    rule_count: int
    activation: ActivationOut | None


class ActiveRuleBaseOut(BaseModel):
    version: str
    rule_count: int
    activation: ActivationOut | None
    history: list[ActivationOut] = Field(description="Activations, newest first.")
    versions: list[RuleBaseVersionOut] = Field(description="Every stored version, newest first.")


class RefusalOut(BaseModel):
    detail: str
    kind: Literal["invalid", "timeout", "crash", "start", "unknown"]
    errors: list[LoadErrorOut]


class FileDiffOut(BaseModel):
    path: str
    status: Literal["added", "removed", "changed", "same"]
    diff: str = Field(description="Unified diff from a to b ('' when the file is the same).")


class RuleBaseDiffOut(BaseModel):
    a: str
    b: str
    files: list[FileDiffOut]
