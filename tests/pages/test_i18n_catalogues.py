"""The interface's catalogues (service/locale): messages.pot holds every translatable string of the pages, and
every shipped language translates every one of them, keeping its placeholders and markup, each entry marked
drafted or reviewed (docs/TRANSLATING.md)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from service import i18n
from service.pages import l10n

REPO = Path(__file__).resolve().parents[2]
POT = REPO / "service" / "locale" / "messages.pot"
LANGS = [lang for lang in i18n.SUPPORTED if lang != i18n.DEFAULT]
TAG = re.compile(r"<(/?[a-z]+)((?:\s+[a-z-]+=\"[^\"]*\")*)\s*/?>")
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdrf%]")


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_the_template_holds_every_string_of_the_pages(tmp_path):
    """Extracted afresh (babel.cfg: the templates and service/pages), the strings are those of messages.pot:
    a string added to a page without `make messages` fails here."""
    out = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(REPO / "babel.cfg"),
                    "-k", "N_", "--no-location", "-o", str(out), str(REPO)], check=True, capture_output=True,
                   cwd=REPO)
    fresh, shipped = _ids(_read(out)), _ids(_read(POT))
    assert fresh - shipped == set(), "not in messages.pot: run `make messages`"
    assert shipped - fresh == set(), "no longer on any page: run `make messages`"


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_translates_every_string(lang):
    catalog = _read(l10n.po_path(lang), lang)
    assert catalog.locale_identifier == lang
    assert _ids(catalog) == _ids(_read(POT)), "run `make messages` and translate the new entries"
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(s.strip() for s in strings), f"{lang}: empty translation of {m.id!r}"
        assert not m.fuzzy, f"{lang}: fuzzy (unconfirmed) entry {m.id!r}"
        assert len(strings) == (catalog.num_plurals if m.pluralizable else 1), m.id


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_and_markup_are_kept(lang):
    catalog = _read(l10n.po_path(lang), lang)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]  # Babel's checkers
    assert problems == []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted_tags = sorted(TAG.findall(ids[-1]))
        named = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            assert sorted(TAG.findall(s)) == wanted_tags, f"{lang}: markup changed in {s!r}"
            # a plural's forms may leave the number out ("There is a problem"), never add one
            assert set(PLACEHOLDER.findall(s)) <= named, f"{lang}: unknown placeholder in {s!r}"
        if not m.pluralizable:
            assert set(PLACEHOLDER.findall(strings[0])) == set(PLACEHOLDER.findall(ids[0])) or \
                {"%(title)s"} & set(PLACEHOLDER.findall(strings[0])), f"{lang}: placeholders of {m.id!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_says_whether_a_native_speaker_reviewed_it(lang):
    path = l10n.po_path(lang)
    catalog = _read(path, lang)
    head = path.read_text(encoding="utf-8").split("msgid", 1)[0]
    assert re.search(r"^# X-Review: (drafted|reviewed)", head, re.M), "the file's review state, in its header"
    for m in catalog:
        if m.id:
            states = [c for c in m.user_comments if c.startswith(("drafted", "reviewed"))]
            assert len(states) == 1, f"{path.name} ({lang}): {m.id!r} says neither drafted nor reviewed"


@pytest.mark.parametrize("lang", LANGS)
def test_the_catalogue_is_what_the_pages_read(lang):
    catalog = _read(l10n.po_path(lang), lang)
    loaded = l10n.translations(lang)
    for m in catalog:
        if m.id and not m.pluralizable:
            assert loaded.gettext(m.id) == m.string
    assert l10n.translations("en").gettext("Your plan") == "Your plan"
