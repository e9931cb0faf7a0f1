"""Every shipped language covers every shipped text of the rule base (issue 18, item 3), none stale, each entry
drafted or reviewed: the languages the service offers (service/i18n.py) are the rule base's translations.

While a language is incomplete this test fails and names what is left (`cogov rules translations --missing
LANG` lists it, file:line by file:line): the words of that language fall back to English text by text."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import load_rulebase
from service.i18n import DEFAULT, SUPPORTED

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = [lang for lang in SUPPORTED if lang != DEFAULT]


@pytest.fixture(scope="module")
def translations():
    return load_rulebase(REPO / "rules").catalogue.translations


def test_the_shipped_languages_are_the_services(translations):
    assert set(translations.languages) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_translated_and_up_to_date(translations, lang):
    missing = translations.missing(lang)
    stale = translations.stale(lang)
    orphans = translations.orphans(lang)
    said = [f"{s.file}:{s.line or 1}: {s.key}" for s in missing[:10]] + \
        [f"{e.file}:{e.line or 1}: {e.key} (stale)" for e, _ in stale[:10]] + \
        [f"{e.file}:{e.line or 1}: {e.key} (names no text)" for e in orphans[:10]]
    assert not (missing or stale or orphans), (
        f"{lang}: {len(missing)} missing, {len(stale)} stale, {len(orphans)} orphaned of "
        f"{len(translations.sources)} texts (cogov rules translations --missing {lang}):\n" + "\n".join(said))
    entries = translations.entries[lang]
    assert {e.status for e in entries.values()} <= {"drafted", "reviewed"}
