"""Authors' page: the rule analysis (`cogov rules lint`) of the rule base the service runs."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import RuleBaseError
from engine.lint import KINDS, LINT_FILE, LintConfig, LintReport, lint, load_lint_config
from service.deps import RuleBaseDep, SettingsDep

from . import access
from .render import refusal, render

router = APIRouter()

_cache: dict[tuple, tuple[LintReport, str | None]] = {}   # (version, lint.yaml state) -> report, problem
_lock = threading.Lock()


def _config(root: Path) -> tuple[LintConfig, str | None]:
    """The rule base's lint.yaml; a broken one is shown on the page, the defaults used meanwhile."""
    try:
        return load_lint_config(root), None
    except RuleBaseError as exc:
        return LintConfig(), "; ".join(str(e) for e in exc.errors)


def report_for(rulebase, config_root: str | Path | None = None) -> tuple[LintReport, str | None]:
    """Lint once per rule base version and lint.yaml (the analysis takes a second or two).

    lint.yaml is not one of a version's files: it lives in the rules directory
    (`config_root`). A version activated by upload or hot reload is loaded from
    a temporary directory that is gone by now, so its `root` has no lint.yaml.
    """
    root = Path(config_root if config_root is not None else rulebase.root)
    try:
        stat = (root / LINT_FILE).stat()
        state = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        state = None
    key = (rulebase.version, str(root), state)
    with _lock:
        if key not in _cache:
            config, problem = _config(root)
            _cache.clear()  # only the version being served is worth keeping
            _cache[key] = (lint(rulebase, config), problem)
        return _cache[key]


@router.get("/rules/lint", response_class=HTMLResponse, name="rule_lint")
async def rule_lint(request: Request, rulebase: RuleBaseDep, settings: SettingsDep, show: str = "") -> Response:
    if (refused := refusal(request, access.AUTHOR_ROLES)) is not None:
        return refused
    report, problem = await run_in_threadpool(report_for, rulebase, settings.rules_dir)
    shown = [f for f in report.findings if show == "all" or (f.severity != "off" and not f.ignored_because)]
    return render(request, "lint.html", report=report, findings=shown, kinds=KINDS, problem=problem,
                  show=show, version=rulebase.version)
