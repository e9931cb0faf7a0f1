"""cogov's web pages: server-rendered Jinja2, no build step, usable without JavaScript.

``router`` is included by the app factory. Pages:

=====================  ==============================  ==================
path                   page                            roles
=====================  ==============================  ==================
GET  /                 start page                      anyone
GET  /evaluate         the context form                manager
POST /evaluate         add/remove a group, or evaluate manager
GET  /decisions/{id}   the recommendation              manager, auditor
GET  /decisions/{id}/why-not, /what-if                 manager, auditor
GET  /decisions/{id}/print, /report.pdf, /decision.json  manager, auditor
GET  /log              the decision log                auditor
GET  /log/{id}         the printable decision report   auditor
GET  /rules            the rule browser                author
GET  /rules/{id}       one rule in words               any role
POST /log/{id}/replay  replay a decision               auditor
GET  /rules/impact     impact of a rule change (POST)  author, auditor
GET  /rules/versions   versions and activations        author, auditor
POST /rules/versions/* activate directory, roll back   author
GET  /rules/versions/rollback  confirm a rollback      author
POST /log/verify       verify the log's chains now     auditor, author
GET  /rules/diff       two versions, file by file      author, auditor
GET  /rules/lint       the rule analysis (lint)        author
GET  /evidence         which advice works where        any role
GET  /evidence/{k}/{c} one technique, rule, approach   any role
GET  /decisions/{id}/outcomes  evaluations and form    manager, evaluator
POST /decisions/{id}/outcomes  record an evaluation    manager, evaluator
GET  /login, POST      keep an API token in a cookie   anyone
GET  /language         remember a language, go back    anyone
POST /logout           forget it                       anyone
GET  /static/{name}    the stylesheet                  anyone
GET  /docs, /docs/redoc  the API documentation       anyone (its assets: /docs/assets/{name})
=====================  ==============================  ==================
"""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.requests import Request as StarletteRequest

from service.deps import COOKIE

from . import access, auditor, author, lint, manager, whynot_whatif
from . import docs, evidence, export, governance, impact, language, replay, rules
from .l10n import language_dependency
from .render import STATIC_DIR, error_page, path_for, render
from .l10n import _


router = APIRouter(include_in_schema=False, dependencies=[Depends(language_dependency)])
router.include_router(manager.router)
router.include_router(whynot_whatif.router)
router.include_router(auditor.router)
router.include_router(author.router)
router.include_router(lint.router)
router.include_router(replay.router)
router.include_router(impact.router)
router.include_router(evidence.router)
router.include_router(governance.router)
router.include_router(docs.router)
router.include_router(export.router)
router.include_router(language.router)
router.include_router(rules.router)     # last: /rules/{id} after the fixed /rules/... pages

_STATIC_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,100}$")
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}


@router.get("/", response_class=HTMLResponse, name="home")
async def home(request: Request) -> Response:
    return render(request, "home.html", examples=manager.example_names())


@router.get("/static/{name}", name="static")
async def static(name: str) -> Response:
    path = STATIC_DIR / name
    suffix = path.suffix.lower()
    if not _STATIC_NAME.match(name) or ".." in name or suffix not in _STATIC_TYPES or not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type=_STATIC_TYPES[suffix],
                        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.get("/login", response_class=HTMLResponse, name="login_form")
async def login_form(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse, name="login_submit")
async def login_submit(request: Request) -> Response:
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    form = await request.form()
    token = str(form.get("token") or "").strip()
    identity = _identity_for_token(request, token) if token else None
    if identity is None:
        return render(request, "login.html", status_code=401, error="That token is not valid.")
    response = RedirectResponse(path_for(request, "home"), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/")
    return response


@router.post("/logout", name="logout")
async def logout(request: Request) -> Response:
    if not access.same_origin(request):
        return error_page(request, 403, _("Not allowed"), _("This form was sent from another site."))
    response = RedirectResponse(path_for(request, "home"), status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _identity_for_token(request: Request, token: str):
    """Ask the backend who a token belongs to, as if it came in a Bearer header."""
    scope = dict(request.scope)
    scope["headers"] = [(b"authorization", f"Bearer {token}".encode("latin-1", "replace"))]
    scope.pop("cogov.pages.identity", None)
    probe = StarletteRequest(scope)
    return access.get_identity(probe)


__all__ = ["router", "error_page"]
