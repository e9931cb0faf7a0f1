"""Request and response models of the HTTP API: the OpenAPI is built from them (service/openapi.py).

Every description here is written for integrators: it says what a field
means to a caller, never which module fills it.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, WithJsonSchema, create_model,
                      model_validator)

from engine import ProjectContext, Recommendation
from engine.recommendation import RecommendationBrief
from engine.catalogue import Catalogue
from engine.context import Storable


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
                       WithJsonSchema({"type": "string", "examples": ["2026-11-26", "2026-11-26T09:30:00Z"],
                                       "description": "A date (YYYY-MM-DD, a whole UTC day) or an ISO 8601 "
                                                      "date-time."})]
# a text the decision log keeps (an activation's note): NUL refused, as in a context
Note = Annotated[str, StringConstraints(max_length=500), Storable]


# -- errors: RFC 9457 problem details --------------------------------------------------------------------
class FieldError(BaseModel):
    """One problem with the request, located where the caller can fix it."""

    field: str = Field(description="Where: the path of the bad value, e.g. `stakeholders[1].power`, "
                                   "`query.limit`, `body.note`, `header.Idempotency-Key`; for a rule base, the "
                                   "file; '' for the whole body.")
    message: str = Field(description="What is wrong, in words a person can act on.")
    type: str = Field("", description="A stable machine-readable kind of problem, e.g. `missing`, "
                                      "`json_invalid`, `duplicate_id`, `rule_base_error`.")
    line: int | None = Field(None, description="For a rule base error: the line in `file` (or in `field`).")
    file: str | None = Field(None, description="For a refused rule base: the file of the error.")
    rule: str | None = Field(None, description="For a refused rule base: the rule id of the error, when known.")
    text: str | None = Field(None, description="For a refused rule base: the error as one line, "
                                               "`file:line: [rule] message`.")


class ProblemDetails(BaseModel):
    """Every error answer (4xx and 5xx), as RFC 9457 problem details (`application/problem+json`). `type` is
    `about:blank`, so `status` says what kind of problem it is and `title` is its HTTP reason phrase; `detail`
    explains this occurrence. Two extensions: `errors` lists each bad field (422 and refused rule bases), and
    `kind` says why a rule base activation was refused."""

    type: str = Field("about:blank", description="A URI reference naming the problem type; `about:blank`: "
                                                 "the HTTP status says it all.")
    title: str = Field(description="The HTTP status's reason phrase, e.g. `Unprocessable Content`.")
    status: int = Field(description="The HTTP status code of this answer.", ge=400, le=599)
    detail: str = Field(description="What went wrong this time, for a person.")
    errors: list[FieldError] | None = Field(None, description="Each problem with the request, one per bad "
                                                              "field (always present on a 422).")
    kind: Literal["invalid", "timeout", "crash", "start", "unknown"] | None = Field(
        None, description="Only on a refused rule base activation or rollback: `invalid` (see `errors`), "
                          "`timeout` (its check overran the time limit), `crash` (its check stopped), `start` "
                          "(its evaluation processes would not start), `unknown` (no such stored version).")


# -- recommendations and the decision log --------------------------------------------------------------
class RecommendationOut(Recommendation):
    """The explained recommendation for a context, as logged under `decision_id`."""

    decision_id: str = Field(description="The decision's id in the decision log (GET /api/v1/decisions/{id}).")
    created_at: datetime = Field(description="When the decision was logged (UTC).")
    page: str = Field(description="The decision's page for people, relative to the service's address: the plan "
                                  "first, then the explained recommendation; its print view, PDF and JSON download "
                                  "are at page + '/print', '/report.pdf' and '/decision.json'.")


class RecommendationBriefOut(RecommendationBrief):
    """The recommendation for a context as answered by default, logged under `decision_id`: the plan, the items
    and their `because` references; the full explanation is at `explanation_url` (or inline with
    explain=full)."""

    decision_id: str = Field(description="The decision's id in the decision log (GET /api/v1/decisions/{id}).")
    created_at: datetime = Field(description="When the decision was logged (UTC).")
    page: str = Field(description="The decision's page for people, relative to the service's address.")
    explanation_url: str = Field(description="The decision's full explanation (GET, relative to the service's "
                                             "address): the recommendation with the trace, sources, overridden "
                                             "conclusions, tier reasons and catalogue details.")


# POST /recommendations answers the brief form, or with explain=full the full one
RecommendationAnswer = RecommendationBriefOut | RecommendationOut


def _as_logged(model: type[BaseModel]) -> type[BaseModel]:
    """`model` as the decision log keeps it: each decision holds the recommendation the engine version that made
    it wrote (`engine.version`), so a field a later version added is absent from older decisions. The same
    fields, none required (no default is claimed either). Only the documentation uses it: a decision is answered
    as stored."""
    def no_default(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
    fields: dict[str, Any] = {name: (f.annotation, Field(None, description=f.description, json_schema_extra=no_default))
                              for name, f in model.model_fields.items()}
    return create_model(f"Logged{model.__name__}", __doc__=f"A {model.__name__.lower()} as the decision log keeps "
                        "it: as the engine version that made the decision wrote it, so fields added by later "
                        "versions are absent from older decisions.", **fields)


LoggedRecommendation = _as_logged(Recommendation)
LoggedRecommendationBrief = _as_logged(RecommendationBrief)


class Caller(BaseModel):
    """Who made a request: the token's name and role."""

    name: str = Field(description="The token's name (`local` in local mode).")
    role: str = Field(description="The token's role: manager, auditor or author (`local` in local mode).")


