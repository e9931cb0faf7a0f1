"""Liveness, readiness and who-am-I."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api.common import ERRORS
from service.deps import StoreDep, TokensDep, identity_from_request, serving_now
from service.log import DatabaseError
from service.schemas import IdentityOut

router = APIRouter()
health = APIRouter()


@router.get("/me", response_model=IdentityOut, responses={401: ERRORS[401]}, summary="Who the token belongs to")
async def whoami(request: Request) -> Any:
    identity = identity_from_request(request)
    return {"name": identity.name, "role": identity.role, "roles": sorted(identity.roles),
            "local_mode": identity.is_local}


@health.get("/healthz", summary="Liveness")
async def healthz(tokens: TokensDep) -> Any:
    """The process answers. `mode` says whether API tokens are enforced."""
    return {"status": "ok", "mode": "local" if tokens.local_mode else "tokens"}


@health.get("/readyz", summary="Readiness", responses={503: {"description": "Not ready; `checks` says why"}})
async def readyz(request: Request, store: StoreDep) -> Any:
    """Ready when the rule base is loaded, the database answers and an engine worker is alive."""
    serving = serving_now(request)   # one snapshot: the version and the workers reported belong together
    checks: dict[str, Any] = {"rulebase": {"ok": serving is not None, "version": serving.version}}
    try:
        await run_in_threadpool(store.ping)
        checks["database"] = {"ok": True}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": str(exc)}
    checks["workers"] = {"ok": serving.pool.ready, **serving.pool.status()}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
