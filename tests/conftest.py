"""Shared fixtures: small decks written on the fly, loaded through the real loader."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from quizgen.loading.validate import load_decks
from quizgen.model import Deck

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
SHIPPED_DECK = REPO / "decks" / "rsii-coalition.yaml"

HEADER = """\
deck:
  id: t
  title: Test deck
sources:
  s1: {title: A source, publisher: Somebody, date: 2015-10-06}
"""


@pytest.fixture
def small_deck() -> Deck:
    return load_decks([str(DATA / "small.yaml")])[0]


@pytest.fixture
def make_deck(tmp_path: Path) -> Callable[..., Deck]:
    """Write `entities:` and `facts:` YAML under a standard header and load it."""

    def make(body: str, header: str = HEADER, name: str = "deck.yaml") -> Deck:
        path = tmp_path / name
        path.write_text(header + textwrap.dedent(body), encoding="utf-8")
        return load_decks([str(path)])[0]

    return make


def running_in_ci() -> bool:
    return os.environ.get("CI") == "true"
