"""Authors' (and auditors') impact page: what a candidate rule base would change in the stored decisions.

The candidate is one of: the rules directory as it is on disk now (where
authors edit), a stored version, or the current rule base with files
pasted or uploaded in place of (or beside) its own. It is validated first:
errors are shown as file:line and nothing is evaluated.
"""
from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from engine.approaches import APPROACHES, BY_CODE
from service import candidates, evidence
from service.impact import DEFAULT_LIMIT, MAX_LIMIT, ONE_RUN, run_impact
from service.deps import RuleBaseDep, SettingsDep, StoreDep
from service.log import DecisionFilter

from . import access
from .render import error_page, refusal, render
from .l10n import _

router = APIRouter()
ROLES = access.AUTHOR_ROLES + access.AUDIT
SOURCES = ("disk", "version", "files")
MAX_UPLOAD = 512 * 1024


def _form(values: dict[str, str] | None = None) -> dict[str, str]:
    keys = ("source", "version", "path", "text", "approach", "date_from", "date_to", "city", "limit")
    return {k: (values or {}).get(k, "") for k in keys} | {"source": (values or {}).get("source") or "disk",
                                                          "limit": (values or {}).get("limit") or str(DEFAULT_LIMIT)}


async def _page(request: Request, store: Any, settings: Any, status_code: int = 200, **extra: Any) -> Response:
    versions = await run_in_threadpool(store.list_rulebases)
    context = dict(f=_form(), errors=[], report=None, candidate=None, max_limit=MAX_LIMIT, evidence={})
    context.update(extra)
    return render(request, "impact.html", status_code=status_code, versions=versions, approaches=APPROACHES,
                  rules_dir=str(settings.rules_dir), **context)


@router.get("/rules/impact", response_class=HTMLResponse, name="impact_page")
async def impact_form(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    if (refused := refusal(request, ROLES)) is not None:
        return refused
    return await _page(request, store, settings)


@router.post("/rules/impact", response_class=HTMLResponse, name="impact_run")
async def impact_run(request: Request, store: StoreDep, settings: SettingsDep, current: RuleBaseDep) -> Response:
    if (refused := refusal(request, ROLES)) is not None:
        return refused
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    form = await request.form()
    f = _form({k: str(v) for k, v in form.items() if isinstance(v, str)})
    errors: list[str] = []
    filters = _filters(f, errors)
    limit = _limit(f, errors)
    uploads = [u for u in form.getlist("files") if isinstance(u, UploadFile) and u.filename]
    candidate = None
    if not errors:
        try:
            candidate = await _candidate(store, settings, current, f, uploads)
        except candidates.CandidateError as exc:
            errors += [str(e) for e in exc.errors]
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        return await _page(request, store, settings, 422, f=f, errors=errors)

    def run():
        with ONE_RUN:
            return run_impact(store, candidate, filters, limit=limit)
    report = await run_in_threadpool(run)
    found = await run_in_threadpool(evidence.of_impact, store, current, settings.rules_dir, report)
    return await _page(request, store, settings, f=f, report=report, candidate=candidate.version, evidence=found)


def _filters(f: dict[str, str], errors: list[str]) -> DecisionFilter:
    days: dict[str, date | None] = {}
    for key in ("date_from", "date_to"):
        try:
            days[key] = date.fromisoformat(f[key]) if f[key] else None
        except ValueError:
            days[key] = None
            errors.append(f"{key.replace('_', ' ')}: write a date as YYYY-MM-DD")
    if f["approach"] and f["approach"] not in BY_CODE:
        errors.append("approach: unknown approach")
    return DecisionFilter(date_from=days["date_from"], date_to=days["date_to"], approach=f["approach"] or None,
                          city=f["city"] or None)


def _limit(f: dict[str, str], errors: list[str]) -> int:
    try:
        limit = int(f["limit"].strip().replace(",", "").replace("_", ""))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(f"limit: a whole number of decisions from 1 to {MAX_LIMIT:,}")
    return limit


async def _candidate(store: Any, settings: Any, current: Any, f: dict[str, str], uploads: list[UploadFile]):
    """The rule base the form names; CandidateError (file:line) or ValueError (the form) when unusable."""
    if f["source"] == "disk":
        return await run_in_threadpool(candidates.from_directory, settings.rules_dir)
    if f["source"] == "version":
        if not f["version"]:
            raise ValueError("version: choose a stored version")
        return await run_in_threadpool(candidates.from_store, store, f["version"])
    if f["source"] != "files":
        raise ValueError("source: choose where the candidate comes from")
    files = dict(current.files)
    changed = 0
    if f["text"] or (f["path"] and not uploads):
        files[_relpath(f["path"])] = f["text"].replace("\r\n", "\n")
        changed += 1
    for upload in uploads:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ValueError(f"{upload.filename}: larger than {MAX_UPLOAD // 1024} KiB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{upload.filename}: not UTF-8 text") from None
        files[_upload_path(upload.filename, files, "" if f["text"] else f["path"])] = text
        changed += 1
    if not changed:
        raise ValueError("files: paste a file or upload one or more")
    return await run_in_threadpool(candidates.from_files, files)


def _relpath(path: str) -> str:
    path = path.strip()
    if not path.endswith((".yaml", ".yml")):
        raise ValueError("path: the pasted file's path in the rule base, e.g. policy/techniques.yaml")
    return path


def _upload_path(filename: str, files: dict[str, str], path: str) -> str:
    """Where an uploaded file goes: the rule base file of the same name (the one given as the path
    when several have it), else a new policy file."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    matches = [p for p in files if PurePosixPath(p).name == name]
    if len(matches) > 1:
        if path in matches:
            return path
        raise ValueError(f"{name}: several rule base files have this name ({', '.join(matches)}); "
                         "give the one you mean as the path")
    return matches[0] if matches else _relpath(f"policy/{name}")
