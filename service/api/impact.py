"""Impact of a rule change: POST /rules/impact (author, auditor)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from service import candidates
from service.api.common import ERRORS, JsonBodyRoute, RuleReader, problem
from service.api.replay import against_version
from service import evidence
from service.deps import RuleBaseDep, SettingsDep, StoreDep
from service.evidence.schemas import ImpactWithEvidence
from service.http import unprocessable
from service.impact import DEFAULT_LIMIT, MAX_LIMIT, ONE_RUN, ImpactReport, run_impact
from service.log import DecisionFilter
from service.schemas import DateOrTime, RelPath

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly


class ImpactFilters(BaseModel):
    """Which stored decisions to evaluate under the candidate: every given criterion must hold."""

    model_config = ConfigDict(extra="forbid")

    date_from: DateOrTime | None = Field(None, description="Decisions made from then on (a date: from 0:00 UTC).")
    date_to: DateOrTime | None = Field(None, description="Decisions made until then (a date: to its end, UTC).")
    approach: str | None = Field(None, max_length=64, description="Decisions with this approach's code.")
    rulebase_version: str | None = Field(None, max_length=100, description="Decisions made with this version.")
    city: str | None = Field(None, max_length=200, description="Decisions for this city (case-insensitive).")
    rule: str | None = Field(None, max_length=200, description="Decisions in which this rule fired.")


class ImpactIn(BaseModel):
    """The candidate: its files, or a stored version; and which stored decisions to evaluate."""

    model_config = ConfigDict(extra="forbid")

    files: dict[RelPath, str] | None = Field(None, min_length=1, max_length=500,
                                             description="The candidate's files by path, e.g. {'sources.yaml': ..., "
                                                         "'policy/thomas.yaml': ...}.")
    rulebase_version: str | None = Field(None, max_length=100, description="A stored version as the candidate.")
    filters: ImpactFilters = Field(default_factory=ImpactFilters, description="Which stored decisions to "
                                                                              "evaluate (default: all).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"Most decisions examined: the newest this many of those the filters select "
                                   f"(at most {MAX_LIMIT}). When more match, the report says truncated: true, "
                                   f"with how many matched and which were examined.")

    @model_validator(mode="after")
    def _one_candidate(self) -> "ImpactIn":
        if (self.files is None) == (self.rulebase_version is None):
            raise ValueError("give the candidate as files or as a stored rulebase_version (one of the two)")
        return self


@router.post("/rules/impact", response_model=ImpactWithEvidence, operation_id="assessRuleImpact", tags=["audit"],
             responses={**ERRORS, **problem(422, "The body is not valid, or the candidate rule base is not "
                                                 "(`errors` names each problem as file:line).")},
             summary="What a candidate rule base would change in the stored decisions")
async def rules_impact(store: StoreDep, current: RuleBaseDep, settings: SettingsDep, body: ImpactIn,
                       identity: RuleReader) -> Any:
    """Validates the candidate (422 with every error as file:line), then re-evaluates the stored decisions
    the filters select under it (the newest `limit` of them) and reports how many change, how, and which
    rule edits cause each change. `truncated` says when more decisions matched than were examined.
    `evidence` gives, for the techniques, approaches, roles and edited rules behind the changes, how that
    advice fared where decisions were evaluated (service/evidence)."""
    try:
        if body.files is not None:
            candidate = await run_in_threadpool(candidates.from_files, body.files)
        else:
            candidate = await run_in_threadpool(against_version, store, current, body.rulebase_version)
    except candidates.CandidateError as exc:
        where = "body.files" if body.files is not None else "body.rulebase_version"
        return unprocessable("invalid candidate rule base",
                             [{"field": f"{where}.{e['file']}" if e["file"] else where, "message": e["text"],
                               "type": "rule_base_error", "line": e["line"]} for e in exc.as_list()])
    filters = DecisionFilter(**body.filters.model_dump())

    def run() -> ImpactReport:
        with ONE_RUN:
            return run_impact(store, candidate, filters, limit=body.limit)
    report = await run_in_threadpool(run)
    # the evidence behind what it changes: how that advice fared where evaluated (service/evidence)
    found = await run_in_threadpool(evidence.of_impact, store, current, settings.rules_dir, report)
    return ImpactWithEvidence(**dict(report), evidence=found)
