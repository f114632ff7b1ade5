"""The study page: questions with answers on demand, the facts sheet and the timeline picture."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.export.html import GAP, group_by_section, timeline, write_study
from quizgen.generation import generate
from quizgen.loading.validate import load_decks
from quizgen.model import Deck, EventFact
from quizgen.selection import select
from quizgen.text import plain
from tests._browser import print_to_pdf
from tests.conftest import DATA
from tests.test_print import norm


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_decks([str(DATA / "print_long.yaml")])[0]


class Page(HTMLParser):
    """What the study page holds: tags seen, the text inside each <details>, SVG text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.details: list[str] = []
        self.svg_text: list[str] = []
        self.bars: list[dict[str, str]] = []
        self._stack: list[str] = []
        self._group = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        self._stack.append(tag)
        if tag == "details":
            self.details.append("")
        if tag == "g":
            self._group = a.get("class", "")
        if tag == "rect" and "bar" in a.get("class", ""):
            self.bars.append({**a, "group": self._group})

    def handle_endtag(self, tag: str) -> None:
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "details" in self._stack:
            self.details[-1] += data
        if "text" in self._stack and "svg" in self._stack:
            self.svg_text.append(data)


def parse(path: str) -> Page:
    page = Page()
    page.feed(Path(path).read_text(encoding="utf-8"))
    return page


def test_every_question_has_its_answer_on_demand(deck: Deck, tmp_path: Path) -> None:
    items = select(generate(deck))  # the quiz's questions, as the study page shows them
    path = write_study(deck, generate(deck), str(tmp_path))
    assert path == str(tmp_path / "study.html")
    page = parse(path)
    shown = [it for _, group in group_by_section(deck, items) for it in group]
    assert sorted(it.uid for it in shown) == sorted(it.uid for it in items)
    assert len(page.details) == len(items)
    for it, hidden in zip(shown, page.details, strict=True):
        text = norm(hidden)
        assert text.startswith("Show answer")
        if it.qtype in ("mcq", "first"):
            assert norm(plain(it.options[it.correct[0]])) in text
        elif it.qtype not in ("order", "match"):
            assert norm(plain(it.answer)) in text
        for source in it.sources:
            assert norm(source.citation()) in text
        if it.claim:
            assert norm(plain(it.claim)) in text
    assert "script" not in page.tags and "legacy" not in page.tags and "b" not in page.tags


def test_facts_sheet_and_timeline(deck: Deck, tmp_path: Path) -> None:
    page = parse(write_study(deck, generate(deck), str(tmp_path)))
    events = [f for f in deck.facts if isinstance(f.body, EventFact)]
    assert len(page.bars) == len(events)
    labels = norm(" ".join(page.svg_text))
    assert "April 1901 — the great flood that the <script>alert('flood')</script> & " in labels
    assert "(disputed: reported by the Eastland Chronicle; denied by the ferry company)" in labels
    assert "August 1918 — the pontoon crossing at Westmere (date approximate)" in labels
    statuses = [b["group"].split()[-1] for b in page.bars]
    assert statuses.count("disputed") == 1 and statuses.count("attributed") == 2


def _events_deck(make_deck, events: str) -> Deck:
    return make_deck("facts:\n" + events)


def test_timeline_draws_fuzzy_dates_as_ranges(make_deck) -> None:
    deck = _events_deck(
        make_deck,
        """\
  - {id: y, kind: event, what: a year, when: '2015', sources: [s1]}
  - {id: m, kind: event, what: a month, when: 2015-06, sources: [s1]}
  - {id: d, kind: event, what: a day, when: 2015-06-10, sources: [s1]}
  - {id: q, kind: event, what: a quarter, when: 2015-01/2015-03, sources: [s1]}
  - {id: o, kind: event, what: an open start, when: ../2015-10, date_text: by October 2015,
     sources: [s1]}
  - {id: x, kind: event, what: a disputed day, when: 2015-02-01, status: disputed,
     claimed_by: A, denied_by: B, sources: [s1]}
""",
    )
    t = timeline(deck.facts)
    assert t is not None
    bars = {b.fact.id: b for b in t.bars}
    assert [b.fact.id for b in t.bars] == ["q", "y", "x", "m", "d", "o"]  # by first day, then last
    assert bars["y"].width > bars["q"].width > bars["m"].width > bars["d"].width
    assert bars["y"].width == pytest.approx(4 * bars["q"].width, rel=0.05)
    # The quarter starts where the year starts; the day sits inside its month.
    assert bars["q"].x == pytest.approx(bars["y"].x)
    assert bars["m"].x <= bars["d"].x < bars["m"].x + bars["m"].width
    assert bars["o"].open_start and not bars["o"].open_end
    assert not any(b.open_start or b.open_end for b in t.bars if b.fact.id != "o")
    assert not t.breaks
    assert [tk.label for tk in t.ticks if tk.label] == ["2015", "2016"]
    for b in t.bars:
        assert b.x >= 0 and b.x + b.width <= t.width


def test_timeline_cuts_long_empty_stretches(make_deck) -> None:
    deck = _events_deck(
        make_deck,
        """\
  - {id: a, kind: event, what: long ago, when: '1979', sources: [s1]}
  - {id: b, kind: event, what: recently, when: 2015-07, sources: [s1]}
  - {id: c, kind: event, what: later, when: 2015-09, sources: [s1]}
""",
    )
    t = timeline(deck.facts)
    assert t is not None and len(t.breaks) == 1
    bars = {b.fact.id: b for b in t.bars}
    assert bars["a"].x + bars["a"].width < t.breaks[0] < bars["b"].x
    # Without the cut, two months of 2015 would get 1/18 of the width of 1979–2015's 37 years.
    assert bars["c"].x - bars["b"].x > t.width / 20
    close = _events_deck(
        make_deck,
        """\
  - {id: a, kind: event, what: before, when: 2014-01, sources: [s1]}
  - {id: b, kind: event, what: after, when: 2015-05, sources: [s1]}
""",
    )
    t2 = timeline(close.facts)
    assert t2 is not None and not t2.breaks  # 15 months apart: less than GAP
    assert GAP > 15 * 31


def test_no_dated_events_no_timeline(make_deck, tmp_path: Path) -> None:
    deck = make_deck(
        """\
        entities:
          p: {name: Pat Doe, kind: person}
        facts:
          - {id: r, kind: role, person: p, role: chief of the things, sources: [s1]}
        """
    )
    assert timeline(deck.facts) is None
    html = Path(write_study(deck, generate(deck), str(tmp_path))).read_text(encoding="utf-8")
    assert "<svg" not in html and "Pat Doe: chief of the things." in html


def test_study_page_in_the_browser(deck: Deck, tmp_path: Path) -> None:
    """Printed as it shows on screen: facts and timeline text literal, answers still hidden."""
    items = select(generate(deck))
    path = Path(write_study(deck, generate(deck), str(tmp_path)))
    html = path.read_text(encoding="utf-8")
    assert "Also accept:" in html and "Claim:" in html
    [pdf] = print_to_pdf([path])
    text = norm(" ".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert "Rivers & <b>Bridges</b> of Eastland" in text
    assert "the great flood that the <script>alert('flood')</script> & \"Levee\" {{ 7*7 }}" in text
    assert "April 1901 — the great flood" in text  # the timeline's label, drawn in SVG
    assert text.count("Show answer") == len(items)
    assert "Also accept:" not in text and "Claim:" not in text  # inside closed <details>
    assert re.search(r"Adapted from the made-up article \"Rivers & Bridges\" <i>\(test\)</i>", text)
