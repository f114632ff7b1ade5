"""Generation: facts → questions (Items), through Jinja templates, with checked distractors.

`generate(deck, seed=…)` is deterministic: the same deck, templates and seed give the same items
in the same order. Items come fact by fact in deck order, then the deck-wide items.
"""

from __future__ import annotations

from collections.abc import Iterable

from quizgen.generation import phrasing  # noqa: F401  (registers the template filters)
from quizgen.generation.distractors import DeckIndex, Refusal, mentions
from quizgen.generation.item import QTYPES, Item
from quizgen.generation.questions import KIND_BUILDERS, Builder, deck_items
from quizgen.model import Deck
from quizgen.templating import make_env, search_path
from quizgen.text import plain

__all__ = [
    "QTYPES",
    "Item",
    "Refusal",
    "generate",
    "generate_with_refusals",
    "leaked_answer",
]


def generate(deck: Deck, *, seed: int = 0, project_templates: Iterable[str] = ()) -> list[Item]:
    """All questions for one deck."""
    return generate_with_refusals(deck, seed=seed, project_templates=project_templates)[0]


def generate_with_refusals(
    deck: Deck, *, seed: int = 0, project_templates: Iterable[str] = ()
) -> tuple[list[Item], list[Refusal]]:
    """Items plus what the generator refused (for the lint: dropped distractors, fallbacks)."""
    env = make_env(search_path(deck.info.templates, project_templates))
    refusals: list[Refusal] = []
    bd = Builder(deck, env, DeckIndex.build(deck), seed, refusals)
    items: list[Item] = []
    for fact in deck.facts:
        for item in KIND_BUILDERS[type(fact.body)](bd, fact, fact.body):
            if leak := leaked_answer(item):
                refusals.append(
                    Refusal(
                        fact,
                        "answer-leaked",
                        f"not asked: the question gives "
                        f"away its answer {leak!r}: {plain(item.prompt)!r}",
                    )
                )
            else:
                items.append(item)
    items.extend(deck_items(bd))
    return items, refusals


def leaked_answer(item: Item) -> str | None:
    """The answer (or an accepted form of it) if the question text already contains it."""
    if item.qtype not in ("qa", "short", "mcq", "reverse", "cloze"):
        return None
    prompt = plain(item.prompt)
    answers = [plain(item.answer), *item.accepted]
    if item.qtype == "mcq":
        answers.append(plain(item.options[item.correct[0]]))
    return next((a for a in answers if mentions(prompt, a)), None)
