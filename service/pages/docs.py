"""The API's documentation pages, with no internet: Swagger UI (/docs) and ReDoc (/docs/redoc) served by the app.

Their scripts and stylesheet come from the pinned `fastapi-offline` package (a PyPI package that ships Swagger UI's
and ReDoc's built files), served under /docs/assets/; FastAPI's own pages load them from a CDN, which leaves /docs
blank without internet. The pages run no inline script (Swagger UI starts from static/docs.js) and their
Content-Security-Policy names no other host, so the browser fetches nothing from outside even if a bundle tried.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import escape

from .render import path_for, static_version

router = APIRouter()

# the files served from the package, and their types
ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
          "redoc.standalone.js": "text/javascript; charset=utf-8", "favicon.png": "image/png"}
# Swagger UI and ReDoc style with inline styles and ReDoc runs a worker from a blob: nothing from another host
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def assets_dir() -> Path | None:
    """Where the installed fastapi-offline package keeps Swagger UI's and ReDoc's files (None: not installed)."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    return Path(fastapi_offline.__file__).resolve().parent / "static"


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
            f"{head}</head>\n<body>\n{body}</body>\n</html>\n")
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff",
                                       "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"})


def _asset(request: Request, name: str) -> str:
    return escape(path_for(request, "docs_asset", name=name))


@router.get("/docs", response_class=HTMLResponse, name="swagger_ui")
async def swagger_ui(request: Request) -> Response:
    """Swagger UI: try the API from the browser."""
    spec = escape((request.scope.get("root_path", "") or "") + (request.app.openapi_url or "/openapi.json"))
    start = escape(path_for(request, "static", name="docs.js") + "?v=" + static_version())
    redoc = escape(path_for(request, "redoc_ui"))
    own_css = escape(path_for(request, "static", name="docs.css") + "?v=" + static_version())
    return _page("cogov API: Swagger UI",
                 f'<link rel="stylesheet" href="{_asset(request, "swagger-ui.css")}">\n'
                 f'<link rel="stylesheet" href="{own_css}">\n'
                 f'<link rel="icon" href="{_asset(request, "favicon.png")}">\n',
                 f'<header class="docs-head"><h1>cogov API</h1>\n'
                 f'<p><a href="{redoc}">Read the same documentation with ReDoc</a></p></header>\n'
                 f'<main><div id="swagger-ui" data-openapi="{spec}"></div></main>\n'
                 f'<script src="{_asset(request, "swagger-ui-bundle.js")}"></script>\n'
                 f'<script src="{start}"></script>\n')


@router.get("/docs/redoc", response_class=HTMLResponse, name="redoc_ui")
async def redoc_ui(request: Request) -> Response:
    """ReDoc: the API documentation to read."""
    spec = escape((request.scope.get("root_path", "") or "") + (request.app.openapi_url or "/openapi.json"))
    return _page("cogov API: ReDoc", f'<link rel="icon" href="{_asset(request, "favicon.png")}">\n',
                 f'<redoc spec-url="{spec}" hide-download-button="false"></redoc>\n'
                 f'<script src="{_asset(request, "redoc.standalone.js")}"></script>\n')


@router.get("/docs/assets/{name}", name="docs_asset")
async def docs_asset(name: str) -> Response:
    folder = assets_dir()
    if name not in ASSETS or folder is None or not (folder / name).is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(folder / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})
