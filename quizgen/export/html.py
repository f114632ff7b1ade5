"""Printable quizzes and a study page: self-contained HTML (inline CSS, no network, no script
needed to print), laid out for A4 or Letter.

Versions A, B, C… shuffle the questions within each section and the options of each question,
deterministically from the seed; each version carries its own answer key.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

import jinja2

from quizgen.dates import FuzzyDate
from quizgen.generation.item import QTYPE_NAMES, Item
from quizgen.ids import seed_for
from quizgen.model import Deck, EventFact
from quizgen.output import atomic_write
from quizgen.selection import select
from quizgen.templating import make_env, render

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAPERS = {"a4": "A4", "letter": "letter"}
POINTS = {"order": 2}  # matching: one point per pair; everything else: one point


@dataclass(frozen=True)
class Question:
    """An item as printed in one version: its number, points and (reshuffled) options."""

    number: int
    item: Item
    points: int
    letters: str = LETTERS


def version_letters(versions: int) -> str:
    if not 1 <= versions <= len(LETTERS):
        from quizgen.errors import QuizgenError

        raise QuizgenError(f"--versions must be between 1 and {len(LETTERS)} (got {versions})")
    return LETTERS[:versions]


def shuffle_version(
    deck: Deck, items: Sequence[Item], seed: int, letter: str
) -> list[tuple[str | None, list[Item]]]:
    """Sections in deck order; in each, the questions and their options shuffled for `letter`.
    Version A of seed 0 keeps the deck order of questions (options are shuffled already)."""
    sections: dict[str | None, list[Item]] = {}
    for it in items:
        sections.setdefault(it.section, []).append(it)
    out = []
    for name, group in sections.items():
        group = list(group)
        if letter != "A" or seed:
            random.Random(seed_for(seed, deck.info.id, "version", letter, name or "")).shuffle(
                group
            )
            group = [_shuffle_options(it, seed, letter) for it in group]
        out.append((name, group))
    return out


def _shuffle_options(item: Item, seed: int, letter: str) -> Item:
    """Reorder the options of one item and remap its key to the new order."""
    if item.qtype not in ("mcq", "first", "order", "match") or len(item.options) < 2:
        return item
    perm = list(range(len(item.options)))  # new position → old index
    random.Random(seed_for(seed, item.uid, "options", letter)).shuffle(perm)
    new_of_old = {old: new for new, old in enumerate(perm)}
    options = tuple(item.options[i] for i in perm)
    correct = tuple(new_of_old[c] for c in item.correct)
    return replace(item, options=options, correct=correct)


def points(item: Item) -> int:
    if item.qtype == "match":
        return len(item.left)
    return POINTS.get(item.qtype, 1)


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
) -> list[str]:
    """Write quiz.html (one version) or quiz-A.html, quiz-B.html… Returns the paths written."""
    env = env or make_env()
    if paper not in PAPERS:
        from quizgen.errors import QuizgenError

        raise QuizgenError(f"unknown paper {paper!r}; choose a4 or letter")
    chosen = select(items, count=count, types=types, sections=sections, tags=tags, seed=seed)
    letters = version_letters(versions)
    paths = []
    for letter in letters:
        numbered = []
        n = 0
        for name, group in shuffle_version(deck, chosen, seed, letter):
            questions = []
            for it in group:
                n += 1
                questions.append(Question(n, it, points(it)))
            numbered.append((name, questions))
        html = render(
            env,
            "quiz/quiz.html.j2",
            deck=deck.info,
            sections=numbered,
            version=letter if versions > 1 else "",
            paper=PAPERS[paper],
            total=sum(q.points for _, qs in numbered for q in qs),
            type_names=QTYPE_NAMES,
            letters=LETTERS,
        )
        name = "quiz.html" if versions == 1 else f"quiz-{letter}.html"
        path = os.path.join(out_dir, name)
        atomic_write(path, html)
        paths.append(path)
    return paths


def write_study(
    deck: Deck, items: Sequence[Item], out_dir: str, *, env: jinja2.Environment | None = None
) -> str:
    """Write study.html: every quiz question with its answer on demand, a facts sheet by section
    and a timeline of the dated events."""
    env = env or make_env()
    chosen = select(items)
    statements = _statements(items)
    facts_by_section: dict[str | None, list[tuple[str, str]]] = {}
    for f in deck.facts:
        facts_by_section.setdefault(f.section, []).append((f.id, f.kind))
    html = render(
        env,
        "quiz/study.html.j2",
        deck=deck.info,
        sections=shuffle_version(deck, chosen, 0, "A"),
        type_names=QTYPE_NAMES,
        letters=LETTERS,
        facts=facts_by_section,
        statements=statements,
        notes={f.id: f.note for f in deck.facts},
        claims={f.id: f.attribution for f in deck.facts},
        timeline=timeline(deck),
    )
    path = os.path.join(out_dir, "study.html")
    atomic_write(path, html)
    return path


def _statements(items: Sequence[Item]) -> dict[str, object]:
    """One true sentence per fact for the facts sheet: a cloze's full text, else a Q&A pair."""
    out: dict[str, object] = {}
    for it in items:
        if it.qtype == "cloze" and it.cloze and it.fact_id not in out:
            out[it.fact_id] = it.cloze[0] + it.cloze[1] + it.cloze[2]
    for it in items:
        if it.qtype == "qa" and it.fact_id not in out:
            out[it.fact_id] = it.prompt + " " + it.answer
    return out


@dataclass(frozen=True)
class Bar:
    label: str
    x: float
    width: float
    y: float
    fuzzy: bool
    disputed: bool
    date_text: str


def timeline(deck: Deck, width: int = 760, row: int = 26) -> dict[str, object]:
    """Geometry of an SVG timeline: one row per dated event, fuzzy dates as ranges."""
    events = [(f, f.body) for f in deck.facts if isinstance(f.body, EventFact)]
    events = [(f, b) for f, b in events if b.when.date.start and b.when.date.end]
    if not events:
        return {"bars": [], "ticks": [], "height": 0, "width": width}
    events.sort(key=lambda fb: fb[1].when.date.sort_key)
    lo = min(_ord(b.when.date, True) for _, b in events)
    hi = max(_ord(b.when.date, False) for _, b in events)
    first_year, last_year = _year(lo), _year(hi) + 1
    span = max(1.0, _year_start(last_year) - _year_start(first_year))
    left, plot = 10.0, width - 20.0

    def x(day: float) -> float:
        return left + (day - _year_start(first_year)) / span * plot

    bars = []
    for i, (f, b) in enumerate(events):
        d = b.when.date
        x0, x1 = x(_ord(d, True)), x(_ord(d, False) + 1)
        from quizgen.generation.phrasing import date_label

        bars.append(
            Bar(
                label=b.what,
                x=x0,
                width=max(3.0, x1 - x0),
                y=30 + i * row,
                fuzzy=d.is_interval or d.approximate or d.uncertain or d.precision != "day",
                disputed=f.status != "established",
                date_text=date_label(b.when),
            )
        )
    step = max(1, (last_year - first_year) // 8)
    ticks = [(x(_year_start(y)), y) for y in range(first_year, last_year + 1, step)]
    return {"bars": bars, "ticks": ticks, "height": 40 + len(events) * row, "width": width}


def _ord(d: FuzzyDate, lower: bool) -> float:
    return float((d.lower if lower else d.upper).toordinal())


def _year(ordinal: float) -> int:
    import datetime as dt

    return dt.date.fromordinal(int(ordinal)).year


def _year_start(year: int) -> float:
    import datetime as dt

    return float(dt.date(year, 1, 1).toordinal())
