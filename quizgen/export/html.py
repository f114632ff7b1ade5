"""Printable HTML quizzes (with answer keys, in shuffled versions) and an on-screen study page.

Output (in `out_dir`):
- `quiz.html` for one version; `quiz-A.html`, `quiz-B.html`, … for several. Each file is one
  printable quiz followed by its own answer key, which starts on a new page.
- `study.html`: the same questions (version A's order of sections, the deck's order within them)
  with answers behind `<details>`, and a facts sheet with a timeline of the dated events.

Which questions: `quizgen.selection.select` (one question per fact unless `count` asks for more,
none that gives another away).

The files are self-contained (inline CSS and SVG, no scripts, no network). Layout lives in Jinja
templates (`quiz/…` in the template search path) that users can override; this module decides
what goes where: sections, numbering, points, shuffling, the timeline's geometry.

Every version — including the only one — shuffles question order within each section and option
order within each question, from `quizgen.ids.seed_for(seed, deck, "quiz", letter, …)`: the same
seed gives the same versions, and one question's shuffle does not depend on the others.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import textwrap
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import jinja2

from quizgen.errors import QuizgenError
from quizgen.generation import phrasing
from quizgen.generation.item import Item
from quizgen.ids import seed_for
from quizgen.model import Deck, EventFact, Fact
from quizgen.output import atomic_write
from quizgen.selection import select
from quizgen.templating import make_env, render, search_path
from quizgen.text import capfirst, plain

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAPERS = {"a4": "A4", "letter": "letter"}
GENERAL = "General"  # heading of the questions that belong to no section
# Points per question: one per choice to make; written answers and orderings are worth more.
POINTS = {
    "mcq": 1,
    "tf": 1,
    "first": 1,
    "cloze": 1,
    "qa": 2,
    "reverse": 2,
    "short": 2,
    "order": 2,
}


@dataclass(frozen=True)
class Question:
    """A numbered question as the templates see it."""

    number: int
    item: Item
    points: int

    @property
    def lines(self) -> int:
        """Writing lines for a written answer: two when the expected answer is long."""
        return 2 if len(plain(self.item.answer)) > 45 else 1

    @property
    def also(self) -> tuple[str, ...]:
        """Accepted answers worth telling a marker about (not just the answer again)."""
        shown = {_fold(plain(self.item.answer))}
        return tuple(a for a in self.item.accepted if _fold(a) not in shown)

    @property
    def answer_differs(self) -> bool:
        """Whether the full answer says more than the chosen option (`The end of September
        2015` for option `September 2015`)."""
        it = self.item
        if it.qtype not in ("mcq", "first"):
            return True
        return _fold(plain(it.answer)) != _fold(plain(it.options[it.correct[0]]))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".")


@dataclass(frozen=True)
class Section:
    title: str | None  # None when the quiz has no sections at all
    questions: tuple[Question, ...]

    @property
    def points(self) -> int:
        return sum(q.points for q in self.questions)


def points(item: Item) -> int:
    return len(item.left) if item.qtype == "match" else POINTS[item.qtype]


# --- the quiz ------------------------------------------------------------------------------------


def write_quiz(
    deck: Deck,
    items: Sequence[Item],
    out_dir: str,
    *,
    env: jinja2.Environment | None = None,
    seed: int = 0,
    versions: int = 1,
    paper: str = "a4",
    count: int | None = None,
    types: Sequence[str] = (),
    sections: Sequence[str] = (),
    tags: Sequence[str] = (),
    chosen: Sequence[Item] | None = None,
) -> list[str]:
    """Write the printable quiz (one file per version) and return the paths written.

    The quiz asks `select(items, count=…, types=…, sections=…, tags=…, seed=seed)`: pass every
    generated item; without `count`, as many questions as the deck offers without two of them
    giving each other away. A caller that has made that selection already passes it as
    `chosen` (the filters and `count` are then not applied again)."""
    if not 1 <= versions <= len(LETTERS):
        raise QuizgenError(f"versions must be between 1 and {len(LETTERS)} (got {versions})")
    size = PAPERS.get(paper.lower())
    if size is None:
        raise QuizgenError(f"unknown paper size {paper!r}; valid: {', '.join(PAPERS)}")
    if chosen is None:
        chosen = select(items, count=count, types=types, sections=sections, tags=tags, seed=seed)
    if not chosen:
        raise QuizgenError(f"{deck.info.id}: no questions to put in the quiz")
    env = env or make_env(search_path(deck.info.templates))

    letters = LETTERS[:versions]
    shuffled = versions_of(deck, chosen, seed=seed, letters=letters)
    pages: dict[str, str] = {}
    for letter, numbered in zip(letters, shuffled, strict=True):
        name = "quiz.html" if versions == 1 else f"quiz-{letter}.html"
        pages[name] = render(
            env,
            "quiz/quiz.html.j2",
            deck=deck.info,
            deck_url=display_url(deck.info.url),
            sections=numbered,
            version=letter if versions > 1 else "",
            paper=size,
            total=sum(s.points for s in numbered),
            qtypes={q.item.qtype for s in numbered for q in s.questions},
            letters=LETTERS,
        )
    # Everything is rendered before anything is written: a template error leaves no new file.
    written = []
    for name, html in pages.items():
        path = os.path.join(out_dir, name)
        atomic_write(path, html)
        written.append(path)
    return written


def versions_of(
    deck: Deck, items: Sequence[Item], *, seed: int, letters: str
) -> list[list[Section]]:
    """One list of numbered sections per version letter. Question order is shuffled within each
    section and options within each question; a version whose order in a section repeats an
    earlier version's is re-drawn (a few times), so neighbours rarely sit with the same order."""
    groups = group_by_section(deck, items)
    out: list[list[Section]] = []
    seen: dict[str | None, list[list[int]]] = {}
    for letter in letters:
        sections: list[Section] = []
        number = 0
        for title, group in groups:
            earlier = seen.setdefault(title, [])
            questions = []
            for i in _section_order(deck, seed, letter, title, len(group), earlier):
                number += 1
                rng = random.Random(seed_for(seed, deck.info.id, "quiz", letter, group[i].uid))
                item = shuffle_options(group[i], rng)
                questions.append(Question(number, item, points(item)))
            sections.append(Section(title, tuple(questions)))
        out.append(sections)
    return out


