"""The optional PDF output (WeasyPrint): the same quiz, the same rules on paper."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.errors import QuizgenError
from quizgen.export.html import write_quiz
from quizgen.export.pdf import INSTALL_HINT, write_pdf, write_pdfs
from quizgen.generation import generate
from quizgen.loading.validate import load_decks
from quizgen.selection import select
from tests.conftest import DATA, running_in_ci
from tests.test_print import norm


def need_weasyprint() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as e:
        message = f"WeasyPrint is not installed ({e}): pip install '.[test]'"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)


def test_pdf_of_the_quiz(tmp_path: Path) -> None:
    need_weasyprint()
    deck = load_decks([str(DATA / "print_long.yaml")])[0]
    items = select(generate(deck), count=30, seed=2)
    html = write_quiz(deck, items, str(tmp_path), versions=2, paper="letter")
    pdfs = write_pdfs(html)
    assert pdfs == [str(tmp_path / "quiz-A.pdf"), str(tmp_path / "quiz-B.pdf")]
    reader = PdfReader(pdfs[1])
    pages = [norm(p.extract_text()) for p in reader.pages]
    assert len(pages) >= 3
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 612) < 2
        assert abs(float(page.mediabox.height) - 792) < 2
    assert "Rivers & <b>Bridges</b> of Eastland" in pages[0] and "Version B" in pages[0]
    assert "Name:" in pages[0]
    key = next(i for i, p in enumerate(pages) if "Answer key — Version B" in p)
    assert key > 0 and not any("Answer key" in p for p in pages[:key])
    assert not any("(1 point)" in p or "(2 points)" in p for p in pages[key:])
    assert "CC BY-SA 4.0" in pages[key - 1] and "CC BY-SA 4.0" in pages[-1]


def test_missing_weasyprint_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = tmp_path / "quiz.html"
    html.write_text("<p>hi</p>", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    with pytest.raises(QuizgenError) as e:
        write_pdf(str(html))
    assert str(e.value) == INSTALL_HINT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiz.html"]
