"""Pick the questions that go into a quiz: by type, section and tag, and a balanced subset.

`select()` is deterministic and keeps the input order of what it keeps (exports shuffle, if they
want to, by their own seeds). A subset drawn with `count` spreads over the sections as evenly as
their sizes allow and, within that, over different facts and question types: two questions on the
same fact in one quiz give each other away, so a fact is asked twice only when the quiz needs more
questions than there are facts left.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Sequence

from quizgen.errors import QuizgenError
from quizgen.generation.item import QTYPES, Item
from quizgen.ids import seed_for

NO_SECTION = ""  # the key of items without a section (real section names are never empty)


def select(
    items: Sequence[Item],
    *,
    count: int | None = None,
    types: Iterable[str] = (),
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    seed: int = 0,
) -> list[Item]:
    """The items that match every filter given (a filter left empty keeps all); then, with
    `count`, a deterministic subset of at most `count` of them.

    types: question types (quizgen.generation.item.QTYPES); sections: section names; tags: an
    item is kept if it has any of them. Names that match nothing raise QuizgenError listing the
    valid ones, so a typo does not silently empty the quiz."""
    types, sections, tags = _unique(types), _unique(sections), _unique(tags)
    _check_names("question type", types, QTYPES)
    _check_names("section", sections, dict.fromkeys(it.section for it in items if it.section))
    _check_names("tag", tags, dict.fromkeys(t for it in items for t in it.tags))
    if count is not None and count < 1:
        raise QuizgenError(f"the question count must be at least 1 (got {count})")

    kept = [
        it
        for it in items
        if (not types or it.qtype in types)
        and (not sections or it.section in sections)
        and (not tags or any(t in tags for t in it.tags))
    ]
    if count is None or count >= len(kept):
        return kept
    chosen = _balanced(kept, count, seed)
    return [it for i, it in enumerate(kept) if i in chosen]


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))


def _check_names(what: str, given: Sequence[str], valid: Iterable[str]) -> None:
    valid = list(valid)
    unknown = [n for n in given if n not in valid]
    if unknown:
        listed = ", ".join(repr(v) for v in valid) or "none in these questions"
        raise QuizgenError(
            f"unknown {what}{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)}; valid: {listed}"
        )


def _balanced(items: Sequence[Item], count: int, seed: int) -> set[int]:
    """Indices of `count` items: sections take turns (so each gets an equal share, or all it has
    when it has less), and each section takes turns over its question types, preferring items
    whose facts no chosen item uses yet."""
    by_section: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_section.setdefault(it.section or NO_SECTION, []).append(i)

    # Per section: one queue per question type, each in a seeded order, types in a seeded order.
    pickers: dict[str, _SectionPicker] = {}
    for section, indices in by_section.items():
        rng = random.Random(seed_for(seed, "select", section))
        order = list(indices)
        rng.shuffle(order)
        pickers[section] = _SectionPicker(items, order)

    used_facts: set[str] = set()
    chosen: set[int] = set()
    # Deck-wide items (timelines, matching: no section) draw on many facts, so they are the
    # hardest to keep apart from the others: they choose first.
    active = sorted(pickers, key=lambda s: s != NO_SECTION)
    while len(chosen) < count and active:
        for section in list(active):
            if len(chosen) == count:
                break
            index = pickers[section].take(used_facts)
            if index is None:
                active.remove(section)
                continue
            chosen.add(index)
            used_facts.update(items[index].fact_ids or (items[index].fact_id,))
    return chosen


class _SectionPicker:
    """Round-robin over a section's question types; fresh facts first, the rest afterwards."""

    def __init__(self, items: Sequence[Item], order: Sequence[int]) -> None:
        self.items = items
        queues: dict[str, deque[int]] = {}
        for i in order:
            queues.setdefault(items[i].qtype, deque()).append(i)
        self.queues = list(queues.values())
        self.turn = 0
        self.stale: deque[int] = deque()  # skipped because their fact was already asked

    def take(self, used_facts: set[str]) -> int | None:
        while self.queues:
            self.turn %= len(self.queues)
            queue = self.queues[self.turn]
            while queue:
                i = queue.popleft()
                if used_facts.isdisjoint(self.items[i].fact_ids or (self.items[i].fact_id,)):
                    self.turn += 1
                    return i
                self.stale.append(i)
            self.queues.pop(self.turn)
        return self.stale.popleft() if self.stale else None
