"""The printed quiz, checked on paper: each quiz is printed to PDF by headless Chromium and read
back with pypdf. The rules are a teacher's: the page size asked for, the header on page 1, the
key on pages of its own, no question split across pages, no heading left alone at a page's foot,
each version's key matching that version's own order, hostile text printed literally, and the
licence's attribution present.

All quizzes are printed once per module (two browsers at a time) and shared by the tests.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.export.html import write_quiz
from quizgen.generation import generate
from quizgen.generation.item import Item
from quizgen.loading.validate import load_decks
from quizgen.model import Deck
from quizgen.selection import select
from quizgen.text import plain
from tests._browser import print_to_pdf
from tests.conftest import DATA, SHIPPED_DECK

A4 = (595.0, 842.0)
LETTER = (612.0, 792.0)
FOOTER = re.compile(r"(Answer key · )?(Version [A-Z] · )?Page \d+")
POINTS = re.compile(r"\((\d+) points?\)$")
HOSTILE_FACT = (
    "the great flood that the <script>alert('flood')</script> & "
    '"Levee" {{ 7*7 }} report described'
)


def norm(text: str) -> str:
    """Text as compared: ligatures unfolded (pypdf gives 'ﬁ'), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


# --- reading a printed quiz back ------------------------------------------------------------------


@dataclass
class PrintedQuestion:
    number: int
    page: int
    points: int
    stem: str = ""
    options: dict[str, str] = field(default_factory=dict)  # letter -> text
    left: dict[int, str] = field(default_factory=dict)  # matching: number -> text


@dataclass
class Printed:
    name: str
    items: list[Item]  # what went in (before any shuffling)
    version: str
    sizes: list[tuple[float, float]]
    pages: list[list[str]]  # each page's lines, footer removed
    footers: list[str]
    key_page: int = -1
    questions: list[PrintedQuestion] = field(default_factory=list)
    key: dict[int, str] = field(default_factory=dict)  # number -> the key entry's text
    headings_alone: list[str] = field(default_factory=list)
    runs_over: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join("\n".join(p) for p in self.pages)


def read(name: str, pdf: Path, items: list[Item], version: str) -> Printed:
    reader = PdfReader(pdf)
    pages, footers = [], []
    for page in reader.pages:
        lines = [norm(x) for x in page.extract_text().splitlines() if x.strip()]
        footers.append(next((x for x in lines if FOOTER.fullmatch(x)), ""))
        pages.append([x for x in lines if not FOOTER.fullmatch(x)])
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    printed = Printed(name, items, version, sizes, pages, footers)
    printed.key_page = next(
        (i for i, p in enumerate(pages) if p and p[0].startswith("Answer key")), -1
    )
    if printed.key_page > 0:
        _parse_questions(printed)
        _parse_key(printed)
    return printed


def _parse_questions(printed: Printed) -> None:
    """Walk the question pages line by line: a question opens at its number (`12. …`) and closes
    at its points (`(2 points)`), which the layout prints last. A question still open at the end of
    a page was split across pages."""
    number, current, lines = 1, None, []
    for p, page in enumerate(printed.pages[: printed.key_page]):
        for i, line in enumerate(page):
            if current is None:
                if not _numbered(line, number):
                    if _is_heading(line) and not (
                        i + 1 < len(page) and _numbered(page[i + 1], number)
                    ):
                        printed.headings_alone.append(f"page {p + 1}: {line!r}")
                    continue
                current = PrintedQuestion(number, p, 0)
                number += 1
                lines = []
                line = line[len(f"{current.number}.") :].strip()
            m = POINTS.search(line)
            if not m:
                lines.append(line)
                continue
            if line[: m.start()].strip():
                lines.append(line[: m.start()].strip())
            current.points = int(m[1])
            _fill(current, lines)
            printed.questions.append(current)
            current = None
        if current is not None:
            printed.runs_over.append(f"question {current.number} runs from page {p + 1} on")
            current = None