def _section_order(
    deck: Deck, seed: int, letter: str, title: str | None, n: int, earlier: list[list[int]]
) -> list[int]:
    order = list(range(n))
    for attempt in range(8):
        rng = random.Random(seed_for(seed, deck.info.id, "quiz", letter, title or "", str(attempt)))
        rng.shuffle(order)
        if order not in earlier:
            break
    earlier.append(list(order))
    return order


def group_by_section(deck: Deck, items: Sequence[Item]) -> list[tuple[str | None, list[Item]]]:
    """Items by section, sections in deck order, items without one last under GENERAL (or
    without any heading when no item has a section). Items keep their order within a section."""
    return _by_section(deck, items)


T = TypeVar("T", Item, Fact)


def _by_section(deck: Deck, things: Sequence[T]) -> list[tuple[str | None, list[T]]]:
    groups: dict[str | None, list[T]] = {}
    for x in things:
        groups.setdefault(x.section, []).append(x)
    rank = {s: i for i, s in enumerate(deck.sections)}
    keys = sorted(groups, key=lambda s: (s is None, rank.get(s or "", len(rank))))
    if keys == [None]:
        return [(None, groups[None])]
    return [(k if k is not None else GENERAL, groups[k]) for k in keys]


def shuffle_options(item: Item, rng: random.Random) -> Item:
    """The item with its options (and a matching item's left column) in a new order, `correct`
    remapped to match. True/false keeps True before False. An ordering or matching item is not
    left showing its own answer (options already in order, or every pair side by side)."""
    if item.qtype in ("mcq", "first", "order") and len(item.options) > 1:
        for _ in range(8):
            perm = _perm(len(item.options), rng)
            correct = tuple(perm.index(c) for c in item.correct)
            if item.qtype != "order" or list(correct) != sorted(correct):
                break
        return replace(item, options=tuple(item.options[p] for p in perm), correct=correct)
    if item.qtype == "match" and len(item.left) > 1:
        for _ in range(8):
            perm = _perm(len(item.options), rng)
            lperm = _perm(len(item.left), rng)
            correct = tuple(perm.index(item.correct[j]) for j in lperm)
            if any(c != i for i, c in enumerate(correct)):
                break
        return replace(
            item,
            options=tuple(item.options[p] for p in perm),
            left=tuple(item.left[j] for j in lperm),
            correct=correct,
        )
    return item


