"""Jinja2 rendering for the pages: one environment, autoescape on everywhere."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from service.deps import serving_now

from . import access, l10n, present, wording
from .l10n import _

SERVICE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = SERVICE_DIR / "templates"
STATIC_DIR = SERVICE_DIR / "static"

# Pages are documents with no inline script or style: the policy forbids both,
# so even an escaping slip could not run injected code.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,                 # every template, whatever its name
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],  # {% trans %} and _(): the interface's catalogues (service/pages/l10n.py)
)
env.policies["ext.i18n.trimmed"] = True      # a message's line breaks and indentation are not part of it
env.install_gettext_callables(l10n.gettext, l10n.ngettext, newstyle=True, pgettext=l10n.pgettext)
env.filters["date"] = l10n.format_date
env.filters["decimal"] = l10n.format_decimal
env.globals["percent"] = l10n.format_percent
env.filters["lower"] = l10n.lower            # a label inside a sentence: German keeps its capitals
env.filters["value"] = present.fmt_value
env.filters["humanize"] = present.humanize
env.globals["answer_label"] = present.answer_label
env.globals["answer_help"] = present.answer_help
env.globals["approach_label"] = present.approach_label
env.globals.update(wording.TEMPLATE_GLOBALS)
env.filters["when"] = lambda value: wording.local_time(value)["text"]     # a stored time, read locally


def static_version() -> str:
    try:
        return str(int((STATIC_DIR / "cogov.css").stat().st_mtime))
    except OSError:
        return "0"


def path_for(request: Request, route: str, /, **params: Any) -> str:
    root = request.scope.get("root_path", "") or ""
    return root + str(request.app.url_path_for(route, **{k: str(v) for k, v in params.items()}))


def page_context(request: Request) -> dict[str, Any]:
    """What every page template gets: the identity, the navigation, the rule base version."""
    identity = access.get_identity(request)
    can = {"manage": access.allowed(request, access.MANAGE), "audit": access.allowed(request, access.AUDIT),
           "author": access.allowed(request, access.AUTHOR_ROLES)}
    path = request.url.path
    nav = [{"label": _("Start"), "href": path_for(request, "home")}]
    if can["manage"]:
        nav.append({"label": _("New evaluation"), "href": path_for(request, "evaluate_form")})
    if can["audit"]:
        nav.append({"label": _("Decision log"), "href": path_for(request, "decision_log")})
    if identity is not None:    # rules for everyone (service/pages/rules.py)
        nav.append({"label": _("Rules"), "href": path_for(request, "rule_browser")})
    if identity is not None:    # every role reads the evidence (service/pages/evidence.py)
        nav.append({"label": _("Evidence"), "href": path_for(request, "evidence_page")})
    for item in nav:
        item["current"] = item["href"] == path
    return {"identity": identity, "can": can, "nav": nav, "rulebase_version": serving_now(request).version,
            "login_url": path_for(request, "login_form"), "lang": l10n.current(),
            "languages": l10n.switcher(path, request.url.query),
            "language_url": path_for(request, "choose_language")}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = render_html(request, template, **context)
    return HTMLResponse(html, status_code=status_code, headers=page_headers())


def page_headers() -> dict[str, str]:
    """A page's headers: the security policy, and the language it is in (it depends on the request's)."""
    return {**SECURITY_HEADERS, "Content-Language": l10n.current(), "Vary": "Accept-Language, Cookie"}


def render_html(request: Request, template: str, **context: Any) -> str:
    """A template rendered with what every page gets (the PDF of a decision is made from such a text),
    in the request's language (service/i18n.py negotiates it)."""
    l10n.use_request(request)
    ctx = page_context(request)
    ctx.update(context)
    ctx.setdefault("url", lambda route, /, **p: path_for(request, route, **p))
    ctx.setdefault("static_url", lambda name: path_for(request, "static", name=name) + "?v=" + static_version())
    # the words of the serving rule base's catalogue (service/pages/wording.py), for every template
    rulebase = serving_now(request).rulebase
    ctx.setdefault("words", wording.words_for(rulebase))
    ctx.setdefault("participants_in_order", lambda rec: wording.participants_in_order(rec, rulebase))
    ctx.setdefault("rule_titles", wording.rule_titles(rulebase))
    return env.get_template(template).render(**ctx)


def error_page(request: Request, status_code: int, heading: str, message: str,
               details: list[str] | None = None) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, heading=heading, message=message,
                  details=details or [])


def refusal(request: Request, roles: tuple[str, ...]) -> HTMLResponse | None:
    """The error page for a caller who may not see a page for `roles` (401 or 403), else None."""
    try:
        access.require(request, roles)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, _("Not allowed"), denied.message)
    return None


def misdirected_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """The error page for a request refused before any route ran because of its Host header
    (service.http.HostCheckMiddleware). It is rendered for no one: a page from another site
    must not learn who the local user is or which pages they may open."""
    request.scope["cogov.pages.identity"] = None    # access.get_identity's cache: nobody is signed in
    return render(request, "error.html", status_code=status_code, heading=_("Wrong address"),
                  message=message[:1].upper() + message[1:], details=[], rulebase_version=None)
