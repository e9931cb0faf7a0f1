"""Who is asking, and which pages they may see (built on service.deps)."""
from __future__ import annotations

from typing import Any

from fastapi import Request

from service.auth import AUDITOR, AUTHOR, MANAGER

MANAGE = (MANAGER,)
AUDIT = (AUDITOR,)
AUTHOR_ROLES = (AUTHOR,)
READ_DECISION = (MANAGER, AUDITOR)


class PageDenied(Exception):
    def __init__(self, status_code: int, message: str):
        self.status_code = status_code
        self.message = message
        super().__init__(message)


def get_identity(request: Request) -> Any | None:
    """The caller's identity, or None when there is none (or an invalid token)."""
    cached = request.scope.get("cogov.pages.identity", False)
    if cached is not False:
        return cached
    from service.deps import optional_identity

    identity = optional_identity(request)
    request.scope["cogov.pages.identity"] = identity
    return identity


def allowed(request: Request, roles: tuple[str, ...]) -> bool:
    identity = get_identity(request)
    return identity is not None and identity.has(*roles)


def require(request: Request, roles: tuple[str, ...]) -> Any:
    identity = get_identity(request)
    if identity is None:
        raise PageDenied(401, "Sign in to see this page.")
    if not allowed(request, roles):
        raise PageDenied(403, f"This page is for the role{'s' if len(roles) > 1 else ''} "
                              f"{' or '.join(roles)}; you are signed in as {getattr(identity, 'role', '?')}.")
    return identity


def refusal(request: Request, roles: tuple[str, ...]) -> Any | None:
    """The error page for a caller who may not see a page for `roles` (401 or 403), else None."""
    try:
        require(request, roles)
    except PageDenied as denied:
        from .render import error_page   # late: render imports this module's page_context
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    return None


def page_context(request: Request) -> dict[str, Any]:
    """What every page template gets: the identity, the navigation, the rule base version."""
    from .render import path_for

    identity = get_identity(request)
    can = {"manage": allowed(request, MANAGE), "audit": allowed(request, AUDIT),
           "author": allowed(request, AUTHOR_ROLES)}
    path = request.url.path
    nav = [{"label": "Start", "href": path_for(request, "home")}]
    if can["manage"]:
        nav.append({"label": "New evaluation", "href": path_for(request, "evaluate_form")})
    if can["audit"]:
        nav.append({"label": "Decision log", "href": path_for(request, "decision_log")})
    if can["author"]:
        nav.append({"label": "Rules", "href": path_for(request, "rule_browser")})
    for item in nav:
        item["current"] = item["href"] == path
    rulebase = getattr(request.app.state, "rulebase", None)
    return {"identity": identity, "can": can, "nav": nav,
            "rulebase_version": getattr(rulebase, "version", None),
            "login_url": path_for(request, "login_form")}


def same_origin(request: Request) -> bool:
    """A form POST must come from our own pages (defence in depth next to SameSite cookies).

    Browsers send Origin (or at least Referer) with form posts; a request with
    neither is not from a browser form, so there is no cross-site risk to stop.
    """
    from urllib.parse import urlsplit

    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source != "null"
    parts = urlsplit(source)
    host = request.headers.get("host") or request.url.netloc
    return parts.netloc == host
