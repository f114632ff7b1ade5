"""Which generated questions go into a printed quiz or a study page.

A deck yields several questions per fact (a flashcard both ways, a cloze, multiple choice…), which
suits Anki but not a sheet of paper: there, a second question on the same fact gives the first
away. So a quiz takes at most one question per fact, rotating through the question types, plus the
deck-wide timeline, matching and "which came first" items. `count`, `types`, `sections` and
`tags` narrow it down. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from quizgen.errors import QuizgenError
from quizgen.generation.item import QTYPES, Item
from quizgen.ids import seed_for

# Per fact, the first available type in a rotated copy of this list is asked.
QUIZ_TYPES = ("mcq", "short", "tf", "cloze", "qa", "reverse")
DECK_WIDE = ("order", "match", "first")


def narrow(
    items: Sequence[Item],
    *,
    types: Iterable[str] = (),
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> list[Item]:
    """Items of the given types, sections and tags (each filter off when empty)."""
    types, sections, tags = list(types), list(sections), list(tags)
    _check(types, QTYPES, "question type")
    _check(sections, sorted({it.section for it in items if it.section}), "section")
    return [
        it
        for it in items
        if (not types or it.qtype in types)
        and (not sections or it.section in sections)
        and (not tags or set(tags) & set(it.tags))
    ]


def select(
    items: Sequence[Item],
    *,
    count: int | None = None,
    types: Iterable[str] = (),
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    seed: int = 0,
) -> list[Item]:
    """The questions of a printed quiz (see the module's doc)."""
    pool = narrow(items, types=types, sections=sections, tags=tags)
    by_fact: dict[str, list[Item]] = {}
    deck_wide: dict[str, Item] = {}
    for it in pool:
        if it.qtype in DECK_WIDE:
            deck_wide.setdefault(it.qtype, it)  # one of each: they overlap in facts
        else:
            by_fact.setdefault(it.fact_id, []).append(it)
    chosen: list[Item] = []
    for n, (_fact_id, group) in enumerate(by_fact.items()):
        offered = {it.qtype: it for it in reversed(group)}  # first of each type wins
        rotation = QUIZ_TYPES[n % len(QUIZ_TYPES) :] + QUIZ_TYPES[: n % len(QUIZ_TYPES)]
        pick = next((offered[t] for t in rotation if t in offered), group[0])
        chosen.append(pick)
    chosen += deck_wide.values()
    if count is not None and count < len(chosen):
        rng = random.Random(seed_for(seed, "select"))
        keep = set(rng.sample(range(len(chosen)), count))
        chosen = [it for i, it in enumerate(chosen) if i in keep]
    order = {id(it): i for i, it in enumerate(items)}
    return sorted(chosen, key=lambda it: order[id(it)])


def _check(given: list[str], valid: Sequence[str], what: str) -> None:
    bad = [g for g in given if g not in valid]
    if bad:
        raise QuizgenError(
            f"unknown {what} {', '.join(map(repr, bad))}; choose from "
            f"{', '.join(map(repr, valid)) or '(none in this deck)'}"
        )
