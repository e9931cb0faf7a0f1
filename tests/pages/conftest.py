"""The pages are tested through the real app (service.app.create_app) on a temporary SQLite log."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import hash_token
from service.settings import Settings

REPO = Path(__file__).resolve().parents[2]

# name -> (role, token) for the app with tokens configured
USERS = {"mara": ("manager", "tok-mara"), "milo": ("manager", "tok-milo"), "aldo": ("auditor", "tok-aldo"),
         "ada": ("author", "tok-ada")}


def make_settings(tmp: Path, **extra) -> Settings:
    """TestClient sends `Host: testserver`: allowed as an operator would (COGOV_ALLOWED_HOSTS), since
    local mode refuses every Host that is not a loopback name."""
    values = dict(database_url=f"sqlite:///{tmp / 'log.db'}", rules_dir=REPO / "rules", workers=1,
                  allowed_hosts="testserver")
    return Settings(**{**values, **extra})


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Local mode: the one local user holds every role."""
    return create_app(make_settings(tmp_path_factory.mktemp("pages")))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:        # runs the lifespan: engine workers start
        yield c


@pytest.fixture(scope="module")
def rulebase(app):
    return app.state.activator.current.rulebase


@pytest.fixture(scope="module")
def token_client(tmp_path_factory):
    """An app with API tokens: each user has one role."""
    tokens = ",".join(f"{name}:{role}:{hash_token(token)}" for name, (role, token) in USERS.items())
    app = create_app(make_settings(tmp_path_factory.mktemp("pages-tokens"), tokens=tokens))
    with TestClient(app) as c:
        yield c
