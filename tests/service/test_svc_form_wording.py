"""A decision made through the web form records the language its answer was shown in and the version of the
translations used, kept in the log, as a decision made through the API does (issue 18 item 4, issue 16)."""
from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from svc_helpers import REPO, Who, pilot, settings_for

from engine import Engine, load_rulebase
from service.app import create_app
from service.log import DecisionStore
from service.pages import backend, l10n
from tests.pages.helpers import evaluate, genoa


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The shipped rule base (with its translations) in local mode: every caller has every role."""
    tmp = tmp_path_factory.mktemp("form-wording")
    app = create_app(settings_for(tmp, rules_dir=REPO / "rules", workers=1))
    with TestClient(app, follow_redirects=False) as c:
        yield c


def test_form_decision_records_the_page_language_and_keeps_its_translations(client):
    client.cookies.set("cogov_lang", "el")
    try:
        decision_id = evaluate(client, genoa())
    finally:
        client.cookies.delete("cogov_lang")
    store = client.app.state.store
    stored = store.get(decision_id)
    served = client.app.state.activator.current.rulebase.catalogue.translations
    assert (stored.language, stored.translations) == ("el", served.version)
    assert store.get_translations(served.version) == served.files
    api = store.get(client.post("/api/v1/recommendations?lang=el", json=genoa()).json()["decision_id"])
    assert (api.language, api.translations) == (stored.language, stored.translations)    # as the API's
    english = store.get(evaluate(client, genoa()))
    assert (english.language, english.translations) == ("en", None)


def test_backend_record_says_the_page_language(tmp_path):
    rulebase = load_rulebase(REPO / "rules")
    engine = Engine(rulebase, backend="python")
    try:
        rec = engine.evaluate(pilot("athens"))
    finally:
        engine.close()
    store = DecisionStore(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        store.store_rulebase(rulebase.version, rulebase.files)

        async def made_in(lang: str):
            l10n.use(lang)
            return await backend.record(store, Who("alice"), pilot("athens"), rec, rulebase.catalogue)
        greek, english = asyncio.run(made_in("el")), asyncio.run(made_in("en"))
        version = rulebase.catalogue.translations.version
        assert (greek.language, greek.translations) == ("el", version)
        assert store.get_translations(version) == rulebase.catalogue.translations.files
        assert (english.language, english.translations) == ("en", None)
        assert store.verify().ok
    finally:
        store.close()
