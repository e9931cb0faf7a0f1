"""Auditors' replay page: a stored decision re-evaluated under its own rules and under another version."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from service import candidates
from service.deps import RuleBaseDep, StoreDep
from service.replay import replay

from . import access
from .render import error_page, refusal, render
from .l10n import _

router = APIRouter()


@router.post("/log/{decision_id}/replay", response_class=HTMLResponse, name="replay_page")
async def replay_page(request: Request, store: StoreDep, current: RuleBaseDep, decision_id: str) -> Response:
    """Runs the replay (a one-shot engine process) and shows integrity, then the difference item by item."""
    if (refused := refusal(request, access.AUDIT)) is not None:
        return refused
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    form = await request.form()
    version = str(form.get("rulebase_version") or "").strip()[:100] or None
    try:
        against = current if version in (None, current.version) else \
            await run_in_threadpool(candidates.from_store, store, version)
    except candidates.CandidateError as exc:
        return error_page(request, 422, _("Unknown rule base version"), str(exc))
    try:
        report = await run_in_threadpool(replay, store, decision_id[:100], against)
    except RuntimeError as exc:
        return error_page(request, 503, _("The replay did not complete"), str(exc))
    if report is None:
        return error_page(request, 404, _("No such decision"), _("The decision log has no decision with that id."))
    versions = await run_in_threadpool(store.list_rulebases)
    return render(request, "replay.html", report=report, versions=versions, current=current.version,
                  status_code=200)