class DecisionSummary(BaseModel):
    """One decision as a list shows it."""

    decision_id: str = Field(description="The decision's id.")
    seq: int = Field(description="Position in the decision log's hash chain (1 for the first decision).")
    created_at: datetime = Field(description="When the decision was logged (UTC).")
    caller: Caller = Field(description="The manager who asked for it.")
    project_name: str | None = Field(description="The context's project name (null once removed by retention).")
    city: str | None = Field(description="The context's city, when given.")
    approach: str | None = Field(description="The recommended approach's code.")
    rulebase_version: str = Field(description="The rule base version that made it (GET /api/v1/rulebases/"
                                              "{version} has its files).")
    engine_version: str = Field(description="The cogov engine version that made it.")
    hash: str = Field(description="sha256 of the record and the previous record's hash: its link in the chain.")


class DecisionOut(DecisionSummary):
    """The full audit record of one decision. Decisions never change, except that retention may replace the
    personal fields a deployment declares by their commitments."""

    context: ProjectContext = Field(description="The submitted context, parsed, as received: values are not "
                                                "trimmed and defaults are not filled in.")
    context_raw: str = Field(description="The submitted context exactly as received (the bytes, as UTF-8 text).")
    recommendation: LoggedRecommendationBrief | LoggedRecommendation = Field(  # type: ignore[valid-type]
        description="The recommendation that was answered, as the engine version that made it wrote it: the "
                    "plan, the items and their `because` references, or with explain=full the full explanation "
                    "(as GET /decisions/{id}/explanation gives it).")
    fired_rules: dict[str, int] = Field(description="Rule id -> how many times it fired in this decision.")
    rulebase_digest: str = Field(description="sha256 of the rule base files stored for rulebase_version.")
    prev_hash: str = Field(description="The hash of the record before it in the chain (64 zeros for the first).")
    language: str | None = Field(None, description="The language the answer's words were given in (en, it, de, "
                                                   "sv, el, pt); null for a decision logged before answers had "
                                                   "a language. The hash covers it.")
    translations: str | None = Field(None, description="The version (a digest) of the translations the answer's "
                                                       "words came from, kept in the log; null for English or "
                                                       "before. The hash covers it.")


