"""The language of an answer: which of the six shipped languages a request is served in.

One home for the choice, shared by the pages and the API: an explicit `lang` query parameter, then the
choice the language switcher remembered (a cookie), then the browser's Accept-Language (RFC 9110, 12.5.4:
quality values, `*`, a zero quality refusing a language), then English.
"""
from __future__ import annotations

import re
from typing import Any

SUPPORTED = ("en", "it", "de", "sv", "el", "pt")
DEFAULT = "en"

# each language named in itself, as the switcher shows it (and as a reader looks for it)
NAMES = {"en": "English", "it": "Italiano", "de": "Deutsch", "sv": "Svenska", "el": "Ελληνικά", "pt": "Português"}

COOKIE = "cogov_lang"               # the switcher's remembered choice
COOKIE_MAX_AGE = 365 * 24 * 3600

_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


def supported(tag: str | None) -> str | None:
    """The shipped language a tag names ("de", "de-AT", "PT_br" -> "pt"), or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED else None


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """The header's language ranges with their weights, most preferred first (ties keep the header's order).
    Malformed entries are skipped, as RFC 9110 lets a recipient do; a range without q weighs 1."""
    ranges: list[tuple[str, float]] = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        tag = fields[0]
        if not tag or not _RANGE.match(tag):
            continue
        weight = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _QVALUE.match(value) else -1.0
        if weight < 0:
            continue
        ranges.append((tag, weight))
    return sorted(ranges, key=lambda r: -r[1])     # sorted() is stable


def from_accept_language(header: str | None) -> str | None:
    """The shipped language the header prefers most, or None when it accepts none of them.
    A range matches by its primary subtag ("de-CH" asks for German); `*` stands for any language the
    header does not name; a weight of 0 refuses a language."""
    ranges = parse_accept_language(header)
    refused = {supported(tag) for tag, weight in ranges if weight == 0 and tag != "*"}
    named = {supported(tag) for tag, _ in ranges if tag != "*"}
    for tag, weight in ranges:
        if weight == 0:
            break                                     # sorted: nothing after is acceptable
        if tag == "*":
            rest = [lang for lang in SUPPORTED if lang not in named and lang not in refused]
            if rest:
                return rest[0]
            continue
        lang = supported(tag)
        if lang is not None and lang not in refused:
            return lang
    return None


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """The language to answer in: `lang` query parameter > remembered choice > Accept-Language > English.
    An unsupported or malformed value at one step is passed over, not an error."""
    return (supported(query_lang) or supported(cookie_lang) or from_accept_language(accept_language)
            or DEFAULT)


def for_request(request: Any) -> str:
    """negotiate() on a Starlette/FastAPI request (cached on it, as pages render several templates)."""
    cached = request.scope.get("cogov.lang")
    if cached is None:
        cached = negotiate(request.query_params.get("lang"), request.cookies.get(COOKIE),
                           request.headers.get("accept-language"))
        request.scope["cogov.lang"] = cached
    return cached
