"""The app factory: everything `cogov serve` runs, assembled from Settings.

Order matters and fails early: tokens, then the rule base (loaded and
validated once: errors stop startup with file:line), then the decision log
(migrated, and the rule base version stored), then the served snapshot
(service.serving; what serves after a restart is COGOV_RULES_AT_START).
Engine workers start with the app's lifespan, so building an app in a test
costs no processes until used.
"""
from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import make_url

from engine import ENGINE_VERSION, load_rulebase
from service import api
from service.auth import TokenRegistry
from service.errors import install_error_handlers
from service.http import (AllowHeaderMiddleware, BodyLimitMiddleware, HostCheckMiddleware, LocalModeMiddleware,
                          OriginMiddleware, SecurityHeadersMiddleware, JsonBodyMiddleware, cors_options)
from service.log import DecisionStore
from service.log.group_commit import GroupCommit
from service.openapi import build_openapi
from service.replicas import ReplicaSync
from service.settings import Settings
from service.serving import Activator, startup_rulebase
from service.workers import CheckTarget, WorkerTarget

log = logging.getLogger("cogov.app")

LOCAL_MODE_BANNER = ("LOCAL MODE: no API tokens are configured (COGOV_TOKENS / COGOV_TOKENS_FILE), so every "
                     "caller has every role. The service only binds to loopback in this mode, and answers only "
                     "requests addressed to a loopback name (localhost, 127.0.0.1, [::1]) or to COGOV_ALLOWED_HOSTS.")


class LocalModeError(RuntimeError):
    """Local mode (no tokens) was asked to listen beyond loopback."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _lifespan(app: FastAPI):
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if app.state.tokens.local_mode:
            log.warning(LOCAL_MODE_BANNER)
        await app.state.activator.start()
        await app.state.replicas.start()
        try:
            yield
        finally:
            await app.state.replicas.close()
            await app.state.activator.close()
            app.state.store.close()
    return lifespan


def _include_pages(app: FastAPI):
    """The HTML pages live in service.pages (built separately); serve them when present.
    Returns the pages' error page and the page for a request refused by its Host header, or Nones."""
    try:
        from service import pages
        from service.pages.render import error_page, misdirected_page
    except ModuleNotFoundError as exc:
        if exc.name != "service.pages":
            raise
        return None, None
    app.include_router(pages.router)
    return error_page, misdirected_page


def create_app(settings: Settings | None = None, *, watch_rules: bool = False,
               worker_target: WorkerTarget | None = None, check_target: CheckTarget | None = None) -> FastAPI:
    """Build the service. Raises TokenConfigError, LocalModeError, RuleBaseError or DatabaseError.

    `watch_rules` activates the rules directory whenever its files change
    (`cogov serve --watch-rules`): local mode only, as the watch activates as
    the local author, bypassing roles. `worker_target` replaces the engine worker's entry point (tests use it to
    slow or crash workers on purpose); `check_target` replaces the rule base
    check's (tests use it to make a check hang).
    """
    settings = settings or Settings.from_env()
    tokens = TokenRegistry.from_settings(settings.tokens_file, settings.tokens)
    if tokens.local_mode and not is_loopback(settings.host):
        raise LocalModeError(f"refusing to listen on {settings.host} in local mode (no API tokens configured): "
                             "configure COGOV_TOKENS or COGOV_TOKENS_FILE, or bind to 127.0.0.1")
    if watch_rules and not tokens.local_mode:
        raise LocalModeError("--watch-rules is for development and needs local mode (no API tokens)")
    # rule errors in the directory stop startup before the log is opened
    directory = load_rulebase(settings.rules_dir) if settings.rules_at_start == "directory" else None
    store = DecisionStore(settings.database_url, privacy=settings.privacy)
    try:
        rulebase, note = startup_rulebase(settings, store, directory)
        store.store_rulebase(rulebase.version, rulebase.files)
    except Exception:
        store.close()
        raise

    # /docs and /redoc are served from the app's own files, not a CDN (service/pages/docs.py)
    app = FastAPI(title="cogov", version=ENGINE_VERSION, docs_url=None, redoc_url=None,
                  description="Who should take part in which decision, with how much power, and why. "
                              "Every recommendation is written to a hash-chained decision log.")
    app.router.lifespan_context = _lifespan(app)
    app.state.settings = settings
    app.state.tokens = tokens
    app.state.store = store
    app.state.log_writer = GroupCommit(store)
    # the activator holds the served (rule base, pool) snapshot; requests lease it through service.deps
    app.state.activator = Activator(store, settings, worker_target=worker_target, check_target=check_target)
    try:
        app.state.activator.prepare(rulebase, note)
    except Exception:
        store.close()
        raise
    # replicas on one log serve its latest activation (LISTEN/NOTIFY on PostgreSQL, a periodic check everywhere)
    app.state.replicas = ReplicaSync(app.state.activator, store, settings)
    if watch_rules:
        app.state.activator.watch(settings.rules_dir)
    app.add_middleware(AllowHeaderMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes, timeout=settings.request_timeout)
    app.add_middleware(JsonBodyMiddleware)
    app.include_router(api.health)
    app.include_router(api.router)
    error_page, misdirected_page = _include_pages(app)
    install_error_handlers(app, error_page)   # every error a route lets go: JSON for the API, a page elsewhere
    # A web page of another origin may not send anything but GET, HEAD and OPTIONS, in either mode; CORS
    # answers the allowed origins only (service.http.OriginMiddleware, outside it).
    if settings.allowed_origin_set:
        app.add_middleware(CORSMiddleware, **cors_options(settings.allowed_origin_set))
    app.add_middleware(OriginMiddleware, allowed=settings.allowed_origin_set, page_error=None if error_page is None
                       else lambda request, status, detail: error_page(request, status, "Not allowed",
                                                                       detail[:1].upper() + detail[1:]))
    # The Host check (against DNS rebinding) stands outside the routes and the body handling but inside the
    # headers, so a refusal carries the security headers and the local-mode marker too. Local mode always
    # checks (every caller there has every role); with tokens, a token is the protection and the check is
    # on only when the operator names the hosts (COGOV_ALLOWED_HOSTS), so proxies keep working by default.
    if tokens.local_mode or settings.allowed_host_names:
        app.add_middleware(HostCheckMiddleware, allowed=settings.allowed_host_names, page_error=misdirected_page)
    app.add_middleware(SecurityHeadersMiddleware)
    if tokens.local_mode:
        app.add_middleware(LocalModeMiddleware)
    app.openapi = build_openapi(app)   # the contract integrators generate clients from (service/openapi.py)
    return app


def announcement(app: FastAPI) -> str:
    """What `cogov serve` prints before it listens: the local-mode banner, then what serves where."""
    settings, serving = app.state.settings, app.state.activator.current
    lines = ["*" * 78, LOCAL_MODE_BANNER, "*" * 78] if app.state.tokens.local_mode else []
    lines.append(f"cogov: rule base {serving.version} ({serving.rulebase.rule_count} rules), log "
                 f"{make_url(settings.database_url).render_as_string(hide_password=True)}, {settings.workers} engine "
                 f"worker(s), http://{settings.host}:{settings.port}/docs")
    return "\n".join(lines)