class DecisionPageOut(BaseModel):
    """One page of decisions, newest first."""

    items: list[DecisionSummary] = Field(description="The decisions on this page.")
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null on the last.")
    limit: int = Field(description="The page size asked for.")


class VerifyOut(BaseModel):
    """The outcome of walking the log's three hash chains: decisions, rule base activations, evaluations."""

    ok: bool = Field(description="True when every decision and every activation verifies.")
    count: int = Field(description="Decisions that verify (before the first bad one, if any).")
    first_bad_id: str | None = Field(description="The id of the first decision that does not verify, when it "
                                                 "still exists.")
    first_bad_seq: int | None = Field(description="The chain position of the first decision that does not "
                                                  "verify (or of the first missing one).")
    reason: str | None = Field(description="Why the first bad decision or activation does not verify.")
    activations: int = Field(0, description="Rule base activations that verify (checked once every decision "
                                            "does).")
    first_bad_activation: int | None = Field(None, description="The chain position (seq) of the first rule "
                                                               "base activation that does not verify; null when "
                                                               "the problem is not an activation's.")
    evaluations: int = Field(0, description="Evaluations that verify (checked once every decision and every "
                                            "activation does).")
    first_bad_evaluation: int | None = Field(None, description="The chain position (seq) of the first evaluation "
                                                               "that does not verify; null when the problem is "
                                                               "not an evaluation's.")
    chain: Literal["decisions", "activations", "evaluations"] | None = Field(
        None, description="The chain the first problem is in; null when `ok`.")
    evaluation_id: str | None = Field(None, description="The id of the first evaluation that does not verify, "
                                                        "when it still exists; null when the problem is not an "
                                                        "evaluation's.")
    decision_id: str | None = Field(None, description="The decision the first problem is about: the first bad "
                                                      "decision (as `first_bad_id`), or the one the first bad "
                                                      "evaluation evaluates; null for an activation's problem.")


# -- rules --------------------------------------------------------------------------------------------
class RuleOut(BaseModel):
    """One rule, as its author wrote it."""

    id: str = Field(description="The rule's id, unique in the rule base.")
    title: str = Field(description="What the rule says, in one line.")
    rationale: str = Field(description="Why the rule holds, with its reasoning.")
    sources: list[str] = Field(description="Keys of the published sources behind it (the catalogue's sources).")
    priority: int = Field(description="Its priority when rules conflict (higher wins).")
    for_each: str | None = Field(description="`stakeholder` when the rule applies to each stakeholder group "
                                             "on its own; null when it applies to the context as a whole.")
    when: Any = Field(description="Its condition, as written in the rule file.")
    then: dict[str, Any] = Field(description="What it concludes, as written in the rule file.")
    file: str = Field(description="The rule file, relative to the rule base.")
    line: int = Field(description="The line of the rule in its file.")
    stratum: int | None = Field(None, description="The evaluation stage it runs in (rules reading what other "
                                                  "rules conclude run later).")


class RuleDetailOut(RuleOut):
    """One rule with the rule base version it belongs to."""

    rulebase_version: str = Field(description="The version of the rule base it was read from.")


class RulesOut(BaseModel):
    """The rule base serving now, rule by rule."""

    version: str = Field(description="The rule base version.")
    rule_count: int = Field(description="How many rules it has.")
    rules: list[RuleOut] = Field(description="Every rule, in file order.")


# relative, segments never start with a dot (no "..", no hidden files), YAML only
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
RelPath = Annotated[str, StringConstraints(max_length=200, pattern=rf"^{_SEGMENT}(/{_SEGMENT})*\.ya?ml$")]


class CandidateRuleBase(BaseModel):
    """A rule base to check: its files by path relative to the rule base root."""

    files: dict[RelPath, str] = Field(min_length=1, max_length=500,
                                      description="Each file's text by its path, e.g. {'sources.yaml': ..., "
                                                  "'policy/thomas.yaml': ...}; YAML files only.")


