"""Liveness, readiness and who-am-I."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import TypeAdapter
from sqlalchemy.exc import SQLAlchemyError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api.common import ERRORS
from service.deps import ActivatorDep, StoreDep, TokensDep, identity_from_request, optional_identity, serving_now
from service.log import DatabaseError
from service.serving import replica_view
from service.schemas import HealthOut, IdentityOut, ReadinessOut

router = APIRouter()
health = APIRouter()
READY_HELP = ("200 when this service can take requests: its rule base is loaded, the decision log answers and "
              "evaluation can run; 503 otherwise. Anyone gets `status` (a load balancer has no token); an auditor's "
              "token (or local mode) also gets `checks`, saying which rule base version this replica serves and "
              "since when, and why it is not ready.")
_JSON = TypeAdapter(Any)   # times as the API's models write them (...Z)


@router.get("/me", response_model=IdentityOut, responses={401: ERRORS[401]}, summary="Who the token belongs to",
            operation_id="getCurrentCaller", tags=["service"])
async def whoami(request: Request) -> Any:
    """The name and role of the presented token: a way to check a token before using it."""
    identity = identity_from_request(request)
    return {"name": identity.name, "role": identity.role, "roles": sorted(identity.roles),
            "local_mode": identity.is_local}


@health.get("/healthz", summary="Liveness", response_model=HealthOut, operation_id="getHealth", tags=["service"])
async def healthz(tokens: TokensDep) -> Any:
    """The process answers. `mode` says whether API tokens are enforced."""
    return {"status": "ok", "mode": "local" if tokens.local_mode else "tokens"}


@health.get("/readyz", summary="Readiness", response_model=ReadinessOut, operation_id="getReadiness",
            tags=["service"], description=READY_HELP,
            responses={503: {"model": ReadinessOut, "description": "Not ready; `checks` says why (to auditors)"}})
async def readyz(request: Request, store: StoreDep, activator: ActivatorDep) -> Any:
    """Ready when the rule base is loaded, the database answers and an engine worker is alive.

    Anyone gets `status` and the code (a load balancer has no token). An auditor (or local mode, where every
    caller has every role) also gets `checks`: which rule base version this replica serves and since when,
    the log's latest activation, the workers' pids and failure counts. A token that is not an auditor's,
    unknown or expired, gets the short answer, never a 401: a probe is not refused."""
    serving = serving_now(request)   # one snapshot: the version and the workers reported belong together
    caller = optional_identity(request)
    detailed = caller is not None and caller.has("auditor")
    checks: dict[str, Any] = {"rulebase": {"ok": serving is not None, "version": serving.version}}
    latest = None
    try:
        await run_in_threadpool(store.ping)
        checks["database"] = {"ok": True}
        if detailed:
            latest = await run_in_threadpool(store.last_activation)
    except (DatabaseError, SQLAlchemyError) as exc:
        checks["database"] = {"ok": False, "error": str(exc)}
    checks["workers"] = {"ok": serving.pool.ready, **serving.pool.status()}
    ready = all(c["ok"] for c in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not ready"}
    if detailed:
        checks["rulebase"].update(replica_view(serving, latest, activator.refused))
        body["checks"] = checks
    return JSONResponse(_JSON.dump_python(body, mode="json"), status_code=200 if ready else 503)
