"""The language switcher's target: GET /language?lang=de&next=/decisions/... remembers the choice in a cookie
and goes back to the page. A link, so it works without script; the cookie holds a language code only."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service import i18n

from .l10n import _
from .render import error_page, path_for

router = APIRouter()


def _local_target(request: Request, target: str) -> str:
    """Where to go back to: a path on this site (never another host), without the lang parameter, which
    would otherwise override the remembered choice on every later link."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return path_for(request, "home")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return parts.path + ("?" + query if query else "")


@router.get("/language", name="choose_language")
async def choose_language(request: Request, lang: str = "", next: str = "") -> Response:
    chosen = i18n.supported(lang)
    if chosen is None:
        return error_page(request, 400, _("Unknown language"),
                          _("Choose one of: %(languages)s.") % {"languages": ", ".join(i18n.NAMES.values())})
    response = RedirectResponse(_local_target(request, next), status_code=303)
    response.set_cookie(i18n.COOKIE, chosen, max_age=i18n.COOKIE_MAX_AGE, samesite="lax", path="/",
                        secure=request.url.scheme == "https", httponly=True)
    return response
