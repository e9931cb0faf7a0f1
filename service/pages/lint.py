"""Authors' page: the rule analysis (`cogov rules lint`) of the rule base the service runs."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import RuleBaseError
from engine.lint import KINDS, LintConfig, LintReport, lint, load_lint_config

from . import access, backend
from .render import error_page, render

router = APIRouter()

_cache: dict[str, tuple[LintReport, str | None]] = {}   # rule base version -> report, config problem
_lock = threading.Lock()


def _config(root: str) -> tuple[LintConfig, str | None]:
    """The rule base's lint.yaml; a broken one is shown on the page, the defaults used meanwhile."""
    try:
        return load_lint_config(Path(root)), None
    except RuleBaseError as exc:
        return LintConfig(), "; ".join(str(e) for e in exc.errors)


def report_for(rulebase) -> tuple[LintReport, str | None]:
    """Lint once per rule base version (the analysis takes a second or two)."""
    with _lock:
        if rulebase.version not in _cache:
            config, problem = _config(rulebase.root)
            _cache.clear()  # only the version being served is worth keeping
            _cache[rulebase.version] = (lint(rulebase, config), problem)
        return _cache[rulebase.version]


@router.get("/rules/lint", response_class=HTMLResponse, name="rule_lint")
async def rule_lint(request: Request, show: str = "") -> Response:
    try:
        access.require(request, access.AUTHOR_ROLES)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    rulebase = backend.state(request, "rulebase")
    if rulebase is None:
        return error_page(request, 503, "No rule base", "The service has no rule base loaded.")
    report, problem = await run_in_threadpool(report_for, rulebase)
    shown = [f for f in report.findings if show == "all" or (f.severity != "off" and not f.ignored_because)]
    return render(request, "lint.html", report=report, findings=shown, kinds=KINDS, problem=problem,
                  show=show, version=rulebase.version)
