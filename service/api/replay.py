"""Replaying a stored decision: POST /decisions/{id}/replay (auditor)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from engine import Recommendation
from starlette.concurrency import run_in_threadpool

from service import candidates
from service.api.common import ERRORS, UNAVAILABLE, Auditor, JsonBodyRoute, problem
from service.deps import RuleBaseDep, StoreDep
from service.errors import Unavailable
from service.http import unprocessable
from service.replay import Comparison, ReplayReport, replay

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly


class ReplayIn(BaseModel):
    """Which other rule base to compare the decision under."""

    model_config = ConfigDict(extra="forbid")

    rulebase_version: str | None = Field(None, max_length=100, description="A stored rule base version to compare "
                                         "under (GET /rulebases); default: the rule base the service runs now.")


def against_version(store: Any, current: Any, version: str | None):
    """`current` (the serving rule base), or a stored version (never a server path: the API names versions only)."""
    if version is None or version == current.version:
        return current
    return candidates.from_store(store, version)


class ComparisonOut(Comparison):
    """The stored recommendation against the one another rule base gives, each change with the rule edits
    behind it."""

    recommendation: Recommendation | None = Field(None, description="The recommendation the other rule base "
                                                                    "gives; null when it gives none (`error`).")


class ReplayOut(ReplayReport):
    """A stored decision replayed: its integrity under its own rule base, and (`against`) its difference under
    another one."""

    against: ComparisonOut | None = Field(None, description="The comparison under the chosen rule base; null "
                                                            "when it is the decision's own.")


@router.post("/decisions/{decision_id}/replay", response_model=ReplayOut, operation_id="replayDecision",
             tags=["audit"],
             responses={**ERRORS, **problem(404, "No decision with this id."),
                        **problem(422, "The body is not valid, or names a rule base version the log does not "
                                       "hold or cannot load."), **UNAVAILABLE},
             summary="Replay a stored decision: integrity under its own rules, difference under others")
async def replay_decision(store: StoreDep, current: RuleBaseDep, decision_id: str, identity: Auditor,
                         body: ReplayIn | None = None) -> Any:
    """integrity.status says whether the decision comes out the same under its own stored rule base:
    "reproduced"; "fault" (an integrity fault) when the record does not verify in the hash chain (whatever the
    engine versions), or when the engine version that made it no longer gives the stored recommendation;
    "engine_changed" when the record verifies but the engine replaying it (integrity.replay_engine_version)
    is not the one that made it (integrity.record_engine_version) and the result differs: the differences
    are listed item by item, and they are no evidence of tampering; "not_replayable" when the stored context
    is no longer valid. `against` compares the stored recommendation with the one the chosen rule base
    gives, each change with the rule edits behind it. Nothing is logged."""
    # runs in a one-shot engine process
    version = body.rulebase_version if body else None
    try:
        against = await run_in_threadpool(against_version, store, current, version)
    except candidates.CandidateError as exc:
        return unprocessable("unknown or unusable rule base version",
                             [{"field": "body.rulebase_version", "message": str(exc), "type": "value_error"}])
    try:
        report = await run_in_threadpool(replay, store, decision_id[:100], against)
    except RuntimeError as exc:
        raise Unavailable(f"the replay did not complete: {exc}") from None
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    return report