def _numbered(line: str, number: int) -> bool:
    """`12. Which…` (pypdf may drop the space after the number: it guesses spaces from gaps)."""
    return bool(re.match(rf"{number}\.(\s|$|[^\d.])", line))


def _is_heading(line: str) -> bool:
    return bool(re.fullmatch(r".+ \d+ points?", line))


def _fill(q: PrintedQuestion, lines: list[str]) -> None:
    target: tuple[str, object] = ("stem", None)
    parts: dict[tuple[str, object], list[str]] = {target: []}
    for line in lines:
        if m := re.match(r"([A-Z])\. (.*)", line):
            target = ("option", m[1])
            line = m[2]
        elif m := re.match(r"(\d+)\) (.*)", line):
            target = ("left", int(m[1]))
            line = m[2]
        elif line.startswith("Earliest") or line == "True False":
            continue
        parts.setdefault(target, []).append(line)
    for (kind, key), words in parts.items():
        text = " ".join(words)
        if kind == "stem":
            q.stem = text.removeprefix("True or false? ")
        elif kind == "option":
            q.options[str(key)] = text
        else:
            q.left[int(str(key))] = text


def _parse_key(printed: Printed) -> None:
    number, current = 1, None
    for page in printed.pages[printed.key_page :]:
        for line in page:
            if _numbered(line, number):
                current = number
                printed.key[current] = line[len(f"{number}.") :].strip()
                number += 1
            elif current is not None:
                printed.key[current] += "\n" + line


# --- what is printed ------------------------------------------------------------------------


def fixture_quiz_items(deck: Deck) -> list[Item]:
    """A quiz long enough for several pages, with the hostile fact and every layout in it."""
    items = generate(deck)
    chosen = select(items, count=36, seed=3)
    hostile = [it for it in items if it.fact_id == "flood-1901" and it.qtype in ("mcq", "tf")]
    extra = [next(it for it in items if it.qtype == q) for q in ("order", "match", "first")]
    return list(dict.fromkeys([*hostile, *extra, *chosen]))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    root = tmp_path_factory.mktemp("print")
    fixture = load_decks([str(DATA / "print_long.yaml")])[0]
    fixture_items = fixture_quiz_items(fixture)
    shipped = load_decks([str(SHIPPED_DECK)])[0]
    shipped_items = select(generate(shipped))

    jobs: list[tuple[str, Path, list[Item], str]] = []
    everything = len(fixture_items)  # print them all, not a clash-free selection of them
    for path in write_quiz(
        fixture, fixture_items, str(root / "a4"), seed=7, versions=3, count=everything
    ):
        letter = Path(path).stem[-1]
        jobs.append((f"fixture-{letter}", Path(path), fixture_items, letter))
    [letter_quiz] = write_quiz(
        fixture, fixture_items, str(root / "letter"), paper="letter", count=everything
    )
    jobs.append(("fixture-letter", Path(letter_quiz), fixture_items, ""))
    # The shipped deck as `quizgen build` prints it: every item in, the quiz's own selection.
    for path in write_quiz(shipped, generate(shipped), str(root / "shipped"), versions=2):
        letter = Path(path).stem[-1]
        jobs.append((f"shipped-{letter}", Path(path), shipped_items, letter))

    pdfs = print_to_pdf([j[1] for j in jobs])
    return {
        name: read(name, pdf, items, version)
        for (name, _, items, version), pdf in zip(jobs, pdfs, strict=True)
    }


ALL = ["fixture-A", "fixture-B", "fixture-C", "fixture-letter", "shipped-A", "shipped-B"]


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_page_size(printed: dict[str, Printed], name: str) -> None:
    quiz = printed[name]
    expected = LETTER if name == "fixture-letter" else A4
    assert len(quiz.sizes) >= 2
    for i, (w, h) in enumerate(quiz.sizes):
        assert abs(w - expected[0]) < 2 and abs(h - expected[1]) < 2, f"page {i + 1}: {w}×{h}"


