from __future__ import annotations

import os

import pytest

from .live_service import running_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium package "
                                   "(apt-get install chromium); browser tests never download a browser")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The real app (service.app:create_app) under uvicorn in a subprocess, on a loopback socket bound for
    it, in local mode, with a temporary SQLite decision log (tests/browser/live_service.py)."""
    with running_service(tmp_path_factory.mktemp("server")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    """Module-scoped on purpose: while Playwright's sync API is running, its event loop is the
    thread's running loop, and any later test calling asyncio.run() would fail."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
