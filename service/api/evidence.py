"""Evaluations and evidence: POST/GET /decisions/{id}/outcomes, GET /evidence/..., the open data export.

Who may call what:
  POST /decisions/{id}/outcomes      manager (own decisions), evaluator (any)
  GET  /decisions/{id}/outcomes      manager (own), auditor, evaluator
  GET  /evidence, /evidence/{kind}/{code}, /evidence/export(.csv)   any role
Evidence is aggregate and the export de-personalised (service/evidence/export.py), so every role reads them.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service import evidence
from service.api.common import ERRORS, UNAVAILABLE, Anyone, JsonBodyRoute, problem
from service.api.idempotency import REPLAYED, REPLAYED_DOC, IdempotencyKey, earlier, fingerprint
from service.auth import AUDITOR, EVALUATOR, MANAGER
from service.deps import Identity, RuleBaseDep, SettingsDep, StoreDep, require_roles
from service.errors import Unavailable
from service.evidence import export
from service.evidence.schemas import (EvaluationIn, EvaluationListOut, EvaluationOut, EvidenceOut,
                                     EvidenceOverviewOut, ExportOut)
from service.http import unprocessable
from service.log import DatabaseError, LogError
from service.log.evaluations import UnknownDecision

router = APIRouter(route_class=JsonBodyRoute, tags=["evidence"])   # its bodies read strictly
Recorder = Annotated[Identity, Depends(require_roles(MANAGER, EVALUATOR))]
OutcomeReader = Annotated[Identity, Depends(require_roles(MANAGER, AUDITOR, EVALUATOR))]
NOT_FOUND = problem(404, "No decision with this id, or (reading, for a manager) not one of the caller's own.")


@router.post("/decisions/{decision_id}/outcomes", status_code=201, response_model=EvaluationOut,
             operation_id="recordOutcome",
             responses={201: {"headers": REPLAYED_DOC}, **ERRORS, **NOT_FOUND, **UNAVAILABLE,
                        **problem(422, "The evaluation is not valid: `errors` names each bad field (an unknown "
                                       "code, a negative count, a score out of 1-5, a group not in the context, "
                                       "an item the recommendation does not have), or the Idempotency-Key was "
                                       "used with another body.")},
             summary="Record what happened after a decision (an evaluation)")
async def record_outcome(request: Request, store: StoreDep, rulebase: RuleBaseDep, decision_id: str,
                         body: EvaluationIn, identity: Recorder, idempotency_key: IdempotencyKey = None) -> Any:
    """Appends an evaluation to the hash-chained log: what was done (techniques used, who took part, recruited
    how, cost, duration), which recommended items were followed, dropped or added and why, and scores 1-5 on
    Rowe & Frewer's criteria and the OECD's stages. 404 for an unknown decision, 403 for another manager's,
    422 naming the field for an unknown code, a group not in the context, an item the recommendation does not
    have, or a statement that contradicts techniques_used or groups. With an `Idempotency-Key`, a retry gets
    the first answer again and records nothing new. (403, not the readers' 404, because issue 17 asks for it:
    it tells only that the random id exists, naming neither the decision's manager nor its content;
    docs/EVIDENCE.md.)"""
    keyed = None
    if idempotency_key is not None:
        print_ = await fingerprint(request)
        found = await earlier(store, identity.name, idempotency_key, print_)
        if found is not None:
            return found if isinstance(found, Response) else await _recorded_again(store, found)
        keyed = {"caller_name": identity.name, "key": idempotency_key, "fingerprint": print_}
    record = await run_in_threadpool(store.get, decision_id[:100])
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    if not evidence.may_record(identity, record):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"decision {decision_id} was made by another manager: "
                                                       "only its manager or an evaluator records its outcomes")
    errors = evidence.validate(body, record, rulebase)
    if errors:
        return unprocessable("invalid evaluation", [{**e, "field": f"body.{e['field']}"} for e in errors])
    try:
        stored = await run_in_threadpool(lambda: store.evaluations.record(
            decision_id=record.id, identity=identity, evaluation=evidence.body_of(body), idempotency=keyed))
    except UnknownDecision:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}") from None
    except (SQLAlchemyError, DatabaseError, LogError):
        if keyed is not None:   # a concurrent request with the same key was recorded first: this one is its retry
            found = await earlier(store, identity.name, keyed["key"], keyed["fingerprint"])
            if found is not None:
                return found if isinstance(found, Response) else await _recorded_again(store, found)
        raise Unavailable("the evaluation could not be written to the decision log; retry later") from None
    return JSONResponse(evidence.view(stored, record), status_code=201,
                        headers={"Location": f"/api/v1/decisions/{record.id}/outcomes"})


async def _recorded_again(store: Any, found: dict[str, Any]) -> Response:
    """The answer the evaluation an Idempotency-Key names was given, once more."""
    evaluation_id = json.loads(found["response"])["evaluation_id"]
    record = await run_in_threadpool(store.get, found["decision_id"])
    stored = next((e for e in await run_in_threadpool(store.evaluations.for_decision, found["decision_id"])
                   if e.id == evaluation_id), None)
    if record is None or stored is None:   # written in the key's transaction: gone only if the log was cut
        raise Unavailable(f"the evaluation {evaluation_id} this Idempotency-Key names is not in the log")
    return JSONResponse(evidence.view(stored, record), status_code=201,
                        headers={"Location": f"/api/v1/decisions/{record.id}/outcomes", REPLAYED: "true"})


@router.get("/decisions/{decision_id}/outcomes", response_model=EvaluationListOut, operation_id="listOutcomes",
            responses={**ERRORS, **NOT_FOUND}, summary="The evaluations of a decision")
async def list_outcomes(store: StoreDep, decision_id: str, identity: OutcomeReader) -> Any:
    """Managers read their own decisions' evaluations (another's is 404, as for the decision itself);
    auditors and evaluators read all."""
    record = await run_in_threadpool(store.get, decision_id[:100])
    if record is None or not (identity.has(AUDITOR, EVALUATOR) or record.caller_name == identity.name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id}")
    # as the log holds them (a field declared personal may hold its commitment): answered as they are
    return JSONResponse({"decision_id": record.id,
                         "evaluations": await run_in_threadpool(evidence.views_for, store, record)})


@router.get("/evidence", response_model=EvidenceOverviewOut, operation_id="evidenceOverview", responses=ERRORS,
            summary="Evidence for every technique, rule, approach and role in the log")
async def evidence_overview(store: StoreDep, rulebase: RuleBaseDep, settings: SettingsDep, identity: Anyone) -> Any:
    """Each technique, rule, approach and role recommended in the log (or used unrecommended), most
    recommended first: recommended, evaluated, followed and dropped counts, and the overall score where the
    advice was followed and where not."""
    return await run_in_threadpool(evidence.overview, store, rulebase, settings.rules_dir)


_WHAT = ("Counts (recommended, evaluated, followed), scores where followed and where not with n and 95% "
         "intervals, broken down by context; nothing is a finding below min_evaluations.")
_NO_SUCH = problem(404, "Nothing of this kind has this code, in the rule base or the log.")
# one route per kind of evidence: (kind, path segment, path parameter, operation id, summary)
EVIDENCE_ROUTES = (
    ("technique", "techniques", "code", "techniqueEvidence", "The evidence about a technique"),
    ("rule", "rules", "rule_id", "ruleEvidence", "The evidence about a rule's advice"),
    ("approach", "approaches", "code", "approachEvidence", "The evidence about an approach"),
    ("role", "roles", "code", "roleEvidence", "The evidence about a participant role"),
)


def _evidence_of(kind: str, parameter: str) -> Callable[..., Awaitable[Any]]:
    """The handler of GET /evidence/{kind's segment}/{parameter}."""
    async def evidence_of(store: StoreDep, rulebase: RuleBaseDep, settings: SettingsDep, code: str,
                          identity: Anyone) -> Any:
        found = await run_in_threadpool(evidence.evidence_for, store, rulebase, settings.rules_dir, kind, code[:200])
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {code!r} in the rule base or the log")
        return found
    # the path parameter keeps its published name (rule_id for a rule); a resolved annotation, not a string
    evidence_of.__annotations__["code"] = Annotated[str, Path(alias=parameter)]
    evidence_of.__name__ = f"{kind}_evidence"
    return evidence_of


for _kind, _segment, _parameter, _operation, _summary in EVIDENCE_ROUTES:
    router.add_api_route(f"/evidence/{_segment}/{{{_parameter}}}", _evidence_of(_kind, _parameter), methods=["GET"],
                         operation_id=_operation, summary=_summary, description=_WHAT, response_model=EvidenceOut,
                         responses={**ERRORS, **_NO_SUCH})


_EXPORT_NOTE = ("Coded fields only: no free text (names, city, notes, reasons), group ids as g1, g2...; each "
                "record says whether it is synthetic (test or demonstration data). Codebook: docs/EVIDENCE.md.")


@router.get("/evidence/export", operation_id="exportEvaluations", response_model=ExportOut, responses=ERRORS,
            summary="Open data: every evaluation with its decision, de-personalised, as JSON", description=_EXPORT_NOTE)
async def export_evaluations(store: StoreDep, identity: Anyone) -> Any:
    data = await run_in_threadpool(export.as_json, store)
    return JSONResponse(data, headers={"Content-Disposition": 'inline; filename="cogov-evaluations.json"'})


@router.get("/evidence/export.csv", operation_id="exportEvaluationsCsv", response_class=Response,
            responses={**ERRORS, 200: {"description": "One row per evaluation, its columns in docs/EVIDENCE.md.",
                                       "content": {"text/csv": {"schema": {"type": "string"}}}}},
            summary="Open data: every evaluation with its decision, de-personalised, as CSV", description=_EXPORT_NOTE)
async def export_evaluations_csv(store: StoreDep, identity: Anyone) -> Response:
    text = await run_in_threadpool(export.as_csv, store)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="cogov-evaluations.csv"',
                             "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"})
