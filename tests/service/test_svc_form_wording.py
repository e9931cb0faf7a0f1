"""A decision made through the web form records the language its answer was shown in and the version of the
translations used, kept in the log, as a decision made through the API does (issue 18 item 4, issue 16)."""
from __future__ import annotations

import asyncio

from svc_helpers import REPO, Who, pilot

from engine import Engine, load_rulebase
from service.log import DecisionStore
from service.pages import backend, l10n


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
