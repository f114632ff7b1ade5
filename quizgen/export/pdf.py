"""Optional PDF output: the printable quiz HTML rendered by WeasyPrint, without a browser.

WeasyPrint is an optional extra (`pip install 'quizgen[pdf]'`); it needs the system's Pango
library. Without it, `write_pdf` raises a QuizgenError that says how to install it. The HTML is
self-contained, so nothing is fetched while rendering.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from quizgen.errors import QuizgenError
from quizgen.output import atomic_path

INSTALL_HINT = (
    "PDF output needs WeasyPrint: pip install 'quizgen[pdf]' (or print quiz.html from a browser)"
)


def write_pdf(html_path: str, pdf_path: str | None = None) -> str:
    """Render `html_path` to `pdf_path` (default: the same name ending in .pdf), atomically."""
    try:
        import weasyprint
    except ImportError as e:
        raise QuizgenError(INSTALL_HINT) from e
    except OSError as e:  # the package is there but the system's Pango is not
        raise QuizgenError(f"{INSTALL_HINT} (and the Pango library: {e})") from e
    pdf_path = pdf_path or os.path.splitext(html_path)[0] + ".pdf"
    with atomic_path(pdf_path) as tmp:
        weasyprint.HTML(filename=html_path).write_pdf(tmp)
    return pdf_path


def write_pdfs(html_paths: Iterable[str]) -> list[str]:
    """One PDF beside each HTML file (quiz versions, study page); returns the PDFs written."""
    return [write_pdf(p) for p in html_paths]