class LoadErrorOut(BaseModel):
    """One error in a rule base, located in its file."""

    file: str = Field(description="The file, relative to the rule base.")
    line: int | None = Field(description="The line, when known.")
    rule: str | None = Field(description="The rule id, when the error is in a rule.")
    message: str = Field(description="What is wrong.")
    text: str = Field(description="The error as one line: file:line: [rule] message.")


class CheckOut(BaseModel):
    """Whether a candidate rule base loads and compiles."""

    ok: bool = Field(description="True when the candidate has no error.")
    version: str | None = Field(None, description="The candidate's version (a digest of its files), when it "
                                                  "loads.")
    rule_count: int | None = Field(None, description="How many rules it has, when it loads.")
    strata: int | None = Field(None, description="How many evaluation stages its rules need, when it loads.")
    errors: list[LoadErrorOut] = Field(description="Every error, empty when ok.")


class CatalogueOut(Catalogue):
    """The catalogues of the rule base serving now: techniques, roles, recruitment and participation modes,
    governance arrangements, skills, warnings and the published sources, each by code."""

    rulebase_version: str = Field(description="The rule base version these catalogues belong to.")


# -- rule base versions --------------------------------------------------------------------------------
class RuleBaseVersionOut(BaseModel):
    """A rule base version the decision log holds."""

    version: str = Field(description="The version: a digest of its files.")
    digest: str = Field(description="sha256 of its files as stored.")
    stored_at: datetime = Field(description="When the log first stored it (UTC).")
    decisions: int | None = Field(None, description="How many logged decisions it made.")


class RuleBaseFilesOut(BaseModel):
    """A stored rule base version with its files: the exact rules past decisions were made with."""

    version: str = Field(description="The version: a digest of its files.")
    digest: str = Field(description="sha256 of its files as stored.")
    stored_at: datetime = Field(description="When the log first stored it (UTC).")
    files: dict[str, str] = Field(description="Each file's text by its path relative to the rule base.")


class IdentityOut(BaseModel):
    """Who the presented token belongs to."""

    name: str = Field(description="The token's name (`local` in local mode).")
    role: str = Field(description="The token's role (`local` in local mode).")
    roles: list[str] = Field(description="Every role the caller holds (all three in local mode).")
    local_mode: bool = Field(description="True when the service runs without tokens (every caller has every "
                                         "role, loopback only).")


class HealthOut(BaseModel):
    """The process answers."""

    status: Literal["ok"] = Field(description="Always `ok`: the service answers.")
    mode: Literal["local", "tokens"] = Field(description="`tokens` when API tokens are enforced; `local` when "
                                                         "the service runs without tokens (loopback only).")


class ReadinessOut(BaseModel):
    """Whether this service can take requests now (200 ready, 503 not ready)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ready", "not ready"] = Field(description="`ready`: the rule base is loaded, the decision "
                                                              "log answers and evaluation can run.")
    checks: dict[str, Any] | None = Field(None, description="Each check and its outcome, shown to auditors only "
                                                            "(and in local mode).")


# -- rule base activation --------------------------------------------------------------------------------
class ActivateRuleBase(BaseModel):
    """A rule base to activate: its files, or the configured rules directory as it is on disk now."""

    model_config = ConfigDict(extra="forbid")

    files: dict[RelPath, str] | None = Field(None, min_length=1, max_length=500,
                                             description="Each file's text by its path, e.g. {'sources.yaml': "
                                                         "..., 'policy/thomas.yaml': ...}.")
    from_directory: bool = Field(False, description="Activate the service's configured rules directory as it is "
                                                    "on disk now.")
    note: Note | None = Field(None, description="Why, for the activation history (at most 500 characters).")

    @model_validator(mode="after")
    def _one_source(self) -> "ActivateRuleBase":
        if (self.files is None) == (not self.from_directory):
            raise ValueError("give either files or from_directory: true (exactly one)")
        return self


class RollbackRuleBase(BaseModel):
    """A stored rule base version to serve again."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=100, description="A stored version (GET /api/v1/rulebases).")
    note: Note | None = Field(None, description="Why, for the activation history (at most 500 characters).")


