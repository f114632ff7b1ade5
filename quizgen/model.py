"""The fact model: what a deck says, independent of how it was written or will be asked.

Plain frozen dataclasses. Every fact has a stable `id`; the kind-specific payload lives in one of
the `*Fact` dataclasses. Entity references are resolved at load time, so a fact holds `Entity`
objects, not ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from quizgen.dates import FuzzyDate

ClaimStatus = Literal["established", "attributed", "disputed"]
CLAIM_STATUSES: tuple[ClaimStatus, ...] = ("established", "attributed", "disputed")
EntityKind = Literal["person", "country", "city", "region", "place", "organisation", "other"]
ENTITY_KINDS: tuple[EntityKind, ...] = (
    "person",
    "country",
    "city",
    "region",
    "place",
    "organisation",
    "other",
)
Bound = Literal["exact", "about", "more_than", "at_least", "fewer_than", "at_most"]
BOUNDS: tuple[Bound, ...] = ("exact", "about", "more_than", "at_least", "fewer_than", "at_most")
FACT_KINDS = ("event", "role", "location", "quantity", "group", "quote")


@dataclass(frozen=True, order=True)
class Location:
    """Where something was written: for messages and lint reports."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class DeckInfo:
    id: str
    title: str
    description: str = ""
    language: str = "en"
    license: str = ""
    attribution: str = ""
    url: str = ""
    templates: str | None = None  # absolute path of the deck's own template overrides


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str = ""
    author: str = ""
    date: FuzzyDate | None = None
    url: str = ""
    language: str = ""

    def citation(self) -> str:
        """`Title. Publisher, 6 October 2015.` — plain text; exports escape it."""
        parts = [self.title.rstrip(".") + "."]
        tail = ", ".join(
            x for x in (self.author, self.publisher, self.date.text() if self.date else "") if x
        )
        if tail:
            parts.append(tail + ".")
        return " ".join(parts)


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    kind: EntityKind
    aliases: tuple[str, ...] = ()
    category: str = ""
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Dated:
    """A date with the words an author wants it read as."""

    date: FuzzyDate
    text: str | None = None  # `date_text`


@dataclass(frozen=True)
class EventFact:
    what: str
    when: Dated
    where: Entity | None = None
    who: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class RoleFact:
    person: Entity
    role: str
    organisation: Entity | None = None
    as_of: Dated | None = None


@dataclass(frozen=True)
class LocationFact:
    thing: str
    places: tuple[Entity, ...]
    as_of: Dated | None = None


@dataclass(frozen=True)
class QuantityFact:
    what: str
    value: Decimal
    unit: str = ""
    bound: Bound = "exact"
    as_of: Dated | None = None


@dataclass(frozen=True)
class GroupFact:
    name: str
    members: tuple[Entity, ...]
    complete: bool = True
    as_of: Dated | None = None


@dataclass(frozen=True)
class QuoteFact:
    speaker: Entity
    text: str
    when: Dated | None = None
    context: str = ""


Body = EventFact | RoleFact | LocationFact | QuantityFact | GroupFact | QuoteFact


@dataclass(frozen=True)
class Fact:
    id: str
    kind: str  # one of FACT_KINDS; matches the type of `body`
    body: Body
    sources: tuple[Source, ...]
    location: Location
    section: str | None = None
    tags: tuple[str, ...] = ()
    status: ClaimStatus = "established"
    claimed_by: str = ""
    denied_by: str = ""
    note: str = ""
    distractors: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    image: str | None = None  # absolute path

    @property
    def attribution(self) -> str:
        """`reported by Reuters; denied by Russian officials` — empty for established facts."""
        if self.status == "established":
            return ""
        text = f"reported by {self.claimed_by}"
        if self.status == "disputed":
            text += f"; denied by {self.denied_by}"
        return text


@dataclass(frozen=True)
class Deck:
    info: DeckInfo
    path: str
    sources: dict[str, Source]
    entities: dict[str, Entity]
    facts: tuple[Fact, ...]

    @property
    def sections(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.facts:
            if f.section:
                seen.setdefault(f.section)
        return list(seen)
