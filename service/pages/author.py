"""Authors' pages: rule base versions (history, diff of any two, activate, roll back)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.deps import ActivatorDep, SettingsDep, StoreDep, serving_now
from service.errors import refusal_status
from service.rulebase_diff import diff_rulebases
from service.serving import ActivationRefused

from . import access
from .governance import confirm_page, last_verification
from .render import error_page, path_for, refusal, render
from .l10n import _

router = APIRouter()

# The rule browser (/rules) and each rule's page (/rules/{id}) are for every role: service/pages/rules.py.


# -- rule base versions: history, diff, activate from the directory, rollback (service/serving.py) ------------
VERSION_READERS = access.AUTHOR_ROLES + access.AUDIT


def _denied(request: Request, roles: tuple[str, ...]) -> Response | None:
    if (refused := refusal(request, roles)) is not None:
        return refused
    return None


async def _versions_page(request: Request, store: Any, settings: Any, status_code: int = 200, refused: Any = None,
                         done: str | None = None) -> Response:
    history = await run_in_threadpool(store.list_activations)
    versions = await run_in_threadpool(store.list_rulebases)
    serving = serving_now(request)   # after an activation, the version serving now (not the one it started on)
    served = {a["version"] for a in history}
    return render(request, "versions.html", status_code=status_code, serving=serving, history=history,
                  verified=last_verification(store),
                  versions=[{**v, "served": v["version"] in served} for v in versions], refused=refused,
                  done=done, may_activate=access.allowed(request, access.AUTHOR_ROLES),
                  rules_dir=str(settings.rules_dir))


@router.get("/rules/versions", response_class=HTMLResponse, name="rule_versions")
async def rule_versions(request: Request, store: StoreDep, settings: SettingsDep, done: str = "") -> Response:
    if (denied := _denied(request, VERSION_READERS)) is not None:
        return denied
    return await _versions_page(request, store, settings, done=done[:200] or None)


async def _activation(request: Request, activator: Any, store: Any, settings: Any, run) -> Response:
    """Run an activation from a form; refused: the page again with every error (422)."""
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    if (denied := _denied(request, access.AUTHOR_ROLES)) is not None:
        return denied
    identity = access.get_identity(request)
    form = await request.form()
    try:
        out = await run(activator, identity.name, form)
    except ActivationRefused as refused:
        return await _versions_page(request, store, settings, status_code=refusal_status(refused), refused=refused)
    done = f"{out['version']} is serving" if out["changed"] else f"{out['version']} was already serving"
    return RedirectResponse(path_for(request, "rule_versions") + "?" + urlencode({"done": done}), status_code=303)


@router.post("/rules/versions/activate", name="rule_activate")
async def rule_activate(request: Request, activator: ActivatorDep, store: StoreDep,
                        settings: SettingsDep) -> Response:
    return await _activation(request, activator, store, settings, lambda activator, who, form: activator.activate_directory(
        who, note=str(form.get("note") or "").strip()[:500] or None))


@router.post("/rules/versions/rollback", name="rule_rollback")
async def rule_rollback(request: Request, activator: ActivatorDep, store: StoreDep,
                        settings: SettingsDep) -> Response:
    """Roll back only when confirmed, with a note saying why (service/pages/governance.py shows what it means)."""
    if access.same_origin(request) and access.allowed(request, access.AUTHOR_ROLES):  # else refused below
        form = await request.form()
        version, note = str(form.get("version") or "")[:100], str(form.get("note") or "").strip()[:500]
        if form.get("confirm") != "yes" or not note:
            missing = "Write a note saying why you roll back" if not note else "Confirm the rollback"
            return await confirm_page(request, store, version, 422, problem=f"{missing}: the note is kept in the "
                                      "activation history, for the authors and auditors after you.", note=note)
    return await _activation(request, activator, store, settings, lambda activator, who, form: activator.rollback(
        str(form.get("version") or "")[:100], who, note=str(form.get("note") or "").strip()[:500] or None))


@router.get("/rules/diff", response_class=HTMLResponse, name="rule_diff")
async def rule_diff(request: Request, store: StoreDep, a: str = "", b: str = "") -> Response:
    if (denied := _denied(request, VERSION_READERS)) is not None:
        return denied
    found = {}
    for version in (a, b):
        stored = await run_in_threadpool(store.get_rulebase, version) if version else None
        if stored is None:
            return error_page(request, 404, _("No such version"),
                              _("No stored rule base version %(version)r: pick two from the list of versions.") % {"version": version})
        found[version] = stored.files
    files = diff_rulebases(found[a], found[b], a, b)
    for f in files:
        f["lines"] = [("add" if line.startswith("+") and not line.startswith("+++") else
                       "del" if line.startswith("-") and not line.startswith("---") else
                       "hunk" if line.startswith("@@") else "ctx", line.rstrip("\n"))
                      for line in f["diff"].splitlines()]
    return render(request, "diff.html", a=a, b=b, changed=[f for f in files if f["status"] != "same"],
                  unchanged=[f["path"] for f in files if f["status"] == "same"])
