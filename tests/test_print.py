"""Printed quizzes, checked the way a teacher would: render in headless Chromium, read the PDF."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.export.html import write_quiz, write_study
from quizgen.generation import generate
from quizgen.loading.validate import load_decks
from quizgen.model import Deck
from quizgen.text import plain
from tests._browser import print_pdf
from tests.conftest import SHIPPED_DECK


def pages(pdf: Path) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def flat(text: str) -> str:
    # NFKC folds the ligatures a PDF may carry ("ﬁ" → "fi").
    return " ".join(unicodedata.normalize("NFKC", text).split())


def key_start(texts: list[str]) -> int:
    return next(i for i, t in enumerate(texts) if "Answer key" in t)


@pytest.fixture(scope="module")
def shipped() -> Deck:
    return load_decks([str(SHIPPED_DECK)])[0]


@pytest.fixture(scope="module")
def shipped_pdfs(shipped: Deck, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("shipped")
    items = generate(shipped)
    paths = write_quiz(shipped, items, str(out / "a4"), versions=2, seed=5)
    letter = write_quiz(shipped, items, str(out / "letter"), paper="letter")
    pdfs = {Path(p).stem[-1]: print_pdf(Path(p), Path(p).with_suffix(".pdf")) for p in paths}
    pdfs["letter"] = print_pdf(Path(letter[0]), out / "letter.pdf")
    return pdfs


def test_page_sizes(shipped_pdfs: dict[str, Path]) -> None:
    a4 = PdfReader(str(shipped_pdfs["A"])).pages[0].mediabox
    letter = PdfReader(str(shipped_pdfs["letter"])).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


def test_header_on_page_one_and_key_on_its_own_pages(shipped_pdfs, shipped: Deck) -> None:
    for version in ("A", "B"):
        texts = pages(shipped_pdfs[version])
        first = flat(texts[0])
        assert shipped.info.title in first and f"Version {version}" in first
        assert all(word in first for word in ("Name:", "Class:", "Date:"))
        k = key_start(texts)
        assert 0 < k < len(texts) - 1 or k == len(texts) - 1
        assert flat(texts[k]).startswith(f"Answer key — Version {version}")
        for t in texts[:k]:
            assert "Answer key" not in t and "Also accepted" not in t and "Source:" not in t
        assert "Wikipedia" in flat(" ".join(texts[k:]))  # attribution with the key
        assert "CC BY-SA" in flat(" ".join(texts[:k]))  # and on the quiz itself


def _key(texts: list[str]) -> dict[int, str]:
    """Question number → the answer line in the key (an answer may wrap onto a second line)."""
    key: dict[int, str] = {}
    last = None
    for line in "\n".join(texts[key_start(texts) :]).splitlines():
        m = re.match(r"^(\d+)\. (.+)$", line.strip())
        if m and int(m.group(1)) not in key:
            last = int(m.group(1))
            key[last] = m.group(2)
        elif (
            last is not None
            and line.strip()
            and not line.strip().startswith(("Source", "Reported", "True.", "False."))
        ):
            key[last] += " " + line.strip()
            last = None  # explanations follow: only the first wrap belongs to the answer
    return key


def _questions(texts: list[str], k: int) -> dict[int, tuple[str, dict[str, str]]]:
    """Question number → (stem, {letter: option}) read from the question pages."""
    found: dict[int, tuple[str, dict[str, str]]] = {}
    current: int | None = None
    option: str | None = None
    for line in "\n".join(texts[:k]).splitlines():
        line = line.strip()
        q = re.match(r"^(\d+)\. (.*)$", line)
        o = re.match(r"^([A-E])\. (.*)$", line)
        if o and current is not None:
            found[current][1][o.group(1)] = o.group(2)
            option = o.group(1)
        elif q:
            current = int(q.group(1))
            found[current] = (q.group(2), {})
            option = None
        elif current is not None and option is not None and line:  # a wrapped option
            found[current][1][option] += " " + line
    return found


def test_each_version_key_matches_its_own_order(shipped_pdfs, shipped: Deck) -> None:
    rights = {
        flat(plain(it.options[it.correct[0]])) for it in generate(shipped) if it.qtype == "mcq"
    }
    orders = []
    for version in ("A", "B"):
        texts = pages(shipped_pdfs[version])
        key, questions = _key(texts), _questions(texts, key_start(texts))
        checked = 0
        for n, (_stem, options) in questions.items():
            answer = re.match(r"^([A-E])\. (.+)$", key.get(n, ""))
            if len(options) >= 3 and answer:
                letter, text = answer.groups()
                # The key line may run on into the explanation: it starts with the option.
                assert flat(text).startswith(flat(options[letter])), (version, n)
                assert flat(options[letter]) in rights, (version, n, text)
                checked += 1
        assert checked >= 5  # the quiz asks one question per fact, about a sixth of them MCQ
        orders.append([questions[n][0][:30] for n in sorted(questions)])
    assert orders[0] != orders[1]  # versions differ in order


def test_no_question_split_across_pages(make_deck, tmp_path: Path) -> None:
    """A deck long enough for several pages: every question's options follow its number on the
    same page."""
    people = "".join(f"  p{i}: {{name: Person Number{i}, kind: person}}\n" for i in range(40))
    facts = "".join(
        f"  - {{id: r{i}, kind: role, person: p{i}, role: holder of office {i} with a longer "
        f"title to wrap the line, as_of: '2015', sources: [s1]}}\n"
        for i in range(40)
    )
    deck = make_deck(f"entities:\n{people}facts:\n{facts}")
    items = [it for it in generate(deck) if it.qtype == "mcq"]
    html = Path(write_quiz(deck, items, str(tmp_path))[0])
    texts = pages(print_pdf(html, tmp_path / "long.pdf"))
    k = key_start(texts)
    assert k >= 3
    number_page = {}
    for i, t in enumerate(texts[:k]):
        for m in re.finditer(r"(?m)^(\d+)\. ", t):
            number_page[int(m.group(1))] = i
    assert len(number_page) == len(items)
    for i, t in enumerate(texts[:k]):
        lines = [line.strip() for line in t.splitlines()]
        starts = [n for n, p in number_page.items() if p == i]
        for n in starts:  # the options of question n follow it on the same page
            idx = next(j for j, line in enumerate(lines) if line.startswith(f"{n}. "))
            tail = lines[idx + 1 :]
            letters = [line[0] for line in tail[:8] if re.match(r"^[A-E]\. ", line)]
            assert letters[:3] == ["A", "B", "C"], (n, i, tail[:6])


def test_fact_text_prints_literally(make_deck, tmp_path: Path) -> None:
    deck = make_deck("""\
facts:
  - {id: x, kind: event, what: "<script>alert(1)</script> & Sons {{ 7*7 }}", when: "2015",
     sources: [s1]}
  - {id: y, kind: event, what: another event, when: "2011", sources: [s1]}
""")
    html = Path(write_quiz(deck, generate(deck), str(tmp_path))[0])
    assert "<script>" not in html.read_text(encoding="utf-8")
    text = flat(" ".join(pages(print_pdf(html, tmp_path / "x.pdf"))))
    assert "<script>alert(1)</script> & Sons {{ 7*7 }}" in text


def test_study_page_prints_questions_facts_and_timeline(shipped: Deck, tmp_path: Path) -> None:
    html = Path(write_study(shipped, generate(shipped), str(tmp_path)))
    source = html.read_text(encoding="utf-8")
    assert "<svg" in source and "<details>" in source and "<script" not in source
    text = flat(" ".join(pages(print_pdf(html, tmp_path / "study.pdf"))))
    assert "Questions" in text and "Facts" in text and "Timeline" in text
    assert "reported by Reuters; denied by Russian officials" in text
