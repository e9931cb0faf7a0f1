"""/docs and /docs/redoc work with no internet (issue 15, item 7): Swagger UI's and ReDoc's files are served by the app
from a pinned package, and the pages reference no other host. (tests/browser/test_manager_journey.py loads them
in Chromium with every outside request refused.)"""
from __future__ import annotations

import re

import pytest

OUTSIDE = re.compile(r"""(?:src|href|spec-url|data-openapi)\s*=\s*["'](?:https?:)?//""", re.I)


@pytest.mark.parametrize("path, assets", [
    ("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")),
    ("/docs/redoc", ("redoc.standalone.js",)),
])
def test_the_api_documentation_references_no_other_host(client, path, assets):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert not OUTSIDE.search(r.text), "a script, stylesheet or spec from another host"
    assert "cdn" not in r.text.lower() and "<script>" not in r.text          # no CDN, no inline script
    csp = r.headers["content-security-policy"]
    assert "http" not in csp and "*" not in csp and "script-src 'self'" in csp
    for name in assets:
        assert f'/docs/assets/{name}"' in r.text
        asset = client.get(f"/docs/assets/{name}")
        assert asset.status_code == 200 and len(asset.content) > 100_000, name
    assert 'openapi.json"' in r.text and client.get("/openapi.json").status_code == 200


def test_swagger_ui_starts_from_a_file_without_the_public_validator(client):
    start = client.get("/static/docs.js")
    assert start.status_code == 200 and "validatorUrl: null" in start.text and "SwaggerUIBundle" in start.text


def test_only_the_packaged_files_are_served(client):
    assert client.get("/docs/assets/../../pyproject.toml").status_code == 404
    assert client.get("/docs/assets/nothing.js").status_code == 404