def _perm(n: int, rng: random.Random) -> list[int]:
    order = list(range(n))
    rng.shuffle(order)
    return order


def display_url(url: str) -> str:
    """`https://en.wikipedia.org/wiki/Russia–Syria…` instead of `…Russia%E2%80%93Syria…`."""
    return urllib.parse.unquote(url) if url else ""


# --- the study page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One event on the timeline: a label (wrapped lines) above a bar spanning its dates."""

    fact: Fact
    lines: tuple[str, ...]
    y: float  # baseline of the first label line
    bar_y: float
    x: float
    width: float
    open_start: bool
    open_end: bool


@dataclass(frozen=True)
class Tick:
    x: float
    label: str  # "" for a minor tick


@dataclass(frozen=True)
class Timeline:
    width: int
    height: float
    axis_y: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    breaks: tuple[float, ...]  # x of each cut in the axis (a long empty stretch left out)


def write_study(
    deck: Deck,
    items: Sequence[Item],
    out_dir: str,
    *,
    env: jinja2.Environment | None = None,
    seed: int = 0,
    chosen: Sequence[Item] | None = None,
) -> str:
    """Write study.html: the quiz's questions (`select(items, seed=seed)`, or `chosen` if the
    caller has made that selection) with answers on demand, a facts sheet and a timeline."""
    env = env or make_env(search_path(deck.info.templates))
    if chosen is None:
        chosen = select(items, seed=seed)
    groups = group_by_section(deck, chosen)
    sections, number = [], 0
    for title, group in groups:
        questions = []
        for it in group:
            number += 1
            questions.append(Question(number, it, points(it)))
        sections.append(Section(title, tuple(questions)))
    facts = study_facts(deck, chosen)
    fact_groups = _by_section(deck, facts)
    html = render(
        env,
        "quiz/study.html.j2",
        deck=deck.info,
        deck_url=display_url(deck.info.url),
        sections=sections,
        fact_sections=fact_groups,
        timeline=timeline([f for f in facts if isinstance(f.body, EventFact)]),
        letters=LETTERS,
    )
    path = os.path.join(out_dir, "study.html")
    atomic_write(path, html)
    return path


def study_facts(deck: Deck, items: Sequence[Item]) -> list[Fact]:
    """The deck's facts that the study page covers: every fact of the items' sections, and any
    other fact an item draws on (deck order)."""
    sections = {it.section for it in items}
    used = {f for it in items for f in (it.fact_ids or (it.fact_id,))}
    return [f for f in deck.facts if f.section in sections or f.id in used]


# Timeline geometry (SVG user units ≈ CSS px).
WIDTH = 720
LINE = 15  # label line height
BAR = 7  # bar thickness
ROW_GAP = 9
LABEL_CHARS = 100  # wrap width of a label, in characters
BREAK = 26  # width given to a cut in the axis
MIN_BAR = 6
GAP = 548  # days (18 months)