@pytest.mark.parametrize("name", ALL)
def test_header_on_page_one(printed: dict[str, Printed], name: str) -> None:
    quiz = printed[name]
    first = "\n".join(quiz.pages[0])
    title = (
        "Rivers & <b>Bridges</b> of Eastland"
        if name.startswith("fixture")
        else ("The Russia–Syria–Iran–Iraq coalition")
    )
    assert title in first
    for blank in ("Name:", "Class:", "Date:", "Score:", "Instructions:"):
        assert blank in first
    total = sum(q.points for q in quiz.questions)
    assert f"/ {total}" in first and f"({total} in total)" in first
    if quiz.version:
        assert f"Version {quiz.version}" in first
        assert all(f"Version {quiz.version}" in f for f in quiz.footers), quiz.footers
    else:
        assert "Version" not in first


@pytest.mark.parametrize("name", ALL)
def test_answer_key_on_pages_of_its_own(printed: dict[str, Printed], name: str) -> None:
    quiz = printed[name]
    assert quiz.key_page > 0, "no page starts with the answer key"
    heading = f"Answer key — Version {quiz.version}" if quiz.version else "Answer key"
    assert quiz.pages[quiz.key_page][0] == heading
    for p, page in enumerate(quiz.pages[: quiz.key_page]):
        text = "\n".join(page)
        for key_only in ("Answer key", "Source:", "Sources:", "Also accept", "For the teacher"):
            assert key_only not in text, f"page {p + 1} (questions) shows {key_only!r}"
    for p, page in enumerate(quiz.pages[quiz.key_page :], start=quiz.key_page):
        text = "\n".join(page)
        assert not POINTS.search(text) and "Name:" not in text and "Earliest" not in text, (
            f"page {p + 1} (key) shows question text"
        )
    # Every question is printed once and keyed once.
    n = len(quiz.items)
    assert [q.number for q in quiz.questions] == list(range(1, n + 1))
    assert sorted(quiz.key) == list(range(1, n + 1))


@pytest.mark.parametrize("name", ALL)
def test_no_question_split_and_no_heading_alone(printed: dict[str, Printed], name: str) -> None:
    quiz = printed[name]
    assert not quiz.runs_over
    assert not quiz.headings_alone
    if name.startswith("fixture"):
        assert quiz.key_page >= 4, "the fixture quiz should need several pages of questions"
        assert len({q.page for q in quiz.questions}) == quiz.key_page


def _find_item(quiz: Printed, q: PrintedQuestion) -> Item:
    """The item a printed question came from: same stem, and for choices the same options."""

    def bare(text: str) -> str:  # spacing around a blank or a wrapped line is the layout's
        return re.sub(r"\s+", "", norm(text))

    found = [
        it
        for it in quiz.items
        if bare(plain(it.prompt)) == bare(q.stem)
        and sorted(norm(plain(o)) for o in it.options if it.qtype != "tf")
        == sorted(q.options.values())
    ]
    assert found, f"{quiz.name}: no item prints as question {q.number}: {q.stem!r} {q.options}"
    return found[0]


