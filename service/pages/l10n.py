"""The interface's words in the reader's language: gettext catalogues (service/locale/<lang>/LC_MESSAGES/
messages.po), read by Babel, and dates and numbers formatted by Babel for that language.

The .po files are the only form the catalogues are kept in: each is read once, on first use, with Babel's
read_po and turned into a gettext catalogue in memory (docs/TRANSLATING.md gives the cost measured), so no
compiled .mo binary is committed or has to be rebuilt after a city corrects a translation. The language of the request being answered is held in a
context variable, set by the pages' router (language_dependency) and by render_html, so Python code that
words a page (labels, messages) and the templates (Jinja2's i18n extension) speak the same language.
Rule-generated text (the catalogue's terms, the engine's words) is not here: it has its own translations.
"""
from __future__ import annotations

import gettext as _gettext
import io
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

from service import i18n

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("cogov_interface_lang", default=i18n.DEFAULT)


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of one language, read from its .po file (English, and a language without a file: none,
    so the English source is shown). A fuzzy entry (a guess left by a merge) is not used, as gettext would
    not: its English source is shown until someone confirms it."""
    path = po_path(lang)
    if lang == i18n.DEFAULT or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def current() -> str:
    return _current.get()


def use(lang: str) -> None:
    """Answer in `lang` from here on in this request (its task or thread: a context variable)."""
    _current.set(lang if lang in i18n.SUPPORTED else i18n.DEFAULT)


def use_request(request: Any) -> str:
    lang = i18n.for_request(request)
    use(lang)
    return lang


async def language_dependency(request: Request) -> None:
    """The pages' router dependency: async, so the language it sets is seen by the route in the same task
    (and copied into the thread of a sync route)."""
    use_request(request)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current()).pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined (a module-level label); it is translated where it
    is shown, with _()."""
    return message


def lower(text: Any) -> Any:
    """A label lowered to sit inside a sentence, as the templates' `lower` filter: German keeps its nouns'
    capitals (engine.words.Words.lower says the same for the rule base's words)."""
    return text if current() == "de" else text.lower()


def locale() -> Locale:
    return Locale.parse(current())


def format_date(value: date | datetime, format: str = "long") -> str:
    return babel_dates.format_date(value, format=format, locale=current())


def format_datetime(value: datetime, format: str = "medium") -> str:
    return babel_dates.format_datetime(value, format=format, locale=current())


def format_decimal(value: float | int, format: str | None = None) -> str:
    return babel_numbers.format_decimal(value, format=format, locale=current())


def format_percent(value: float) -> str:
    return babel_numbers.format_percent(value, locale=current())


def switcher(current_path: str, query: str = "") -> list[dict[str, Any]]:
    """The language switcher's links: each language named in itself, with the page to come back to."""
    from urllib.parse import urlencode
    back = current_path + (("?" + query) if query else "")
    return [{"lang": lang, "name": i18n.NAMES[lang], "current": lang == current(),
             "query": urlencode({"lang": lang, "next": back})} for lang in i18n.SUPPORTED]