def timeline(events: Sequence[Fact]) -> Timeline | None:
    """Each event a row, earliest first: its label, then a bar from the first to the last day its
    date allows (a year-precision date is a year-long bar; an open end runs to the edge with an
    arrow). Empty stretches longer than GAP are cut out of the axis, so that a 1979 event does not
    squeeze all of 2015 into a few pixels."""
    dated = [(f, _span(f)) for f in events if isinstance(f.body, EventFact)]
    if not dated:
        return None
    dated.sort(key=lambda fs: (fs[1][0], fs[1][1], fs[0].id))

    clusters: list[list[dt.date]] = []
    for start, end in sorted(s for _, s in dated):
        if clusters and (start - clusters[-1][1]).days <= GAP:
            clusters[-1][1] = max(clusters[-1][1], end)
        else:
            clusters.append([start, end])
    pad = max(20, sum((b - a).days for a, b in clusters) // 40)
    spans = [(a - dt.timedelta(days=pad), b + dt.timedelta(days=pad)) for a, b in clusters]
    days = sum((b - a).days for a, b in spans)
    scale = (WIDTH - BREAK * (len(spans) - 1) - 2) / max(days, 1)
    offsets, x = [], 1.0
    for a, b in spans:
        offsets.append(x)
        x += (b - a).days * scale + BREAK
    breaks = tuple(o - BREAK / 2 for o in offsets[1:])

    def at(d: dt.date) -> float:
        for (a, b), off in zip(spans, offsets, strict=True):
            if d <= b:
                return off + max(0, (d - a).days) * scale
        return float(WIDTH - 1)

    ticks: list[Tick] = []
    for a, b in spans:
        minor = scale * 30 >= 6  # months are worth drawing
        for year in range(a.year, b.year + 2):
            for month in range(1, 13) if minor else (1,):
                d = dt.date(year, month, 1)
                if a <= d <= b:
                    ticks.append(Tick(at(d), str(year) if month == 1 else ""))

    bars, y = [], 4.0
    for fact, (start, end) in dated:
        body = fact.body
        assert isinstance(body, EventFact)
        date = body.when.date
        label = _timeline_label(fact)
        lines = tuple(textwrap.wrap(label, LABEL_CHARS)) or ("",)
        x0, x1 = at(start), at(end + dt.timedelta(days=1))
        # An open end is drawn as a dashed arrow from the known end, not as a bar.
        if date.start is None:
            x0 = x1 - MIN_BAR
        if date.end is None:
            x1 = x0 + MIN_BAR
        width = max(MIN_BAR, x1 - x0)
        first_line = y + LINE - 3
        bar_y = y + LINE * len(lines) + 2
        bars.append(
            Bar(fact, lines, first_line, bar_y, x0, width, date.start is None, date.end is None)
        )
        y = bar_y + BAR + ROW_GAP
    axis_y = y + 2
    return Timeline(WIDTH, axis_y + 18, axis_y, tuple(bars), tuple(ticks), breaks)


def _span(fact: Fact) -> tuple[dt.date, dt.date]:
    """First and last day of an event's date; an open end takes the other end's value."""
    body = fact.body
    assert isinstance(body, EventFact)
    d = body.when.date
    start = d.start.lower if d.start else d.end.lower  # type: ignore[union-attr]
    end = d.end.upper if d.end else d.start.upper  # type: ignore[union-attr]
    return start, end


def _timeline_label(fact: Fact) -> str:
    body = fact.body
    assert isinstance(body, EventFact)
    label = f"{capfirst(phrasing.date_label(body.when))} — {body.what}"
    if fact.status == "disputed":
        label += f" (disputed: {fact.attribution})"
    elif fact.status == "attributed":
        label += f" ({fact.attribution})"
    date = body.when.date
    if date.approximate or date.uncertain:
        label += " (date approximate)" if date.approximate else " (date uncertain)"
    return label
