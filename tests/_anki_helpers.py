"""The test oracle for Anki exports: the official `anki` package, driven like a learner would.

Importing this module without `anki` installed skips the importing test module locally and fails
it when CI=true.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from quizgen.export.anki import write_apkg
from quizgen.generation import generate
from quizgen.generation.item import Item
from quizgen.loading.validate import load_decks
from quizgen.model import Deck
from quizgen.text import Markup
from tests.conftest import DATA, running_in_ci

try:
    from anki import import_export_pb2 as ie
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.scheduler_pb2 import CardAnswer
except ImportError as e:  # pragma: no cover - depends on the environment
    if running_in_ci():
        pytest.fail(f"the `anki` package is required when CI=true: {e}", pytrace=False)
    pytest.skip(f"the `anki` package is not installed: {e}", allow_module_level=True)

__all__ = ["CardAnswer", "Collection"]

DECK_YAML = DATA / "anki_deck.yaml"
PICTURE = DATA / "anki_pic.png"


def copy_fixture(folder: Path) -> Path:
    """The fixture deck and its picture in a folder of their own, ready to be edited."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PICTURE, folder / PICTURE.name)
    target = folder / DECK_YAML.name
    shutil.copy(DECK_YAML, target)
    return target


def build(deck_yaml: Path, apkg: Path, **kwargs: Any) -> tuple[Deck, list[Item]]:
    """Load → generate → write, as `quizgen build` does."""
    deck = load_decks([str(deck_yaml)])[0]
    items = generate(deck)
    write_apkg(deck, items, str(apkg), **kwargs)
    return deck, items


def import_apkg(col: Collection, apkg: Path) -> Any:
    """Import with Anki's default options; returns the import log."""
    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=options)
    return col.import_anki_package(request).log


def guids(col: Collection, log_notes: Iterable[Any]) -> set[str]:
    return {col.get_note(n.id.nid).guid for n in log_notes}


def notes_by_guid(col: Collection) -> dict[str, Any]:
    return {n.guid: n for n in (col.get_note(nid) for nid in col.find_notes(""))}


RATINGS = (CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.AGAIN, CardAnswer.HARD)


def review(col: Collection, deck_name: str, count: int) -> list[int]:
    """Study `count` cards of a deck with the scheduler, as a learner would; their card ids."""
    col.decks.select(col.decks.id_for_name(deck_name))
    answered = []
    for i in range(count):
        queued = col.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            break
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=top.states, rating=RATINGS[i % 4])
        col.sched.answer_card(answer)
        answered.append(card.id)
    return answered


def snapshot(col: Collection) -> dict[str, list[Any]]:
    """Every row a learner's collection holds about notes, cards, history, note types, decks."""
    tables = ("notes", "cards", "revlog", "notetypes", "fields", "templates", "decks", "tags")
    return {t: col.db.all(f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}


def history(col: Collection) -> tuple[list[Any], list[Any]]:
    """Scheduling state of every card, and the review log."""
    cards = col.db.all("SELECT * FROM cards ORDER BY id")
    return cards, col.db.all("SELECT * FROM revlog ORDER BY id")


class TagCollector(HTMLParser):
    """Every start tag and its attributes in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def text_of(html: str) -> str:
    """What a reader sees of a field: tags dropped, entities decoded."""
    return Markup(html).striptags()


def html_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    return parser.tags
