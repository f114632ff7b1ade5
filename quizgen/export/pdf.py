"""Optional PDF of the printed quizzes, through WeasyPrint (`pip install 'quizgen[pdf]'`): the
same HTML a browser prints, rendered without a browser."""

from __future__ import annotations

import os
from collections.abc import Sequence

from quizgen.errors import QuizgenError
from quizgen.output import atomic_path


def write_pdfs(html_paths: Sequence[str]) -> list[str]:
    """quiz.html → quiz.pdf beside it, for each path; returns the PDFs written."""
    try:
        import weasyprint  # type: ignore[import-not-found]
    except ImportError as e:
        raise QuizgenError(
            "--pdf needs WeasyPrint: pip install 'quizgen[pdf]' (or print quiz.html from a browser)"
        ) from e
    written = []
    for html in html_paths:
        pdf = os.path.splitext(html)[0] + ".pdf"
        with atomic_path(pdf) as tmp:
            weasyprint.HTML(filename=html).write_pdf(tmp)
        written.append(pdf)
    return written
