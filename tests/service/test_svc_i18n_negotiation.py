"""The language of an answer (service/i18n.py): query > remembered choice > Accept-Language > English."""
from __future__ import annotations

import pytest

from service import i18n


def test_six_languages_each_named_in_itself():
    assert i18n.SUPPORTED == ("en", "it", "de", "sv", "el", "pt")
    assert set(i18n.NAMES) == set(i18n.SUPPORTED)
    assert i18n.NAMES["de"] == "Deutsch" and i18n.NAMES["el"] == "Ελληνικά"


@pytest.mark.parametrize("query, cookie, header, expected", [
    ("de", "it", "sv", "de"),                 # the query parameter wins
    (None, "it", "sv", "it"),                 # then the remembered choice
    (None, None, "sv", "sv"),                 # then the browser's languages
    (None, None, None, "en"),                 # then English
    ("xx", "it", "sv", "it"),                 # an unsupported value is passed over, not an error
    ("", "zz", "sv", "sv"),
    ("PT_br", None, None, "pt"),              # a region or odd case still names the language
    (None, "EL", None, "el"),
    (None, None, "fr, ja", "en"),             # nothing shipped accepted: English
])
def test_order_of_the_sources(query, cookie, header, expected):
    assert i18n.negotiate(query, cookie, header) == expected


@pytest.mark.parametrize("header, expected", [
    ("de-AT", "de"),                                    # a range matches by its primary subtag
    ("fr;q=0.9, it;q=0.8, de;q=0.7", "it"),
    ("de;q=0.5, sv;q=0.9", "sv"),                       # the weights order, not the header's order
    ("sv, de", "sv"),                                   # equal weights keep the header's order
    ("el;q=1.0, en;q=1", "el"),
    ("de;q=0, *", "en"),                                # a star stands for a language not named ...
    ("en;q=0, de;q=0, *", "it"),                        # ... and never for a refused one
    ("en;q=0", None),
    ("pt-BR;q=0.3, en-GB;q=0.2", "pt"),
    ("de;q=2, sv;q=abc, it", "it"),                     # malformed weights skip their range
    ("d€, ;;, sv", "sv"),                               # malformed ranges are skipped
    ("", None),
    (None, None),
    ("en-US,en;q=0.9,el;q=0.8", "en"),
])
def test_accept_language(header, expected):
    assert i18n.from_accept_language(header) == expected


def test_parse_keeps_weights_sorted():
    assert i18n.parse_accept_language("a;q=0.1, b, c;q=0.5") == [("b", 1.0), ("c", 0.5), ("a", 0.1)]
