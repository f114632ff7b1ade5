"""CSV export for Anki's text importer and Quizlet-style tools: UTF-8, a header row, one row
per question. `question`, `answer`, `explanation` and `claim` are HTML (tell Anki's importer to
allow HTML); every other column is plain text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from quizgen.generation.item import Item
from quizgen.model import Deck
from quizgen.output import atomic_write
from quizgen.text import plain

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CSV_COLUMNS = (
    "uid",
    "deck",
    "fact",
    "type",
    "section",
    "question",
    "answer",
    "options",
    "correct",
    "explanation",
    "claim",
    "sources",
    "tags",
)


def _options_text(item: Item) -> str:
    if item.qtype == "match":
        return (
            " | ".join(f"{i + 1}. {plain(left)}" for i, left in enumerate(item.left))
            + " || "
            + " | ".join(f"{LETTERS[i]}. {plain(o)}" for i, o in enumerate(item.options))
        )
    return " | ".join(f"{LETTERS[i]}. {plain(o)}" for i, o in enumerate(item.options))


def _correct_text(item: Item) -> str:
    if item.qtype == "match":
        return ", ".join(f"{i + 1}-{LETTERS[c]}" for i, c in enumerate(item.correct))
    return ", ".join(LETTERS[c] for c in item.correct)


def sources_text(item: Item) -> str:
    return " ".join(s.citation() for s in item.sources)


def write_csv(deck: Deck, items: Sequence[Item], path: str) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for it in items:
        w.writerow(
            [
                it.uid,
                it.deck_id,
                it.fact_id,
                it.qtype,
                it.section or "",
                str(it.prompt),
                str(it.answer),
                _options_text(it),
                _correct_text(it),
                str(it.explanation),
                str(it.claim),
                sources_text(it),
                " ".join(it.tags),
            ]
        )
    atomic_write(path, buf.getvalue())
