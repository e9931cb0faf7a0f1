"""The decision's PDF in each language (issue 18, item 5): its words from the language's catalogue, and Greek set
in a font that has Greek glyphs (DejaVu, which .ci/install-pdf-libs installs), never in boxes."""
from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from service.pages import l10n

from .helpers import evaluate, genoa


@pytest.fixture(scope="module")
def decision(client):
    return evaluate(client, genoa())


_MADE: dict[str, PdfReader] = {}


def _pdf(client, decision, lang) -> PdfReader:
    """The decision's PDF in `lang` (made once per language: laying out a PDF takes seconds)."""
    if lang in _MADE:
        return _MADE[lang]
    r = client.get(f"/decisions/{decision}/report.pdf?lang={lang}")
    if r.status_code == 503:
        pytest.skip("WeasyPrint's system libraries are missing (.ci/install-pdf-libs installs them)")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-language"] == lang
    _MADE[lang] = PdfReader(io.BytesIO(r.content))
    return _MADE[lang]


def _fonts(reader: PdfReader) -> dict[str, bytes]:
    """Every embedded font program of the PDF, by its base font name."""
    found: dict[str, bytes] = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                    if key in descriptor:
                        found[str(descriptor["/FontName"])] = descriptor[key].get_object().get_data()
    return found


@pytest.mark.parametrize("lang", ["el", "de"])    # the print view it is made from: every language (test_i18n_pages)
def test_the_pdf_is_in_the_language(client, decision, lang):
    text = " ".join(" ".join(p.extract_text().split()) for p in _pdf(client, decision, lang).pages)
    for msgid in ("How the rules fired", "Your plan", "Sources"):
        said = l10n.translations(lang).gettext(msgid)
        assert said in text, (lang, said)


def test_greek_is_set_in_a_font_with_greek_glyphs(client, decision):
    reader = _pdf(client, decision, "el")
    text = " ".join(p.extract_text() for p in reader.pages)
    heading = l10n.translations("el").gettext("How the rules fired")       # Πώς εφαρμόστηκαν οι κανόνες
    assert heading in " ".join(text.split())
    greek = {ch for ch in heading if "\u0370" <= ch <= "\u03ff"}
    fonts = _fonts(reader)
    assert fonts and all("DejaVu" in name for name in fonts), sorted(fonts)   # no fallback font was needed
    covering = []
    for name, data in fonts.items():
        font = TTFont(io.BytesIO(data))
        glyphs = font.getGlyphOrder()
        assert len(glyphs) > 1, name
        cmap = font["cmap"].getBestCmap() if "cmap" in font else None
        if cmap and greek <= {chr(c) for c in cmap}:
            covering.append(name)
    assert covering, "no embedded font maps the Greek letters of the heading"
