"""Who is asking, and which pages they may see (built on service.deps).

Nothing here renders: the refusal page and the layout every page gets
(navigation by role) are service.pages.render's, built on these answers.
"""
from __future__ import annotations

from typing import Any

from fastapi import Request

from service.auth import AUDITOR, AUTHOR, MANAGER
from service.deps import optional_identity

from .l10n import _

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
    identity = optional_identity(request)
    request.scope["cogov.pages.identity"] = identity
    return identity


def allowed(request: Request, roles: tuple[str, ...]) -> bool:
    identity = get_identity(request)
    return identity is not None and identity.has(*roles)


def require(request: Request, roles: tuple[str, ...]) -> Any:
    identity = get_identity(request)
    if identity is None:
        raise PageDenied(401, _("Sign in to see this page."))
    if not allowed(request, roles):
        said = {"roles": _(" or ").join(roles), "role": getattr(identity, "role", "?")}
        raise PageDenied(403, (_("This page is for the roles %(roles)s; you are signed in as %(role)s.")
                               if len(roles) > 1 else
                               _("This page is for the role %(roles)s; you are signed in as %(role)s.")) % said)
    return identity


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