class ActivationOut(BaseModel):
    """One switch of the served rule base, as the activation history records it."""

    id: int = Field(description="The activation's id.")
    version: str = Field(description="The rule base version that started serving.")
    activated_at: datetime = Field(description="When (UTC).")
    activated_by: str = Field(description="Who: the author's token name, or `local`.")
    action: Literal["startup", "activate", "rollback"] = Field(
        description="`startup`: the service started with it; `activate`: an author activated it; `rollback`: "
                    "an author went back to it.")
    note: str | None = Field(None, description="The author's note, when given.")


class ActivateOut(BaseModel):
    """The outcome of an activation or rollback."""

    changed: bool = Field(description="False when the rule base given is the one already serving.")
    version: str = Field(description="The version serving now.")
    previous: str = Field(description="The version that served before.")
    rule_count: int = Field(description="How many rules the version serving now has.")
    activation: ActivationOut | None = Field(description="The activation recorded; null when nothing changed.")


class RefusedActivationOut(BaseModel):
    """The log's latest activation, which this replica refused to serve."""

    version: str = Field(description="The version it refused.")
    activation_id: int = Field(description="The refused activation's id.")
    kind: str = Field(description="Why: as a refused activation's `kind` (invalid, timeout, crash, start, "
                                  "unknown).")
    detail: str = Field(description="The refusal, in words.")


class ActiveRuleBaseOut(BaseModel):
    """The rule base serving now, the activation history and the stored versions. With several replicas on one
    decision log, `version`, `serving` and `serving_since` are this replica's; `latest` is the log's."""

    version: str = Field(description="The version this replica serves now.")
    rule_count: int = Field(description="How many rules it has.")
    activation: ActivationOut | None = Field(description="The activation that made it serve, when recorded.")
    history: list[ActivationOut] = Field(description="Activations, newest first.")
    versions: list[RuleBaseVersionOut] = Field(description="Every stored version, newest first.")
    serving: str | None = Field(None, description="The version this replica serves (the same as `version`).")
    serving_since: datetime | None = Field(None, description="Since when this replica serves it (UTC).")
    latest: str | None = Field(None, description="The version of the log's latest activation, which every "
                                                 "replica follows within moments; null when there is none.")
    in_step: bool | None = Field(None, description="True when this replica serves the latest version; false for "
                                                   "the moment it takes to follow, or while it refuses it.")
    refused: RefusedActivationOut | None = Field(None, description="The latest activation, when this replica "
                                                                   "refused to serve it.")


class FileDiffOut(BaseModel):
    """One file of two rule base versions compared."""

    path: str = Field(description="The file, relative to the rule base.")
    status: Literal["added", "removed", "changed", "same"] = Field(description="How the file differs from a to b.")
    diff: str = Field(description="Unified diff from a to b ('' when the file is the same).")


class RuleBaseDiffOut(BaseModel):
    """Two stored rule base versions compared file by file."""

    a: str = Field(description="The version compared from.")
    b: str = Field(description="The version compared to.")
    files: list[FileDiffOut] = Field(description="Every file of either version.")


class JsonSchemaOut(BaseModel):
    """A JSON Schema document (draft 2020-12)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_: str = Field(alias="$schema", description="The JSON Schema dialect: draft 2020-12.")
    id: str = Field(alias="$id", description="The schema's identifier; it changes with incompatible versions.")
    title: str = Field(description="The schema's title.")
    description: str = Field(description="What the schema describes, and what it cannot express.")
    type: Literal["object"] = Field(description="A context is a JSON object.")
