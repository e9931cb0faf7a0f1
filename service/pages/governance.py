"""Safer rule governance: rolling back asks for confirmation and a note; verifying the log is an action that
says when it last ran.

GET  /rules/versions/rollback?version=V   what rolling back to V means, and the form that confirms it (note
                                          required); POST /rules/versions/rollback (service/pages/author.py)
                                          refuses a rollback without both
POST /log/verify                          verify the decision log's hash chains now (decisions, activations,
                                          evaluations); the log and versions pages show the last run
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.deps import StoreDep, serving_now

from . import access, backend
from .render import error_page, path_for, refusal, render
from .l10n import _
from .wording import local_time

router = APIRouter()

VERIFIERS = access.AUDIT + access.AUTHOR_ROLES
# the last verification each decision log had from this process: id(store) -> result with when and by whom
_LAST: dict[int, dict[str, Any]] = {}


def last_verification(store: Any) -> dict[str, Any] | None:
    """The last "verify now" of this store's log in this process (None: not since the service started)."""
    return _LAST.get(id(store))


@router.post("/log/verify", name="verify_now")
async def verify_now(request: Request, store: StoreDep) -> Response:
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    if (refused := refusal(request, VERIFIERS)) is not None:
        return refused
    result = await backend.verify(store)
    identity = access.get_identity(request)
    _LAST[id(store)] = {**result, "when": local_time(datetime.now(timezone.utc)), "by": identity.name}
    back = path_for(request, "rule_versions") if request.query_params.get("back") == "versions" \
        else path_for(request, "decision_log")
    return RedirectResponse(back + "#verified", status_code=303)


async def confirm_page(request: Request, store: Any, version: str, status_code: int = 200,
                       problem: str | None = None, note: str = "") -> Response:
    """What rolling back to `version` means (the version serving now, when `version` served, how many decisions
    it made, the difference), with the form that confirms it."""
    stored = await run_in_threadpool(store.get_rulebase, version) if version and len(version) <= 100 else None
    if stored is None:
        return error_page(request, 404, _("No such version"),
                          _("There is no stored rule base version of that name: pick one from the list of versions."))
    serving = serving_now(request)
    history = await run_in_threadpool(store.list_activations)
    versions = {v["version"]: v for v in await run_in_threadpool(store.list_rulebases)}
    served = [a for a in history if a["version"] == version]
    return render(request, "rollback.html", status_code=status_code, version=version, serving=serving,
                  decisions=(versions.get(version) or {}).get("decisions", 0), served=served[-3:],
                  problem=problem, note=note, same=version == serving.version)


@router.get("/rules/versions/rollback", response_class=HTMLResponse, name="rollback_confirm")
async def rollback_confirm(request: Request, store: StoreDep, version: str = "") -> Response:
    if (refused := refusal(request, access.AUTHOR_ROLES)) is not None:
        return refused
    return await confirm_page(request, store, version)
