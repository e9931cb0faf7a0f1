"""PDF documents from the pages' HTML, with WeasyPrint (a well-kept HTML/CSS to PDF library; its system
libraries, Pango and HarfBuzz, are installed by .ci/install-pdf-libs, which `make run` and `make test` call).

The HTML is the print view a browser shows (templates/decision_print.html), so the PDF and the page say the
same. WeasyPrint fetches nothing: the stylesheets are read from service/static/ and every address is refused.
"""
from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
PRINT_CSS = ("print.css",)     # alone: simple blocks, quick to lay out


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing: `make run` installs them."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document (one that links no resource), styled by the pages' stylesheet and its print
    rules, read from disk; the fetcher allows data: URIs only, so nothing is fetched from a server or a file."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:      # OSError: Pango or another system library is missing
        raise PdfUnavailable(f"PDF export needs WeasyPrint and its system libraries: {exc}") from None
    fetcher = URLFetcher(allowed_protocols=("data",))
    sheets = [CSS(filename=str(STATIC_DIR / name), url_fetcher=fetcher) for name in PRINT_CSS
              if (STATIC_DIR / name).is_file()]
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets)
