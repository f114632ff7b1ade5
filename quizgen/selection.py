"""Which generated questions go into a printed quiz or a study page.

A deck yields several questions per fact (a flashcard both ways, a cloze, multiple choice…), which
suits Anki but not a sheet of paper: there, two questions on the same fact give each other away
(a multiple-choice option answers the written question next to it), and so does a question whose
text names another's answer ("According to Sergey Lavrov, …" next to "Who said …?"). `select()`
avoids such clashes while it can, spreads the questions over the sections as evenly as their
facts allow and, within a section, over the question types. `narrow()` is the plain filter (by
type, section, tag) that the other exports use. Both are deterministic and keep the input order
of what they keep (the quiz shuffles by its own seeds).
"""

from __future__ import annotations

import itertools
import random
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from quizgen.errors import QuizgenError
from quizgen.generation.distractors import norm
from quizgen.generation.item import QTYPES, Item
from quizgen.ids import seed_for
from quizgen.text import plain

NO_SECTION = ""  # the key of items without a section (real section names are never empty)


def narrow(
    items: Sequence[Item],
    *,
    types: Iterable[str] = (),
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> list[Item]:
    """The items that match every filter given (a filter left empty keeps all), in input order.

    types: question types (quizgen.generation.item.QTYPES); sections: section names; tags: an
    item is kept if it has any of them. Unknown types and sections raise QuizgenError listing
    the valid ones, so a typo does not silently empty the quiz (tags are free-form: a tag other
    decks use is no error)."""
    types, sections, tags = _unique(types), _unique(sections), _unique(tags)
    _check_names("question type", types, QTYPES)
    _check_names("section", sections, dict.fromkeys(it.section for it in items if it.section))
    return [
        it
        for it in items
        if (not types or it.qtype in types)
        and (not sections or it.section in sections)
        and (not tags or any(t in tags for t in it.tags))
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
    """The questions of a quiz, from the items that pass `narrow()`, in input order.

    Without `count`: every item that can join without clashing with those already taken (in
    practice one question per fact, types mixed). With `count`: that many (or all there are),
    clashing ones only when the others run out. Deterministic for a seed."""
    if count is not None and count < 1:
        raise QuizgenError(f"the question count must be at least 1 (got {count})")
    kept = narrow(items, types=types, sections=sections, tags=tags)
    if count is not None and count >= len(kept):
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


def _balanced(items: Sequence[Item], count: int | None, seed: int) -> set[int]:
    """Indices of `count` items (None: of all that don't clash). Sections take turns, each over
    its question types in turn, first with items that don't clash with those chosen (see
    `_Chosen.clashes`); a section out of such items passes its turn. Only when no section has
    any left, and `count` asks for more, are clashing items taken (again in turns)."""
    by_section: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_section.setdefault(it.section or NO_SECTION, []).append(i)

    pickers: dict[str, _SectionPicker] = {}
    for section, indices in by_section.items():
        order = list(indices)
        random.Random(seed_for(seed, "select", section)).shuffle(order)
        pickers[section] = _SectionPicker(items, order)

    quiz = _Chosen(items)
    limit = len(items) if count is None else count
    for fresh_only in (True, False) if count is not None else (True,):
        # Deck-wide items (timelines, matching: no section) draw on many facts, so they are the
        # hardest to keep apart from the others: they choose first.
        active = sorted(pickers, key=lambda s: s != NO_SECTION)
        while len(quiz.indices) < limit and active:
            for section in list(active):
                if len(quiz.indices) == limit:
                    break
                index = pickers[section].take(quiz, fresh_only)
                if index is None:
                    active.remove(section)
                    continue
                quiz.add(index)
    return quiz.indices


class _Chosen:
    """The quiz so far: which facts it asks about, what its questions say, what they ask for.

    A question clashes with the quiz when they share a fact; when one's answer is named in the
    other's text ("According to Sergey Lavrov, …" next to "Who said …?"); or when a name is
    (part of) the other's answer ("Baghdad" next to "Damascus and Baghdad"). Dates and figures
    may repeat: "2015" answers many questions without giving any away. Every answer that can
    occur is known up front, so each text is scanned once for the answers it contains (a word
    trie) and each test is a set lookup: choosing stays linear in the number of questions."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.answers_of = [_answers(it) for it in items]
        self.trie = _trie(a for answers in self.answers_of for a in answers)
        self.profiles: dict[int, _Profile] = {}
        self.indices: set[int] = set()
        self.facts: set[str] = set()
        self.answers: set[str] = set()
        self.names: set[str] = set()  # the chosen answers that are names (no digits)
        self.named_in_stems: set[str] = set()  # answers occurring in a chosen question's text
        self.named_in_names: set[str] = set()  # answers occurring within a chosen name

    def profile(self, index: int) -> _Profile:
        found = self.profiles.get(index)
        if found is None:
            item = self.items[index]
            answers = self.answers_of[index]
            names = [a for a in answers if _is_name(a)]
            within_names: set[str] = set()
            for name in names:
                within_names |= _occurring(self.trie, name)
            found = self.profiles[index] = _Profile(
                facts=_facts(item),
                answers=answers,
                names=names,
                in_stem=_occurring(self.trie, norm(plain(item.prompt))),
                in_names=within_names,
            )
        return found

    def add(self, index: int) -> None:
        p = self.profile(index)
        self.indices.add(index)
        self.facts.update(p.facts)
        self.answers.update(p.answers)
        self.names.update(p.names)
        self.named_in_stems |= p.in_stem
        self.named_in_names |= p.in_names

    def clashes(self, index: int) -> bool:
        """Would the item at `index` give away, or be given away by, a question chosen?"""
        if not self.facts.isdisjoint(_facts(self.items[index])):
            return True  # the usual reason, and cheap: spares the text scan of the profile
        p = self.profile(index)
        return (
            not self.named_in_stems.isdisjoint(p.answers)
            or not self.answers.isdisjoint(p.in_stem)
            or not self.named_in_names.isdisjoint(p.names)
            or not self.names.isdisjoint(p.in_names)
        )


@dataclass(frozen=True, slots=True)
class _Profile:
    facts: tuple[str, ...]
    answers: list[str]
    names: list[str]
    in_stem: set[str]  # the answers (of any question) that this question's text names
    in_names: set[str]  # the answers that occur within this question's name answers


_END = ""  # marks where a phrase ends in the trie; norm() never yields an empty word


def _trie(phrases: Iterable[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for word in phrase.split(" "):
            node = node.setdefault(word, {})
        node[_END] = phrase
    return root


def _occurring(trie: dict[str, Any], text: str) -> set[str]:
    """The trie's phrases that occur in normalised `text` as whole words."""
    words = text.split()
    found: set[str] = set()
    for start, first in enumerate(words):
        if first not in trie:  # most words begin no answer: skip them cheaply
            continue
        node = trie
        for word in itertools.islice(words, start, None):
            child = node.get(word)
            if child is None:
                break
            node = child
            if _END in node:
                found.add(node[_END])
    return found


def _is_name(answer: str) -> bool:
    return _DIGIT.search(answer) is None


_DIGIT = re.compile(r"\d")


def _facts(item: Item) -> tuple[str, ...]:
    return item.fact_ids or (item.fact_id,)


def _answers(item: Item) -> list[str]:
    """What a student must come up with, normalised (short words are too common to count)."""
    if item.qtype in ("mcq", "first"):
        texts = [plain(item.options[item.correct[0]])]
    elif item.qtype in ("qa", "reverse", "short", "cloze"):
        texts = [plain(item.answer), *item.accepted]
        if item.cloze:
            texts.append(plain(item.cloze[1]))
    else:  # true/false, order, match: the answer is a judgement or an arrangement
        return []
    return [k for k in dict.fromkeys(norm(t) for t in texts) if len(k) >= 3]


class _SectionPicker:
    """Round-robin over a section's question types, in a seeded order."""

    def __init__(self, items: Sequence[Item], order: Sequence[int]) -> None:
        queues: dict[str, deque[int]] = {}
        for i in order:
            queues.setdefault(items[i].qtype, deque()).append(i)
        self.queues = list(queues.values())
        self.turn = 0
        self.stale: deque[int] = deque()  # passed over because they clash with the quiz

    def take(self, quiz: _Chosen, fresh_only: bool) -> int | None:
        while self.queues:
            self.turn %= len(self.queues)
            queue = self.queues[self.turn]
            while queue:
                i = queue.popleft()
                if not quiz.clashes(i):
                    self.turn += 1
                    return i
                self.stale.append(i)
            self.queues.pop(self.turn)
        if fresh_only or not self.stale:
            return None
        return self.stale.popleft()
