"""A generated question: what every export consumes.

All display text is `Markup` (already HTML-escaped; see quizgen.text). Exports that need plain
text use `quizgen.text.plain()`. Items are immutable and fully determined by deck + seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quizgen.ids import item_uid
from quizgen.model import ClaimStatus, Location, Source
from quizgen.text import Markup

QType = Literal["qa", "reverse", "cloze", "mcq", "tf", "order", "first", "match", "short"]
QTYPES: tuple[QType, ...] = (
    "qa",
    "reverse",
    "cloze",
    "mcq",
    "tf",
    "order",
    "first",
    "match",
    "short",
)
QTYPE_NAMES: dict[str, str] = {
    "qa": "Question and answer",
    "reverse": "Question and answer (reverse)",
    "cloze": "Fill in the blank",
    "mcq": "Multiple choice",
    "tf": "True or false",
    "order": "Put in order",
    "first": "Which came first",
    "match": "Matching",
    "short": "Short answer",
}


@dataclass(frozen=True)
class Item:
    """One question. Which fields are used depends on `qtype`:

    - qa / reverse / short: `prompt`, `answer`; `accepted` lists plain-text answers to accept.
    - cloze: `cloze` = (before, deleted part, after); `prompt` shows the sentence with a blank.
    - mcq / tf / first: `options` in display order, `correct` = (index of the right option,).
      tf options are ("True", "False").
    - order: `options` = events in display (shuffled) order; `correct` = option indices in the
      right (chronological) order.
    - match: `left` = prompts; `options` = right column in display order; `correct[i]` = index in
      `options` matching `left[i]`.
    `answer` is always a readable statement of the right answer (for keys and card backs).
    """

    deck_id: str
    fact_id: str  # the fact the item is about; for multi-fact items, its anchor
    qtype: QType
    variant: str
    prompt: Markup
    answer: Markup
    options: tuple[Markup, ...] = ()
    correct: tuple[int, ...] = ()
    left: tuple[Markup, ...] = ()
    cloze: tuple[Markup, Markup, Markup] | None = None
    accepted: tuple[str, ...] = ()
    explanation: Markup = Markup("")  # noqa: RUF009 - immutable  # the fact's note, shown with the answer
    claim: Markup = Markup("")  # noqa: RUF009  # "Reported by Reuters; denied by Russian officials." or ""
    status: ClaimStatus = "established"
    sources: tuple[Source, ...] = ()
    fact_ids: tuple[str, ...] = ()  # every fact the item draws on (anchor first)
    section: str | None = None
    tags: tuple[str, ...] = ()
    location: Location = Location("")  # noqa: RUF009
    image: str | None = None  # absolute path of a picture for the answer side

    @property
    def uid(self) -> str:
        """Stable identity: survives edits of the fact's text (Anki GUIDs derive from it)."""
        return item_uid(self.deck_id, self.fact_id, self.qtype, self.variant)