@pytest.mark.parametrize("name", ALL)
def test_each_key_matches_its_own_version(printed: dict[str, Printed], name: str) -> None:
    """The key's letters pick, in this version's printed options, the right answer of the item
    each question came from (whatever order the version printed them in)."""
    quiz = printed[name]
    checked = set()
    for q in quiz.questions:
        item = _find_item(quiz, q)
        key = quiz.key[q.number].replace("\n", " ")  # the entry, wrapped lines joined
        right = [norm(plain(item.options[c])) for c in item.correct]
        if item.qtype in ("mcq", "first"):
            letter = key[0]
            assert key.startswith(f"{letter} — {right[0]}"), (quiz.name, q.number, key)
            assert q.options[letter] == right[0], (quiz.name, q.number, key)
        elif item.qtype == "order":
            letters = re.match(r"[A-Z]( → [A-Z])*", key)[0].split(" → ")  # type: ignore[index]
            assert [q.options[x] for x in letters] == right, (quiz.name, q.number, key)
        elif item.qtype == "match":
            pairs = re.match(r"\d+\) [A-Z](, \d+\) [A-Z])*", key)[0].split(", ")  # type: ignore[index]
            printed_pairs = {q.left[int(p[:-3])]: q.options[p[-1]] for p in pairs}
            item_pairs = {
                norm(plain(left)): norm(plain(item.options[c]))
                for left, c in zip(item.left, item.correct, strict=True)
            }
            assert printed_pairs == item_pairs, (quiz.name, q.number, key)
        elif item.qtype == "tf":
            assert key.startswith("True." if item.correct == (0,) else "False.")
        else:
            assert key.startswith(norm(plain(item.answer))), (quiz.name, q.number, key)
        checked.add(item.qtype)
    if name.startswith("fixture"):
        assert {"mcq", "tf", "order", "match", "first"} <= checked


def test_versions_differ(printed: dict[str, Printed]) -> None:
    for deck, letters in (("fixture", "ABC"), ("shipped", "AB")):
        orders = []
        for letter in letters:
            quiz = printed[f"{deck}-{letter}"]
            orders.append([(q.stem, tuple(q.options.values())) for q in quiz.questions])
        assert len({tuple(o) for o in orders}) == len(letters), f"{deck}: versions print alike"
        stems = [sorted(stem for stem, _ in o) for o in orders]
        assert all(s == stems[0] for s in stems), f"{deck}: versions ask different questions"


def test_hostile_text_prints_literally(printed: dict[str, Printed]) -> None:
    quiz = printed["fixture-A"]
    questions = "\n".join("\n".join(p) for p in quiz.pages[: quiz.key_page])
    flat = norm(questions.replace("\n", " "))
    assert norm(HOSTILE_FACT[0].upper() + HOSTILE_FACT[1:]) in flat or norm(HOSTILE_FACT) in flat
    assert "Rivers & <b>Bridges</b> of Eastland" in quiz.pages[0][0]
    assert "Aftermath & <legacy>" in questions
    key = norm(quiz.text.replace("\n", " "))
    assert "Atlas of <Eastland>. A. Cartographer, Map House, 1999." in key
    assert "The Eastland Chronicle & Gazette." in key


def test_html_has_no_markup_from_fact_text(tmp_path: Path) -> None:
    deck = load_decks([str(DATA / "print_long.yaml")])[0]
    items = fixture_quiz_items(deck)
    [path] = write_quiz(deck, items, str(tmp_path), count=len(items))
    tags = _tags(Path(path).read_text(encoding="utf-8"))
    assert "script" not in tags and "b" not in tags and "i" not in tags and "legacy" not in tags
    assert "&amp;amp;" not in Path(path).read_text(encoding="utf-8")


def _tags(html: str) -> set[str]:
    found: set[str] = set()

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            found.add(tag)

    Collect().feed(html)
    return found


@pytest.mark.parametrize("name", ALL)
def test_attribution_on_questions_and_on_key(printed: dict[str, Printed], name: str) -> None:
    quiz = printed[name]
    if name.startswith("fixture"):
        expected = (
            'Adapted from the made-up article "Rivers & Bridges" <i>(test)</i>, CC BY-SA 4.0.'
        )
        url = "https://example.org/wiki/Rivers_&_Bridges"
    else:
        expected = (
            'Adapted from the Wikipedia article "Russia–Syria–Iran–Iraq coalition" (revision of '
            "24 August 2016), licensed under CC BY-SA 3.0."
        )
        url = "https://en.wikipedia.org/wiki/Russia–Syria–Iran–Iraq_coalition"
    last_question_page = " ".join(quiz.pages[quiz.key_page - 1])
    last_key_page = " ".join(quiz.pages[-1])
    for text in (last_question_page, last_key_page):
        assert expected in text and url in text.replace(" ", "")
