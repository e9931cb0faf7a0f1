"""Who is asking, and which pages they may see (built on service.deps)."""
from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

# Roles of the three audiences.
MANAGER = "manager"
AUDITOR = "auditor"
AUTHOR = "author"

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
    from service.deps import identity_from_request

    try:
        identity = identity_from_request(request)
    except HTTPException:
        identity = None
    request.scope["cogov.pages.identity"] = identity
    return identity


def allowed(request: Request, roles: tuple[str, ...]) -> bool:
    identity = get_identity(request)
    if identity is None:
        return False
    from service import deps

    checker = getattr(deps, "has_role", None)
    if callable(checker):
        return any(checker(identity, r) for r in roles)
    has = getattr(identity, "has_role", None)
    if callable(has):
        return any(has(r) for r in roles)
    role = getattr(identity, "role", None)
    held = set(getattr(identity, "roles", None) or ([role] if role else []))
    return bool(held & set(roles))


def require(request: Request, roles: tuple[str, ...]) -> Any:
    identity = get_identity(request)
    if identity is None:
        raise PageDenied(401, "Sign in to see this page.")
    if not allowed(request, roles):
        raise PageDenied(403, f"This page is for the role{'s' if len(roles) > 1 else ''} "
                              f"{' or '.join(roles)}; you are signed in as {getattr(identity, 'role', '?')}.")
    return identity


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
